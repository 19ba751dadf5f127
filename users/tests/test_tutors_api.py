"""The public tutor directory and the tutor's own profile (tutors/me)."""

from __future__ import annotations

import pytest

from users.models import Role, User
from users.tests.contract import USER_KEYS
from users.tests.urls import TUTORS_URL

pytestmark = pytest.mark.django_db

TUTOR_ME_URL = "/api/auth/tutors/me/"
DIRECTORY_KEYS = {"id", "first_name", "last_name", "avatar", "bio", "courses_count"}


def test_the_tutor_directory_is_public_and_lists_only_active_tutors(api_client, make_user):
    active = make_user(Role.TUTOR, bio="I teach calculus.")
    make_user(Role.TUTOR, is_active=False)
    make_user(Role.STUDENT)
    make_user(Role.USER)
    make_user(Role.ADMIN, is_staff=True)

    response = api_client.get(TUTORS_URL)

    assert response.status_code == 200, f"expected 200 for an anonymous visitor, got {response.status_code}"
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert [item["id"] for item in response.data["results"]] == [active.pk], (
        f"only the active tutor expected, got {response.data['results']!r}"
    )
    item = response.data["results"][0]
    assert item["bio"] == "I teach calculus." and item["courses_count"] == 0


def test_tutor_directory_items_have_exactly_the_public_fields_and_no_email(api_client, make_user):
    tutor = make_user(Role.TUTOR, phone="+998901234567", username="teacher")

    response = api_client.get(TUTORS_URL)

    item = response.data["results"][0]
    assert set(item) == DIRECTORY_KEYS, f"expected exactly {sorted(DIRECTORY_KEYS)}, got {sorted(item)}"
    assert "email" not in item
    assert tutor.email not in response.content.decode(), "no e-mail address may appear in the public directory"
    assert isinstance(item["courses_count"], int)


def test_tutor_directory_works_for_authenticated_users_too(client_for, user, make_user):
    tutor = make_user(Role.TUTOR)

    response = client_for(user).get(TUTORS_URL)

    assert response.status_code == 200
    assert [item["id"] for item in response.data["results"]] == [tutor.pk]


@pytest.mark.parametrize("role", [Role.TUTOR, Role.ADMIN])
def test_tutor_profile_is_available_to_tutors_and_admins(client_for, make_user, role):
    caller = make_user(role, bio="About me", headline="Maths tutor", is_staff=role == Role.ADMIN)

    response = client_for(caller).get(TUTOR_ME_URL)

    assert response.status_code == 200, f"role {role} should see tutors/me, got {response.status_code}"
    assert set(response.data) == USER_KEYS | {"bio", "headline"}, f"got {sorted(response.data)}"
    assert (response.data["id"], response.data["bio"], response.data["headline"]) == (
        caller.pk,
        "About me",
        "Maths tutor",
    )


def test_tutor_profile_is_available_to_staff_with_another_role(client_for, make_user):
    staff = make_user(Role.USER, is_staff=True)

    response = client_for(staff).get(TUTOR_ME_URL)

    assert response.status_code == 200, f"staff count as admins, got {response.status_code}"


@pytest.mark.parametrize("role", [Role.USER, Role.STUDENT])
def test_tutor_profile_is_403_for_users_and_students(client_for, make_user, role):
    caller = make_user(role)

    get = client_for(caller).get(TUTOR_ME_URL)
    patch = client_for(caller).patch(TUTOR_ME_URL, {"bio": "sneaky"}, format="json")

    assert get.status_code == 403, f"role {role}: expected 403, got {get.status_code}"
    assert patch.status_code == 403, f"role {role}: expected 403 on PATCH, got {patch.status_code}"
    assert User.objects.get(pk=caller.pk).bio == ""


def test_tutor_profile_is_401_for_anonymous_callers(api_client, db):
    response = api_client.get(TUTOR_ME_URL)

    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    assert response.has_header("WWW-Authenticate")


def test_tutor_can_patch_bio_and_headline(client_for, tutor):
    response = client_for(tutor).patch(
        TUTOR_ME_URL, {"bio": "Ten years of physics.", "headline": "Physics"}, format="json"
    )

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    assert (response.data["bio"], response.data["headline"]) == ("Ten years of physics.", "Physics")
    tutor.refresh_from_db()
    assert (tutor.bio, tutor.headline) == ("Ten years of physics.", "Physics")


def test_tutor_patch_of_bio_shows_in_the_public_directory(client_for, tutor, api_client):
    client_for(tutor).patch(TUTOR_ME_URL, {"bio": "Fresh bio"}, format="json")

    response = api_client.get(TUTORS_URL)

    assert response.data["results"][0]["bio"] == "Fresh bio"


def test_tutor_patch_with_an_empty_body_succeeds(client_for, tutor):
    before = User.objects.get(pk=tutor.pk).updated_at

    response = client_for(tutor).patch(TUTOR_ME_URL, {}, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}"
    assert User.objects.get(pk=tutor.pk).updated_at == before, "an empty PATCH must not write"


def test_tutor_patch_cannot_change_the_role(client_for, tutor):
    response = client_for(tutor).patch(TUTOR_ME_URL, {"role": Role.ADMIN, "is_staff": True}, format="json")

    assert response.status_code == 200
    tutor.refresh_from_db()
    assert (tutor.role, tutor.is_staff) == (Role.TUTOR, False), "tutors/me must not change privileges"


def test_tutor_patch_with_an_overlong_headline_is_400(client_for, tutor):
    response = client_for(tutor).patch(TUTOR_ME_URL, {"headline": "h" * 201}, format="json")

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert "headline" in response.data
    assert User.objects.get(pk=tutor.pk).headline == ""
