"""Onboarding answers: each user sees and changes only their own; bad input is a 400."""

from __future__ import annotations

import pytest

from core.tests.factories import UniversityFactory
from users.models import OnboardingAnswer
from users.tests.factories import OnboardingAnswerFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/auth/onboarding-answers/"
ANSWER_KEYS = {"id", "user", "university", "degree", "graduation_year", "interests", "created_at", "updated_at"}


def detail_url(answer_or_id) -> str:
    return f"{LIST_URL}{getattr(answer_or_id, 'pk', answer_or_id)}/"


def answer_body(**overrides) -> dict:
    return {
        "university": None,
        "degree": "BSc Mathematics",
        "graduation_year": 2027,
        "interests": "algebra",
    } | overrides


def test_list_shows_only_the_callers_answers(client_for, user, make_user):
    mine = OnboardingAnswerFactory(user=user)
    OnboardingAnswerFactory(user=make_user())

    response = client_for(user).get(LIST_URL)

    assert response.status_code == 200, f"expected 200, got {response.status_code}"
    assert response.data["count"] == 1, f"only the caller's answers expected, got {response.data['count']}"
    item = response.data["results"][0]
    assert set(item) == ANSWER_KEYS, f"got keys {sorted(item)}"
    assert (item["id"], item["user"]) == (str(mine.pk), user.pk)


def test_the_list_requires_authentication(api_client, db):
    response = api_client.get(LIST_URL)

    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    assert response.has_header("WWW-Authenticate")


def test_anonymous_create_is_401_and_stores_nothing(api_client, db):
    response = api_client.post(LIST_URL, answer_body(), format="json")

    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    assert not OnboardingAnswer.objects.exists()


def test_create_stores_an_answer_for_the_caller(client_for, user):
    university = UniversityFactory()

    response = client_for(user).post(LIST_URL, answer_body(university=university.pk), format="json")

    assert response.status_code == 201, f"expected 201, got {response.status_code}: {response.data!r}"
    assert set(response.data) == ANSWER_KEYS
    answer = OnboardingAnswer.objects.get(pk=response.data["id"])
    assert (answer.user_id, answer.university_id, answer.degree, answer.graduation_year, answer.interests) == (
        user.pk,
        university.pk,
        "BSc Mathematics",
        2027,
        "algebra",
    )
    assert response.data["university"] == university.pk


@pytest.mark.parametrize("interests", ["", None])
def test_create_accepts_blank_or_null_interests(client_for, user, interests):
    response = client_for(user).post(LIST_URL, answer_body(interests=interests), format="json")

    assert response.status_code == 201, (
        f"interests={interests!r} must be accepted, got {response.status_code}: {response.data!r}"
    )
    assert OnboardingAnswer.objects.get(pk=response.data["id"]).interests == ""
    assert response.data["interests"] == ""


def test_create_accepts_the_minimal_body(client_for, user):
    response = client_for(user).post(LIST_URL, {}, format="json")

    assert response.status_code == 201, f"every field is optional, got {response.status_code}: {response.data!r}"
    assert OnboardingAnswer.objects.filter(user=user).count() == 1


def test_create_takes_the_user_from_the_token_not_the_body(client_for, user, make_user):
    someone_else = make_user()

    response = client_for(user).post(LIST_URL, answer_body(user=someone_else.pk), format="json")

    assert response.status_code == 201, f"expected 201, got {response.status_code}"
    assert response.data["user"] == user.pk, f"the answer must belong to the caller, got {response.data['user']}"
    assert not OnboardingAnswer.objects.filter(user=someone_else).exists()


@pytest.mark.parametrize(
    "university",
    [987654, 99999999999999999999999, -1, 0, "abc", "12abc", True, 1.5, {"id": 1}, [1]],
)
def test_create_with_a_bad_university_is_400_not_500(client_for, user, university):
    response = client_for(user).post(LIST_URL, answer_body(university=university), format="json")

    assert response.status_code == 400, f"expected 400 for university={university!r}, got {response.status_code}"
    assert "university" in response.data, f"expected an error under 'university', got {response.data!r}"
    assert not OnboardingAnswer.objects.exists()


def test_create_accepts_the_university_id_as_a_string(client_for, user):
    university = UniversityFactory()

    response = client_for(user).post(LIST_URL, answer_body(university=str(university.pk)), format="multipart")

    assert response.status_code == 201, f"a numeric string id (form data) must work, got {response.status_code}"
    assert OnboardingAnswer.objects.get(pk=response.data["id"]).university_id == university.pk


