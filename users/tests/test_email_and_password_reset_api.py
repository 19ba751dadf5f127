"""E-mail verification (verify, resend) and the password reset flow (request, confirm)."""

from __future__ import annotations

import re
import time
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail, signing
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework_simplejwt.tokens import RefreshToken

from core.tasks import enqueue_on_commit
from users.models import User
from users.services import EMAIL_VERIFICATION_SALT, email_verification_token_make
from users.tests.factories import PASSWORD
from users.tests.urls import ME_URL, REFRESH_URL, TOKEN_URL

pytestmark = pytest.mark.django_db

VERIFY_URL = "/api/auth/email/verify/"
RESEND_URL = "/api/auth/email/resend/"
RESET_URL = "/api/auth/password/reset/"
CONFIRM_URL = "/api/auth/password/reset/confirm/"
FRONTEND = "https://app.11tutors.test"
NEW_PASSWORD = "Fresh-Strong-Pass-93"


@pytest.fixture(autouse=True)
def _frontend(settings):
    settings.FRONTEND_URL = FRONTEND


def link_in(message, path: str) -> dict[str, str]:
    """The query of the ``FRONTEND_URL + path`` link in both parts of ``message``, as a dict."""
    pattern = re.compile(re.escape(FRONTEND + path) + r"\?[^\s\"'<]+")
    text_links = pattern.findall(message.body)
    assert text_links, f"expected a {FRONTEND + path}?... link in the text part, got {message.body!r}"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html", f"expected an HTML alternative, got {mimetype!r}"
    html_links = [link.replace("&amp;", "&") for link in pattern.findall(html)]
    assert text_links[0] in html_links, f"the HTML part should carry the same link {text_links[0]!r}"
    return {key: values[0] for key, values in parse_qs(urlsplit(text_links[0]).query).items()}


def verify(client, token):
    return client.post(VERIFY_URL, {"token": token}, format="json")


def reset_link_for(client, email, capture) -> dict[str, str]:
    with capture(execute=True):
        response = client.post(RESET_URL, {"email": email}, format="json")
    assert response.status_code == 204, f"expected 204, got {response.status_code}"
    return link_in(mail.outbox[-1], "/reset-password")


# --- email/verify ------------------------------------------------------------------------------


