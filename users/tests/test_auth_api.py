"""JWT endpoints of /api/auth/: obtain, refresh, verify, logout, 401s and login throttling."""

from __future__ import annotations

import time

import pytest
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from users import services
from users.tests.factories import PASSWORD
from users.tests.urls import ME_URL, REFRESH_URL, TOKEN_URL

pytestmark = pytest.mark.django_db

VERIFY_URL = "/api/auth/token/verify/"
LOGOUT_URL = "/api/auth/logout/"
GARBAGE_BEARER = "Bearer xyz"


def login(client, email, password=PASSWORD, **extra):
    return client.post(TOKEN_URL, {"email": email, "password": password}, format="json", **extra)


def set_rates(settings, **rates):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **rates}


def refresh_for(user) -> str:
    return str(RefreshToken.for_user(user))


# --- token obtain -------------------------------------------------------------------------


def test_token_obtain_returns_an_access_and_a_refresh_token_for_valid_credentials(api_client, user):
    response = login(api_client, user.email)

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.content!r}"
    assert set(response.data) == {"access", "refresh"}, f"expected exactly access+refresh, got {set(response.data)}"
    access = AccessToken(response.data["access"])
    assert access["user_id"] == user.pk, f"access token should be for {user.pk}, got {access['user_id']}"
    refresh = RefreshToken(response.data["refresh"])
    assert OutstandingToken.objects.filter(jti=refresh["jti"], user=user).exists(), (
        "the issued refresh token should be recorded as outstanding (so it can be blacklisted later)"
    )


def test_token_obtain_matches_the_email_regardless_of_case_and_whitespace(api_client, make_user):
    user = make_user(email="mixed.case@example.com")

    response = login(api_client, "  Mixed.CASE@Example.COM ")

    assert response.status_code == 200, f"expected 200 for a differently-cased e-mail, got {response.status_code}"
    assert AccessToken(response.data["access"])["user_id"] == user.pk


def test_token_obtain_with_a_wrong_password_is_401_with_a_detail(api_client, user):
    response = login(api_client, user.email, "not-the-password")

    assert response.status_code == 401, f"expected 401 for a wrong password, got {response.status_code}"
    assert response.data.get("detail"), f"expected a detail, got {response.data!r}"
    assert "access" not in response.data and "refresh" not in response.data
    assert response.has_header("WWW-Authenticate"), "a 401 must carry a WWW-Authenticate header"


def test_token_obtain_for_an_unknown_email_is_401_like_a_wrong_password(api_client, db):
    response = login(api_client, "nobody@example.com")

    assert response.status_code == 401, f"expected 401 for an unknown account, got {response.status_code}"
    assert response.data["detail"], f"expected a detail message, got {response.data!r}"


def test_token_obtain_for_an_inactive_user_is_401(api_client, make_user):
    inactive = make_user(is_active=False)

    response = login(api_client, inactive.email)

    assert response.status_code == 401, f"expected 401 for an inactive account, got {response.status_code}"
    assert "access" not in response.data, "an inactive user must not receive tokens"


@pytest.mark.parametrize(
    ("body", "missing"),
    [({}, {"email", "password"}), ({"email": "a@example.com"}, {"password"}), ({"password": "x"}, {"email"})],
)
def test_token_obtain_with_missing_fields_is_400_naming_them(api_client, db, body, missing):
    response = api_client.post(TOKEN_URL, body, format="json")

    assert response.status_code == 400, f"expected 400 for missing fields, got {response.status_code}"
    assert missing <= set(response.data), f"expected errors for {missing}, got {response.data!r}"


def test_token_obtain_with_malformed_json_is_400(api_client, db):
    response = api_client.post(
        TOKEN_URL, data='{"email": "a@example.com", "password": ', content_type="application/json"
    )

    assert response.status_code == 400, f"expected 400 for malformed JSON, got {response.status_code}"
    assert "detail" in response.json(), f"expected a JSON detail, got {response.content!r}"