@pytest.mark.parametrize("year", [1899, 2101, -5, 10**20, "soon"])
def test_create_with_a_graduation_year_out_of_range_is_400(client_for, user, year):
    response = client_for(user).post(LIST_URL, answer_body(graduation_year=year), format="json")

    assert response.status_code == 400, f"expected 400 for graduation_year={year!r}, got {response.status_code}"
    assert "graduation_year" in response.data, f"expected an error under 'graduation_year', got {response.data!r}"
    assert not OnboardingAnswer.objects.exists()


@pytest.mark.parametrize("year", [1900, 2100, None])
def test_create_accepts_graduation_years_at_the_bounds(client_for, user, year):
    response = client_for(user).post(LIST_URL, answer_body(graduation_year=year), format="json")

    assert response.status_code == 201, f"graduation_year={year!r} is valid, got {response.status_code}"
    assert OnboardingAnswer.objects.get(pk=response.data["id"]).graduation_year == year


def test_create_with_overlong_text_is_400(client_for, user):
    response = client_for(user).post(LIST_URL, answer_body(degree="d" * 256, interests="i" * 5001), format="json")

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert {"degree", "interests"} <= set(response.data), f"got {response.data!r}"


def test_read_own_answer(client_for, user):
    answer = OnboardingAnswerFactory(user=user)

    response = client_for(user).get(detail_url(answer))

    assert response.status_code == 200, f"expected 200, got {response.status_code}"
    assert response.data["id"] == str(answer.pk) and response.data["degree"] == answer.degree


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_users_answer_is_404(client_for, user, make_user, method):
    foreign = OnboardingAnswerFactory(user=make_user(), degree="Untouched")

    response = getattr(client_for(user), method)(detail_url(foreign), {"degree": "Hacked"}, format="json")

    assert response.status_code == 404, (
        f"{method.upper()} of another user's answer must be 404, got {response.status_code}"
    )
    foreign.refresh_from_db()
    assert foreign.degree == "Untouched", "another user's answer must not change or disappear"


def test_admins_also_see_only_their_own_answers(client_for, admin_user, user):
    OnboardingAnswerFactory(user=user)

    response = client_for(admin_user).get(LIST_URL)

    assert response.status_code == 200 and response.data["count"] == 0, f"got {response.data!r}"


@pytest.mark.parametrize("bad_id", ["abc", "99999999999999999999999", "6f1c2d3e-4b5a-4c6d-8e7f-901234567890"])
def test_unknown_or_malformed_answer_ids_are_404(client_for, user, bad_id):
    response = client_for(user).get(detail_url(bad_id))

    assert response.status_code == 404, f"expected 404 for id {bad_id!r}, got {response.status_code}"


def test_patch_with_an_empty_body_succeeds_without_a_write(client_for, user):
    answer = OnboardingAnswerFactory(user=user)
    before = answer.updated_at

    response = client_for(user).patch(detail_url(answer), {}, format="json")

    assert response.status_code == 200, f"expected 200 for an empty PATCH, got {response.status_code}"
    answer.refresh_from_db()
    assert answer.updated_at == before, "an empty PATCH must not write"
    assert response.data["degree"] == answer.degree


def test_patch_updates_the_given_fields_only(client_for, user):
    university = UniversityFactory()
    answer = OnboardingAnswerFactory(user=user, interests="chess")

    response = client_for(user).patch(
        detail_url(answer), {"university": university.pk, "interests": None}, format="json"
    )

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    answer.refresh_from_db()
    assert (answer.university_id, answer.interests, answer.degree) == (university.pk, "", "BSc Computer Science")


def test_patch_cannot_move_the_answer_to_another_user(client_for, user, make_user):
    answer = OnboardingAnswerFactory(user=user)

    response = client_for(user).patch(detail_url(answer), {"user": make_user().pk}, format="json")

    assert response.status_code == 200
    answer.refresh_from_db()
    assert answer.user_id == user.pk, "the owner of an answer never changes"


def test_patch_with_a_huge_university_id_is_400(client_for, user):
    answer = OnboardingAnswerFactory(user=user)

    response = client_for(user).patch(detail_url(answer), {"university": 99999999999999999999999}, format="json")

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert "university" in response.data


def test_delete_own_answer(client_for, user):
    answer = OnboardingAnswerFactory(user=user)

    response = client_for(user).delete(detail_url(answer))

    assert response.status_code == 204, f"expected 204, got {response.status_code}"
    assert not OnboardingAnswer.objects.filter(pk=answer.pk).exists()


def test_deleting_a_university_keeps_the_answer(client_for, user):
    university = UniversityFactory()
    answer = OnboardingAnswerFactory(user=user, university=university)

    university.delete()

    answer.refresh_from_db()
    assert answer.university_id is None, "the answer survives with no university"