def test_the_link_from_the_registration_email_verifies_the_address(api_client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/auth/users/", {"email": "link@example.com", "password": PASSWORD}, format="json")
    token = link_in(mail.outbox[0], "/verify-email")["token"]

    response = verify(api_client, token)

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    assert response.data["email"] == "link@example.com" and response.data["is_email_verified"] is True
    assert User.objects.get(email="link@example.com").is_email_verified, "the user should now be verified"


def test_verify_ignores_a_garbage_bearer_header(api_client, user):
    response = api_client.post(
        VERIFY_URL, {"token": email_verification_token_make(user=user)}, format="json", HTTP_AUTHORIZATION="Bearer xyz"
    )

    assert response.status_code == 200, f"verification needs no authentication, got {response.status_code}"


def test_a_verification_token_is_single_use(api_client, user):
    token = email_verification_token_make(user=user)
    assert verify(api_client, token).status_code == 200

    response = verify(api_client, token)

    assert response.status_code == 400, f"a used token must be refused, got {response.status_code}"
    assert "token" in response.data, f"expected an error under 'token', got {response.data!r}"


def test_an_expired_verification_token_is_400(api_client, user, settings):
    with mock.patch(
        "django.core.signing.time.time", return_value=time.time() - settings.EMAIL_VERIFICATION_TIMEOUT - 5
    ):
        token = email_verification_token_make(user=user)

    response = verify(api_client, token)

    assert response.status_code == 400, f"an expired token must be refused, got {response.status_code}"
    assert "token" in response.data
    assert not User.objects.get(pk=user.pk).is_email_verified


def test_a_verification_token_is_still_valid_shortly_before_expiry(api_client, user, settings):
    with mock.patch(
        "django.core.signing.time.time", return_value=time.time() - settings.EMAIL_VERIFICATION_TIMEOUT + 60
    ):
        token = email_verification_token_make(user=user)

    response = verify(api_client, token)

    assert response.status_code == 200, f"a token within its lifetime must work, got {response.status_code}"


def test_verification_tokens_expire_after_one_hour_by_default(settings):
    assert settings.EMAIL_VERIFICATION_TIMEOUT == 3600, "the contract says verification links expire after 1 hour"


def test_a_verification_token_dies_when_the_email_changes(api_client, client_for, user):
    token = email_verification_token_make(user=user)
    client_for(user).patch(ME_URL, {"email": "changed@example.com"}, format="json")

    response = verify(api_client, token)

    assert response.status_code == 400, f"a token for the old address must be refused, got {response.status_code}"
    assert not User.objects.get(pk=user.pk).is_email_verified


def test_a_verification_token_of_a_deleted_user_is_400(api_client, user):
    token = email_verification_token_make(user=user)
    user.delete()

    response = verify(api_client, token)

    assert response.status_code == 400, f"expected 400, got {response.status_code}"


def test_a_verification_token_of_a_deactivated_user_is_400(api_client, user):
    token = email_verification_token_make(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = verify(api_client, token)

    assert response.status_code == 400, f"expected 400, got {response.status_code}"


def test_a_forged_verification_token_is_400(api_client, user, make_user):
    victim = make_user()
    forged = signing.dumps({"u": victim.pk, "h": "0" * 24}, salt=EMAIL_VERIFICATION_SALT, compress=True)
    other_salt = signing.dumps({"u": victim.pk}, salt="something-else")
    genuine = email_verification_token_make(user=user)
    tampered = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")

    statuses = [verify(api_client, token).status_code for token in (forged, other_salt, tampered)]

    assert statuses == [400, 400, 400], f"forged or tampered tokens must be 400, got {statuses}"
    assert not User.objects.filter(is_email_verified=True).exists(), "nobody may be verified by a forged token"


@pytest.mark.parametrize("token", ["garbage", "", "a" * 2000, "e30:1tTnOY:x", None, 12345, ["x"]])
def test_a_garbage_verification_token_is_400(api_client, db, token):
    response = api_client.post(VERIFY_URL, {"token": token}, format="json")

    assert response.status_code == 400, f"expected 400 for {token!r}, got {response.status_code}"
    assert "token" in response.data, f"expected an error under 'token', got {response.data!r}"


def test_a_verification_token_signed_for_a_garbage_user_id_is_400(api_client, db):
    for payload in ({"u": None, "h": "x"}, {"u": ["x"], "h": "x"}, {"h": "x"}, [1, 2], "text"):
        token = signing.dumps(payload, salt=EMAIL_VERIFICATION_SALT, compress=True)
        response = verify(api_client, token)
        assert response.status_code == 400, f"expected 400 for payload {payload!r}, got {response.status_code}"


# --- email/resend --------------------------------------------------------------------------------


def test_resend_sends_a_new_verification_email(client_for, user, django_capture_on_commit_callbacks, api_client):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(RESEND_URL)

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    assert response.data["detail"]
    assert [m.to for m in mail.outbox] == [[user.email]], "one verification e-mail to the user expected"
    token = link_in(mail.outbox[0], "/verify-email")["token"]
    assert verify(api_client, token).status_code == 200, "the re-sent link must work"


def test_resend_requires_authentication(api_client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESEND_URL)

    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    assert response.has_header("WWW-Authenticate")
    assert mail.outbox == []


def test_resend_for_an_already_verified_address_is_400(client_for, make_user, django_capture_on_commit_callbacks):
    verified = make_user(is_email_verified=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(verified).post(RESEND_URL)

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert response.data["detail"], f"expected a detail, got {response.data!r}"
    assert mail.outbox == [], "nothing should be sent to a verified address"


def test_resend_is_throttled_per_user(client_for, user, make_user, settings, django_capture_on_commit_callbacks):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "email_resend": "2/hour"}
    client = client_for(user)

    with django_capture_on_commit_callbacks(execute=True):
        statuses = [client.post(RESEND_URL).status_code for _ in range(3)]
        other = client_for(make_user()).post(RESEND_URL)

    assert statuses == [200, 200, 429], f"the 3rd resend should be throttled, got {statuses}"
    assert other.status_code == 200, f"another user has their own budget, got {other.status_code}"
    assert len(mail.outbox) == 3, f"only the allowed resends send mail, got {len(mail.outbox)}"


# --- password/reset -------------------------------------------------------------------------------


def test_password_reset_for_an_existing_account_is_204_and_sends_a_link(
    api_client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET_URL, {"email": user.email.upper()}, format="json")

    assert response.status_code == 204, f"expected 204, got {response.status_code}"
    assert [m.to for m in mail.outbox] == [[user.email]], "one reset e-mail to the account's address expected"
    query = link_in(mail.outbox[0], "/reset-password")
    assert set(query) == {"uid", "token"}, f"the link should carry uid and token, got {query!r}"


def test_password_reset_for_an_unknown_email_is_204_and_sends_nothing(
    api_client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET_URL, {"email": "ghost@example.com"}, format="json")

    assert response.status_code == 204, f"no account enumeration: expected 204, got {response.status_code}"
    assert mail.outbox == [], "no e-mail for an unknown address"


def test_password_reset_for_an_inactive_account_is_204_and_sends_nothing(
    api_client, make_user, django_capture_on_commit_callbacks
):
    inactive = make_user(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET_URL, {"email": inactive.email}, format="json")

    assert response.status_code == 204, f"expected 204, got {response.status_code}"
    assert mail.outbox == []


@pytest.mark.parametrize("body", [{"email": "not-an-email"}, {"email": ""}, {}])
def test_password_reset_with_an_invalid_email_is_400(api_client, db, body):
    response = api_client.post(RESET_URL, body, format="json")

    assert response.status_code == 400, f"expected 400 for {body!r}, got {response.status_code}"
    assert "email" in response.data, f"expected an error under 'email', got {response.data!r}"


def test_password_reset_ignores_a_garbage_bearer_header(api_client, user):
    response = api_client.post(RESET_URL, {"email": user.email}, format="json", HTTP_AUTHORIZATION="Bearer xyz")

    assert response.status_code == 204, f"the reset request needs no authentication, got {response.status_code}"


def test_password_reset_requests_are_throttled(api_client, user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password_reset": "2/hour"}

    statuses = [api_client.post(RESET_URL, {"email": user.email}, format="json").status_code for _ in range(3)]

    assert statuses == [204, 204, 429], f"the 3rd reset request should be throttled, got {statuses}"


def reset_work(client, email, capture) -> dict:
    """What one reset request does: SQL queries, templates rendered, tokens made, tasks queued, e-mails sent."""
    sent_before = len(mail.outbox)
    with (
        mock.patch("users.emails.render_to_string", wraps=render_to_string) as render,
        mock.patch.object(default_token_generator, "make_token", wraps=default_token_generator.make_token) as token,
        mock.patch("users.emails.enqueue_on_commit", wraps=enqueue_on_commit) as enqueue,
        CaptureQueriesContext(connection) as queries,
        capture(execute=True),
    ):
        response = client.post(RESET_URL, {"email": email}, format="json")
    assert response.status_code == 204, f"expected 204 for {email!r}, got {response.status_code}"
    return {
        "queries": len(queries.captured_queries),
        "templates": sorted(call.args[0] for call in render.call_args_list),
        "tokens": token.call_count,
        "tasks": [call.args[0] for call in enqueue.call_args_list],
        "sent": len(mail.outbox) - sent_before,
    }


def test_password_reset_does_the_same_work_for_an_unknown_address_as_for_an_account(
    api_client, user, make_user, django_capture_on_commit_callbacks
):
    inactive = make_user(is_active=False)
    no_password = make_user()
    no_password.set_unusable_password()
    no_password.save()
    reset_work(api_client, "warm.up@example.com", django_capture_on_commit_callbacks)  # first-request caches

    known = reset_work(api_client, user.email, django_capture_on_commit_callbacks)
    others = {
        email: reset_work(api_client, email, django_capture_on_commit_callbacks)
        for email in ("ghost@example.com", inactive.email, no_password.email)
    }

    assert known["sent"] == 1 and mail.outbox[-1].to == [user.email], "the account gets its reset e-mail"
    assert known["templates"] == ["emails/password_reset.html", "emails/password_reset.txt"], known
    assert known["tokens"] == 1 and known["tasks"] == ["users.tasks.send_email"], known
    for email, work in others.items():
        assert work["sent"] == 0, f"no e-mail may go to {email!r}"
        assert {**work, "sent": 1} == known, (
            f"{email!r} must cost the same work as an existing account (timing must not enumerate): {work} vs {known}"
        )


# --- password/reset/confirm -----------------------------------------------------------------------


def test_password_reset_confirm_sets_the_new_hashed_password(api_client, user, django_capture_on_commit_callbacks):
    link = reset_link_for(api_client, user.email, django_capture_on_commit_callbacks)

    response = api_client.post(CONFIRM_URL, {**link, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 204, f"expected 204, got {response.status_code}: {response.data!r}"
    user.refresh_from_db()
    assert user.password != NEW_PASSWORD and user.check_password(NEW_PASSWORD), "the new password must be stored hashed"
    new_login = api_client.post(TOKEN_URL, {"email": user.email, "password": NEW_PASSWORD}, format="json")
    old_login = api_client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")
    assert new_login.status_code == 200, f"the new password should log in, got {new_login.status_code}"
    assert old_login.status_code == 401, f"the old password must stop working, got {old_login.status_code}"


def test_password_reset_confirm_logs_out_every_session(api_client, user, django_capture_on_commit_callbacks):
    refresh = str(RefreshToken.for_user(user))
    old_access = RefreshToken.for_user(user).access_token
    old_access["iat"] = int(time.time()) - 60
    link = reset_link_for(api_client, user.email, django_capture_on_commit_callbacks)

    api_client.post(CONFIRM_URL, {**link, "new_password": NEW_PASSWORD}, format="json")
    refreshed = api_client.post(REFRESH_URL, {"refresh": refresh}, format="json")
    me = api_client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {old_access}")

    assert refreshed.status_code == 401, f"an old refresh token must be blacklisted, got {refreshed.status_code}"
    assert me.status_code == 401, f"an access token from before the reset must be refused, got {me.status_code}"


def test_a_password_reset_link_is_single_use(api_client, user, django_capture_on_commit_callbacks):
    link = reset_link_for(api_client, user.email, django_capture_on_commit_callbacks)
    assert api_client.post(CONFIRM_URL, {**link, "new_password": NEW_PASSWORD}, format="json").status_code == 204

    response = api_client.post(CONFIRM_URL, {**link, "new_password": "Yet-Another-Pass-55"}, format="json")

    assert response.status_code == 400, f"a used reset link must be refused, got {response.status_code}"
    assert "token" in response.data, f"expected an error under 'token', got {response.data!r}"
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)


def test_a_password_reset_token_does_not_work_for_another_user(
    api_client, user, make_user, django_capture_on_commit_callbacks
):
    victim = make_user()
    link = reset_link_for(api_client, user.email, django_capture_on_commit_callbacks)
    body = {"uid": urlsafe_base64_encode(force_bytes(victim.pk)), "token": link["token"], "new_password": NEW_PASSWORD}

    response = api_client.post(CONFIRM_URL, body, format="json")

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert User.objects.get(pk=victim.pk).check_password(PASSWORD), "the victim's password must not change"


@pytest.mark.parametrize(
    ("uid", "token"),
    [
        ("garbage", "garbage"),
        ("!!!", "abc-def"),
        (urlsafe_base64_encode(b"\xff\xfe\xfd"), "abc-def"),
        (urlsafe_base64_encode(b"999999999999"), "abc-def"),
        (urlsafe_base64_encode(b"9" * 40), "abc-def"),
        (urlsafe_base64_encode(b"\x00"), "abc-def"),
        (urlsafe_base64_encode(b"1234\x00"), "abc-def"),
        ("", ""),
    ],
)
def test_password_reset_confirm_with_a_garbage_uid_or_token_is_400(api_client, user, uid, token):
    response = api_client.post(CONFIRM_URL, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 400, f"expected 400 for uid={uid!r} token={token!r}, got {response.status_code}"
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_password_reset_confirm_with_a_valid_uid_but_a_wrong_token_is_400(api_client, user):
    body = {
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": "abc-0123456789abcdef",
        "new_password": NEW_PASSWORD,
    }

    response = api_client.post(CONFIRM_URL, body, format="json")

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert "token" in response.data, f"expected an error under 'token', got {response.data!r}"


@pytest.mark.parametrize("new_password", ["short", "12345678901", "password123"])
def test_password_reset_confirm_with_a_weak_password_is_400_and_keeps_the_link_usable(
    api_client, user, django_capture_on_commit_callbacks, new_password
):
    link = reset_link_for(api_client, user.email, django_capture_on_commit_callbacks)

    response = api_client.post(CONFIRM_URL, {**link, "new_password": new_password}, format="json")

    assert response.status_code == 400, f"expected 400 for {new_password!r}, got {response.status_code}"
    assert response.data.get("new_password"), f"expected messages under 'new_password', got {response.data!r}"
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    retry = api_client.post(CONFIRM_URL, {**link, "new_password": NEW_PASSWORD}, format="json")
    assert retry.status_code == 204, f"a refused weak password must not burn the link, got {retry.status_code}"


def test_password_reset_confirm_with_missing_fields_is_400(api_client, db):
    response = api_client.post(CONFIRM_URL, {}, format="json")

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert {"uid", "token", "new_password"} <= set(response.data), f"got {response.data!r}"
