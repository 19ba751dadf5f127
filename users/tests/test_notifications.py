"""Accounts and notifications: the e-mail change's security notice (to both addresses, it cannot
be switched off), and the user's WebSockets closed on logout and password change."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from rest_framework_simplejwt.tokens import RefreshToken

from notifications import kinds
from notifications.models import Notification, Preference
from users import services

pytestmark = pytest.mark.django_db


def test_an_email_change_notifies_once_and_mails_both_addresses(make_user, django_capture_on_commit_callbacks):
    user = make_user(email="old@example.com")
    Preference.objects.create(user=user, kind=kinds.EMAIL_CHANGED, in_app=True, email=False, push=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.user_update(user=user, data={"email": "new@example.com"})
        services.user_update(user=user, data={"email": "new@example.com"})  # no change: nothing
    [notification] = Notification.objects.filter(recipient=user, kind=kinds.EMAIL_CHANGED)
    assert notification.data == {"previous_email": "old@example.com", "new_email": "new@example.com"}
    [notice] = [m for m in mail.outbox if m.subject == "Your e-mail address was changed"]
    assert notice.to == ["old@example.com", "new@example.com"], "locked: sent although e-mail was switched off"


@pytest.mark.parametrize("action", ["logout", "password"])
def test_logout_and_password_change_close_the_users_sockets(make_user, action, django_capture_on_commit_callbacks):
    user = make_user()
    with (
        mock.patch("notifications.realtime.sockets_close") as close,
        django_capture_on_commit_callbacks(execute=True),
    ):
        if action == "logout":
            services.refresh_token_blacklist(user=user, refresh=RefreshToken.for_user(user))
        else:
            services.user_password_set(user=user, password="An0ther-long-passphrase")
    close.assert_called_once()
    assert close.call_args.kwargs["user_id"] == user.pk
