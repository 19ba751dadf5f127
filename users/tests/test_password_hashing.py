"""Passwords are hashed with Argon2id (users.hashers); older hashes are upgraded at login.

The suite runs on MD5 for speed (conftest.py): these tests put back the service's hashers.
"""

from __future__ import annotations

import argon2
import pytest
from django.contrib.auth.hashers import make_password

from users.models import User
from users.tests.factories import PASSWORD
from users.tests.urls import TOKEN_URL

pytestmark = pytest.mark.django_db

HASHERS = [
    "users.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]


@pytest.fixture(autouse=True)
def _real_hashers(settings):
    settings.PASSWORD_HASHERS = HASHERS


def login(client, email, password=PASSWORD):
    return client.post(TOKEN_URL, {"email": email, "password": password}, format="json")


def assert_argon2id_at_owasp_minimum(encoded: str) -> None:
    algorithm, rest = encoded.split("$", 1)
    assert algorithm == "argon2", f"expected an argon2 hash, got {encoded[:30]!r}"
    params = argon2.extract_parameters("$" + rest)
    assert params.type is argon2.Type.ID, f"expected argon2id, got {params.type}"
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1), (
        f"expected m=19456,t=2,p=1, got m={params.memory_cost},t={params.time_cost},p={params.parallelism}"
    )
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$"), encoded[:40]


def test_a_new_accounts_password_is_stored_as_argon2id(user):
    user.refresh_from_db()

    assert_argon2id_at_owasp_minimum(user.password)
    assert user.check_password(PASSWORD)


def test_a_pbkdf2_hash_is_upgraded_to_argon2id_at_the_next_login(api_client, user):
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    assert old.startswith("pbkdf2_sha256$1000000$"), old[:30]
    User.objects.filter(pk=user.pk).update(password=old)

    response = login(api_client, user.email)

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.content!r}"
    user.refresh_from_db()
    assert_argon2id_at_owasp_minimum(user.password)
    assert login(api_client, user.email).status_code == 200, "the same password should still log in"


def test_an_argon2_hash_with_djangos_default_parameters_is_upgraded_too(api_client, user):
    old = make_password(PASSWORD, hasher="argon2")
    User.objects.filter(pk=user.pk).update(password=old)
    assert "m=19456" not in old

    assert login(api_client, user.email).status_code == 200

    user.refresh_from_db()
    assert_argon2id_at_owasp_minimum(user.password)


def test_a_wrong_password_neither_upgrades_nor_changes_the_hash(api_client, user):
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=old)

    response = login(api_client, user.email, password="Wrong-Horse-42")

    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    user.refresh_from_db()
    assert user.password == old, "a failed login must leave the stored hash as it was"