def test_token_obtain_ignores_a_garbage_bearer_header(api_client, user):
    response = login(api_client, user.email, HTTP_AUTHORIZATION=GARBAGE_BEARER)

    assert response.status_code == 200, f"a stale Bearer header must not break login, got {response.status_code}"
    assert {"access", "refresh"} <= set(response.data)


def test_token_refresh_ignores_a_garbage_bearer_header(api_client, user):
    response = api_client.post(
        REFRESH_URL, {"refresh": refresh_for(user)}, format="json", HTTP_AUTHORIZATION=GARBAGE_BEARER
    )

    assert response.status_code == 200, f"a stale Bearer header must not break refresh, got {response.status_code}"
    assert "access" in response.data


@pytest.mark.parametrize(("url", "role"), [("/api/auth/users/", 4), ("/api/auth/tutors/", 2)])
def test_registration_ignores_a_garbage_bearer_header(api_client, db, url, role):
    body = {"email": "fresh@example.com", "password": PASSWORD, "first_name": "Fresh", "last_name": "Person"}

    response = api_client.post(url, body, format="json", HTTP_AUTHORIZATION=GARBAGE_BEARER)

    assert response.status_code == 201, (
        f"a stale Bearer header must not break registration at {url}, got {response.status_code}: {response.data!r}"
    )
    assert response.data["role"] == role, f"expected role {role}, got {response.data['role']}"


# --- token refresh ------------------------------------------------------------------------


def test_token_refresh_returns_a_new_access_token_and_does_not_rotate_the_refresh_token(api_client, user):
    refresh = login(api_client, user.email).data["refresh"]

    first = api_client.post(REFRESH_URL, {"refresh": refresh}, format="json")
    second = api_client.post(REFRESH_URL, {"refresh": refresh}, format="json")

    assert first.status_code == 200, f"expected 200, got {first.status_code}: {first.data!r}"
    assert set(first.data) == {"access"}, f"refresh must not hand out a rotated refresh token, got {set(first.data)}"
    assert AccessToken(first.data["access"])["user_id"] == user.pk
    assert second.status_code == 200, f"the original refresh token must keep working, got {second.status_code}"
    assert not BlacklistedToken.objects.filter(token__jti=RefreshToken(refresh)["jti"]).exists(), (
        "refreshing must not blacklist the refresh token"
    )


def test_token_refresh_with_a_garbage_token_is_401(api_client, db):
    response = api_client.post(REFRESH_URL, {"refresh": "not-a-token"}, format="json")

    assert response.status_code == 401, f"expected 401 for a garbage refresh token, got {response.status_code}"
    assert response.data["detail"], f"expected a detail, got {response.data!r}"


def test_token_refresh_with_an_access_token_is_401(api_client, user):
    access = str(AccessToken.for_user(user))

    response = api_client.post(REFRESH_URL, {"refresh": access}, format="json")

    assert response.status_code == 401, (
        f"an access token is not a refresh token: expected 401, got {response.status_code}"
    )


def test_token_refresh_for_a_deleted_user_is_401_not_500(api_client, user):
    refresh = refresh_for(user)
    user.delete()

    response = api_client.post(REFRESH_URL, {"refresh": refresh}, format="json")

    assert response.status_code == 401, f"expected 401 for a deleted user's token, got {response.status_code}"
    assert response.data["detail"], f"expected a detail, got {response.data!r}"


def test_token_refresh_for_a_deactivated_user_is_401(api_client, user):
    refresh = refresh_for(user)
    user.is_active = False
    user.save()

    response = api_client.post(REFRESH_URL, {"refresh": refresh}, format="json")

    assert response.status_code == 401, f"expected 401 for a deactivated user's token, got {response.status_code}"


def test_token_refresh_without_a_token_is_400(api_client, db):
    response = api_client.post(REFRESH_URL, {}, format="json")

    assert response.status_code == 400, f"expected 400 for a missing refresh token, got {response.status_code}"
    assert "refresh" in response.data, f"expected an error under 'refresh', got {response.data!r}"


# --- token verify --------------------------------------------------------------------------


def test_token_verify_accepts_a_valid_access_token(api_client, user):
    access = login(api_client, user.email).data["access"]

    response = api_client.post(VERIFY_URL, {"token": access}, format="json")

    assert response.status_code == 200, f"expected 200 for a valid token, got {response.status_code}"


