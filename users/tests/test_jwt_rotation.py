"""JWT signing-key rotation (users.jwt): tokens signed with a fallback key keep working until they
expire, new tokens are signed with the current key, and a key that was dropped signs nothing valid."""

from __future__ import annotations

import jwt as pyjwt
import pytest
from rest_framework_simplejwt import state
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from users.jwt import token_backend
from users.models import Role
from users.tests.urls import ME_URL, REFRESH_URL

OLD, NEW = "old-jwt-signing-key-" + "o" * 40, "new-jwt-signing-key-" + "n" * 40


@pytest.fixture
def signed_with(settings, monkeypatch):
    """``signed_with(key)``: tokens are issued with ``key``; ``rotate(fallbacks)`` then makes NEW the
    signing key with those fallbacks (what a deployment does by changing its settings)."""

    def use(key: str, fallbacks: list[str]) -> None:
        settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": key}
        settings.JWT_SIGNING_KEY_FALLBACKS = fallbacks
        monkeypatch.setattr(state, "token_backend", token_backend())

    return use


def test_tokens_of_the_previous_key_work_until_they_expire(signed_with, make_user, api_client):
    user = make_user(Role.STUDENT)
    signed_with(OLD, [])
    access, refresh = str(AccessToken.for_user(user)), str(RefreshToken.for_user(user))
    signed_with(NEW, [OLD])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get(ME_URL).status_code == 200, "an access token of the old key still works"
    api_client.credentials()
    response = api_client.post(REFRESH_URL, {"refresh": refresh}, format="json")
    assert response.status_code == 200, "so does a refresh token"
    fresh = response.json()["access"]
    assert pyjwt.decode(fresh, NEW, algorithms=["HS256"])["user_id"] == user.pk, "new tokens use the new key"


def test_a_dropped_key_signs_nothing_valid(signed_with, make_user, api_client):
    user = make_user(Role.STUDENT)
    signed_with(OLD, [])
    access = str(AccessToken.for_user(user))
    signed_with(NEW, [])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get(ME_URL).status_code == 401


def test_an_expired_token_of_the_old_key_is_expired_not_retried(signed_with, make_user, api_client):
    from datetime import timedelta

    user = make_user(Role.STUDENT)
    signed_with(OLD, [])
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    signed_with(NEW, [OLD])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get(ME_URL)
    assert response.status_code == 401
