"""E-mails leave through core.tasks.enqueue_on_commit: after the commit, and a broken mail
server never breaks a request."""

import logging

import pytest
from django.core import mail

from users.emails import send_templated_email
from users.models import User

pytestmark = pytest.mark.django_db


def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_templated_email(
            recipient=User(email="a@example.com"),
            subject="Hi",
            template="verify_email",
            context={"link": "x", "valid_minutes": 60},
        )
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_a_failing_mail_server_is_logged_not_raised(django_capture_on_commit_callbacks, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens there
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        send_templated_email(
            recipient=User(email="a@example.com"),
            subject="Hi",
            template="verify_email",
            context={"link": "x", "valid_minutes": 60},
        )
    assert "Could not run the background task for the 'verify_email' e-mail" in caplog.text