def test_token_verify_rejects_a_garbage_token_with_401(api_client, db):
    response = api_client.post(VERIFY_URL, {"token": "garbage.token.value"}, format="json")

    assert response.status_code == 401, f"expected 401 for a garbage token, got {response.status_code}"
    assert response.data["detail"], f"expected a detail, got {response.data!r}"


def test_token_verify_rejects_a_logged_out_refresh_token_with_401(client_for, user):
    refresh = refresh_for(user)
    client = client_for(user)
    assert client.post(LOGOUT_URL, {"refresh": refresh}, format="json").status_code == 205

    response = client_for().post(VERIFY_URL, {"token": refresh}, format="json")

    assert response.status_code == 401, f"a blacklisted token is not valid: expected 401, got {response.status_code}"


def assert_refused_like_an_invalid_token(response):
    assert response.status_code == 401, f"expected 401, got {response.status_code}: {response.content!r}"
    assert response.data["code"] == "token_not_valid", f"simplejwt's invalid-token shape, got {response.data!r}"
    assert response.data["detail"], f"expected a detail, got {response.data!r}"


def test_token_verify_refuses_an_access_token_issued_before_a_password_change(client_for, user):
    """The API refuses such a token (users/authentication.py); verify must not call it valid."""
    old_access = AccessToken.for_user(user)
    old_access["iat"] = int(time.time()) - 60
    anonymous = client_for()
    assert anonymous.post(VERIFY_URL, {"token": str(old_access)}, format="json").status_code == 200, "precondition"

    services.user_password_set(user=user, password="a-brand-new-passphrase-42")
    response = anonymous.post(VERIFY_URL, {"token": str(old_access)}, format="json")

    assert_refused_like_an_invalid_token(response)
    assert anonymous.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {old_access}").status_code == 401, "same rule as the API"


def test_token_verify_refuses_tokens_of_a_deactivated_user(client_for, user):
    access, refresh = str(AccessToken.for_user(user)), refresh_for(user)
    anonymous = client_for()
    assert anonymous.post(VERIFY_URL, {"token": access}, format="json").status_code == 200, "precondition"

    user.is_active = False
    user.save()

    assert_refused_like_an_invalid_token(anonymous.post(VERIFY_URL, {"token": access}, format="json"))
    assert_refused_like_an_invalid_token(anonymous.post(VERIFY_URL, {"token": refresh}, format="json"))


def test_token_verify_refuses_a_token_of_a_deleted_user(client_for, user):
    access = str(AccessToken.for_user(user))
    user.delete()

    assert_refused_like_an_invalid_token(client_for().post(VERIFY_URL, {"token": access}, format="json"))


def test_token_verify_accepts_an_access_token_issued_after_a_password_change(client_for, user):
    services.user_password_set(user=user, password="a-brand-new-passphrase-42")
    new_access = AccessToken.for_user(user)  # same second or later: valid (users/authentication.py)

    response = client_for().post(VERIFY_URL, {"token": str(new_access)}, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.content!r}"


# --- logout --------------------------------------------------------------------------------


def test_logout_blacklists_the_refresh_token_so_it_can_no_longer_refresh(client_for, user):
    refresh = refresh_for(user)

    response = client_for(user).post(LOGOUT_URL, {"refresh": refresh}, format="json")

    assert response.status_code == 205, f"expected 205, got {response.status_code}: {response.data!r}"
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(refresh, verify=False)["jti"]).exists()
    after = client_for().post(REFRESH_URL, {"refresh": refresh}, format="json")
    assert after.status_code == 401, f"a logged-out refresh token must give 401, got {after.status_code}"


def test_logout_only_ends_the_given_session(client_for, user):
    logged_out, other_session = refresh_for(user), refresh_for(user)

    client_for(user).post(LOGOUT_URL, {"refresh": logged_out}, format="json")
    response = client_for().post(REFRESH_URL, {"refresh": other_session}, format="json")

    assert response.status_code == 200, f"another session's refresh token must keep working, got {response.status_code}"


