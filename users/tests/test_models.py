"""The User model and its manager: ids, e-mail normalisation, passwords, roles."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import ServiceError
from users import services
from users.models import OnboardingAnswer, Role, User, generate_user_id
from users.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TWELVE_DIGITS = re.compile(r"^[1-9][0-9]{11}$")


def test_generated_user_ids_are_12_digit_strings_without_a_leading_zero():
    generated = [generate_user_id() for _ in range(5000)]

    bad = [value for value in generated if not (isinstance(value, str) and TWELVE_DIGITS.match(value))]
    assert not bad, f"every id must be a 12-digit string, got {bad[:5]}"
    assert len(set(generated)) == len(generated), "random ids should not collide in a small sample"


def test_users_get_unique_12_digit_string_ids():
    users = UserFactory.create_batch(60)

    ids = [user.pk for user in users]
    assert all(isinstance(pk, str) and TWELVE_DIGITS.match(pk) for pk in ids), f"got {ids[:5]}"
    assert len(set(ids)) == len(ids), "user ids must be unique"
    assert set(User.objects.values_list("id", flat=True)) == set(ids), "the stored ids are the generated ones"


def test_the_manager_never_reuses_an_existing_id(monkeypatch):
    existing = UserFactory()
    fresh = "123456789012"
    values = iter([existing.pk, existing.pk, fresh])
    monkeypatch.setattr("users.models.generate_user_id", lambda: next(values))

    user = User.objects.create_user(email="second@example.com", password=PASSWORD)

    assert user.pk == fresh, f"a colliding id must be re-drawn, got {user.pk}"
    assert User.objects.filter(pk=existing.pk, email=existing.email).exists(), "the existing user must be untouched"


def test_create_user_stores_the_email_lower_cased_and_stripped():
    user = User.objects.create_user(email="  Some.One@EXAMPLE.Com ", password=PASSWORD)

    assert user.email == "some.one@example.com", f"got {user.email!r}"
    assert User.objects.get(pk=user.pk).email == "some.one@example.com"


def test_saving_a_user_lower_cases_the_email():
    user = UserFactory()
    user.email = "Changed@Example.COM"
    user.save()

    assert User.objects.get(pk=user.pk).email == "changed@example.com"


def test_get_by_natural_key_matches_regardless_of_case():
    user = UserFactory(email="natural@example.com")

    assert User.objects.get_by_natural_key("NATURAL@example.com") == user


def test_email_is_unique_regardless_of_case_at_the_database_level():
    UserFactory(email="unique@example.com")
    other = UserFactory(email="other@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        # update() bypasses save()'s lower-casing: the case-insensitive constraint must still refuse it.
        User.objects.filter(pk=other.pk).update(email="UNIQUE@example.com")


def test_username_is_unique_regardless_of_case_but_blank_usernames_may_repeat():
    UserFactory(username="Shared")
    UserFactory(username="")
    UserFactory(username="")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="shared")


def test_create_user_without_an_email_is_refused():
    with pytest.raises(ValueError):
        User.objects.create_user(email="", password=PASSWORD)
    assert not User.objects.exists()


def test_create_user_defaults_to_the_user_role_and_an_unverified_email():
    user = User.objects.create_user(email="default@example.com", password=PASSWORD)

    assert (user.role, user.is_email_verified, user.is_active, user.is_staff) == (Role.USER, False, True, False)
    assert not user.is_admin and not user.is_tutor


def test_create_superuser_is_an_admin_with_staff_rights():
    admin = User.objects.create_superuser(email="Root@Example.com", password=PASSWORD)

    assert admin.role == Role.ADMIN, f"a superuser must have role 1, got {admin.role}"
    assert admin.is_staff and admin.is_superuser and admin.is_email_verified
    assert admin.is_admin
    assert admin.email == "root@example.com"


def test_the_password_is_stored_hashed():
    user = User.objects.create_user(email="hash@example.com", password=PASSWORD)

    stored = User.objects.get(pk=user.pk).password
    assert stored != PASSWORD and PASSWORD not in stored, "the raw password must never be stored"
    assert stored.startswith("md5$"), f"expected a hasher-prefixed hash (MD5 in tests), got {stored[:10]!r}"
    assert user.check_password(PASSWORD) and not user.check_password("wrong")


def test_create_user_without_a_password_gives_an_unusable_password():
    user = User.objects.create_user(email="nopass@example.com")

    assert not user.has_usable_password()
    assert not user.check_password("")


@pytest.mark.parametrize(
    ("fields", "is_admin"),
    [
        ({"role": Role.ADMIN}, True),
        ({"role": Role.USER, "is_staff": True}, True),
        ({"role": Role.STUDENT, "is_superuser": True}, True),
        ({"role": Role.TUTOR}, False),
        ({"role": Role.STUDENT}, False),
        ({"role": Role.USER}, False),
    ],
)
def test_is_admin_covers_the_admin_role_staff_and_superusers(fields, is_admin):
    user = UserFactory(**fields)

    assert user.is_admin is is_admin, f"{fields} should give is_admin={is_admin}"


def test_is_tutor_is_role_2_only():
    assert UserFactory(role=Role.TUTOR).is_tutor
    assert not UserFactory(role=Role.ADMIN, is_staff=True).is_tutor


def test_an_invalid_role_is_refused_by_the_database():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(role=9)


def test_role_values_match_the_contract():
    assert (Role.ADMIN, Role.TUTOR, Role.STUDENT, Role.USER) == (1, 2, 3, 4)


def test_names_for_display():
    user = UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    nameless = UserFactory(first_name="", last_name="", email="anon@example.com")

    assert (user.full_name, user.get_full_name(), user.get_short_name(), str(user)) == (
        "Ada Lovelace",
        "Ada Lovelace",
        "Ada",
        "ada@example.com",
    )
    assert (nameless.get_full_name(), nameless.get_short_name()) == ("anon@example.com", "anon@example.com")


def test_deleting_a_user_deletes_their_onboarding_answers():
    answer = OnboardingAnswer.objects.create(user=UserFactory(), degree="BA")

    answer.user.delete()

    assert not OnboardingAnswer.objects.filter(pk=answer.pk).exists()


def test_graduation_year_out_of_range_is_refused_by_the_database():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        OnboardingAnswer.objects.create(user=user, graduation_year=1800)


def test_registration_race_on_the_same_email_is_a_400_not_a_500(db):
    """Two registrations pass validation together; the database constraint decides, and the loser gets a 400."""
    UserFactory(email="race@example.com")
    with pytest.raises(ServiceError) as excinfo:
        services.user_register(email="race@example.com", password="Correct-Horse-42")
    assert (excinfo.value.field, excinfo.value.status) == ("email", 400)


def test_username_race_is_a_400_not_a_500(db):

    UserFactory(username="taken")
    other = UserFactory()
    with pytest.raises(ServiceError) as excinfo:
        services.user_update(user=other, data={"username": "TAKEN"})
    assert excinfo.value.field == "username"