def test_logout_with_someone_elses_refresh_token_is_400_and_leaves_it_valid(client_for, user, make_user):
    victim = make_user()
    victims_refresh = refresh_for(victim)

    response = client_for(user).post(LOGOUT_URL, {"refresh": victims_refresh}, format="json")

    assert response.status_code == 400, f"expected 400 for another user's token, got {response.status_code}"
    assert "refresh" in response.data, f"expected an error under 'refresh', got {response.data!r}"
    assert not BlacklistedToken.objects.exists(), "another user's token must not be blacklisted"


@pytest.mark.parametrize("body", [{"refresh": "garbage"}, {}])
def test_logout_with_a_garbage_or_missing_refresh_token_is_400(client_for, user, body):
    response = client_for(user).post(LOGOUT_URL, body, format="json")

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert "refresh" in response.data, f"expected an error under 'refresh', got {response.data!r}"


def test_logout_twice_with_the_same_token_is_400_the_second_time(client_for, user):
    refresh = refresh_for(user)
    client = client_for(user)
    assert client.post(LOGOUT_URL, {"refresh": refresh}, format="json").status_code == 205

    response = client.post(LOGOUT_URL, {"refresh": refresh}, format="json")

    assert response.status_code == 400, f"a blacklisted token cannot be logged out again: got {response.status_code}"


def test_logout_anonymously_is_401_with_www_authenticate(api_client, user):
    response = api_client.post(LOGOUT_URL, {"refresh": refresh_for(user)}, format="json")

    assert response.status_code == 401, f"expected 401 for an anonymous logout, got {response.status_code}"
    assert response.has_header("WWW-Authenticate"), "a 401 must carry a WWW-Authenticate header"
    assert not BlacklistedToken.objects.exists()


# --- 401 on protected endpoints ------------------------------------------------------------


def test_protected_endpoint_without_a_token_is_401_with_www_authenticate(api_client, db):
    response = api_client.get(ME_URL)

    assert response.status_code == 401, f"expected 401 without credentials, got {response.status_code}"
    assert response["WWW-Authenticate"].startswith("Bearer"), f"got {response.get('WWW-Authenticate')!r}"
    assert response.data["detail"]


@pytest.mark.parametrize("header", ["Bearer xyz", "Bearer ", "Bearer a.b.c", "Token abc"])
def test_protected_endpoint_with_an_invalid_token_is_401_with_www_authenticate(api_client, db, header):
    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401, f"expected 401 for {header!r}, got {response.status_code}"
    assert response.has_header("WWW-Authenticate"), "a 401 must carry a WWW-Authenticate header"


def test_protected_endpoint_refuses_a_refresh_token_used_as_access_token(api_client, user):
    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {refresh_for(user)}")

    assert response.status_code == 401, f"a refresh token is not an access token: got {response.status_code}"


def test_protected_endpoint_refuses_the_token_of_a_deactivated_user(client_for, user):
    client = client_for(user)
    user.is_active = False
    user.save()

    response = client.get(ME_URL)

    assert response.status_code == 401, f"expected 401 for a deactivated user, got {response.status_code}"
    assert response.has_header("WWW-Authenticate")


def test_protected_endpoint_accepts_the_access_token_from_login(api_client, user):
    access = login(api_client, user.email).data["access"]

    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {access}")

    assert response.status_code == 200, f"expected 200 with a fresh access token, got {response.status_code}"
    assert response.data["id"] == user.pk


def test_the_api_does_not_accept_session_authentication(api_client, user):
    api_client.force_login(user)  # a Django session cookie, as the admin would have

    response = api_client.get(ME_URL)

    assert response.status_code == 401, (
        f"/api/ is JWT only; a session must not authenticate, got {response.status_code}"
    )


# --- throttling ----------------------------------------------------------------------------


def test_login_is_refused_after_too_many_failures_on_one_account_from_one_address_even_with_the_right_password(
    api_client, settings, user
):
    set_rates(settings, login_account_ip="3/15min")
    for attempt in range(3):
        failed = login(api_client, user.email, "wrong-password")
        assert failed.status_code == 401, f"failure #{attempt + 1} should be a 401, got {failed.status_code}"

    response = login(api_client, user.email)

    assert response.status_code == 429, f"the 4th attempt should be throttled, got {response.status_code}"
    assert int(response["Retry-After"]) > 0, f"expected a positive Retry-After, got {response.get('Retry-After')!r}"
    assert "access" not in response.data, "a throttled attempt must not receive tokens"


def test_login_failures_count_against_the_account_regardless_of_email_case(api_client, settings, make_user):
    set_rates(settings, login_account_ip="3/15min")
    user = make_user(email="casey@example.com")
    for email in ("casey@example.com", "CASEY@example.com", "Casey@Example.com"):
        login(api_client, email, "wrong-password")

    response = login(api_client, "casey@EXAMPLE.com")

    assert response.status_code == 429, f"failures in any case should count for one account, got {response.status_code}"
    assert user.is_active


def test_login_failures_on_one_account_do_not_throttle_another(api_client, settings, user, make_user):
    set_rates(settings, login_account_ip="3/15min")
    other = make_user()
    for _ in range(3):
        login(api_client, user.email, "wrong-password")

    success = login(api_client, other.email)
    failure = login(api_client, other.email, "wrong-password")

    assert success.status_code == 200, f"another account must still log in, got {success.status_code}"
    assert failure.status_code == 401, f"another account's failure is a plain 401, got {failure.status_code}"


def test_a_successful_login_resets_the_failure_counter(api_client, settings, user):
    set_rates(settings, login_account_ip="3/15min")
    login(api_client, user.email, "wrong-password")
    login(api_client, user.email, "wrong-password")
    assert login(api_client, user.email).status_code == 200

    statuses = [login(api_client, user.email, "wrong-password").status_code for _ in range(2)]
    response = login(api_client, user.email)

    assert statuses == [401, 401], f"failures after a success start from zero, got {statuses}"
    assert response.status_code == 200, f"expected 200 after the counter was reset, got {response.status_code}"


def test_successful_logins_are_not_counted_as_failures(api_client, settings, user):
    set_rates(settings, login_account_ip="3/15min")

    statuses = [login(api_client, user.email).status_code for _ in range(5)]

    assert statuses == [200] * 5, f"successful logins must not be throttled per account, got {statuses}"


def test_login_is_throttled_per_ip_address(api_client, settings, make_user):
    set_rates(settings, login_ip="3/min")
    users = [make_user() for _ in range(4)]

    statuses = [login(api_client, u.email).status_code for u in users]

    assert statuses == [200, 200, 200, 429], f"the 4th login from one IP should be throttled, got {statuses}"


def test_login_throttle_per_ip_sets_retry_after(api_client, settings, user):
    set_rates(settings, login_ip="1/min")
    login(api_client, user.email)

    response = login(api_client, user.email)

    assert response.status_code == 429, f"expected 429, got {response.status_code}"
    assert 0 < int(response["Retry-After"]) <= 60, (
        f"expected Retry-After within a minute, got {response['Retry-After']}"
    )
    assert response.data["detail"], f"expected a detail, got {response.data!r}"


def test_login_ip_throttle_counts_each_client_address_separately(api_client, settings, user):
    set_rates(settings, login_ip="1/min")
    first = login(api_client, user.email, REMOTE_ADDR="10.0.0.1")

    second = login(api_client, user.email, REMOTE_ADDR="10.0.0.2")

    assert (first.status_code, second.status_code) == (200, 200), (
        f"two addresses each get their own budget, got {first.status_code}, {second.status_code}"
    )


@pytest.mark.parametrize("url", ["/api/auth/token/", "/api/auth/users/", "/api/auth/tutors/"])
def test_a_lone_surrogate_in_the_email_is_400_not_500(api_client, url):
    # Valid JSON, not encodable as UTF-8: the throttles key the address before validation.
    body = (
        '{"email": "\\ud800@example.com", "password": "x-long-enough-password-1", "first_name": "A", "last_name": "B"}'
    )
    response = api_client.post(url, data=body, content_type="application/json")
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
