"""core.tasks.enqueue_on_commit: a broken queue never breaks a request (the e-mails that leave
through it after the commit: users/tests/test_emails.py)."""

import logging

import pytest

from core.tasks import enqueue_on_commit

pytestmark = pytest.mark.django_db


def test_an_unknown_task_is_logged_not_raised(django_capture_on_commit_callbacks, caplog):
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit("core.tasks.no_such_task", what="a test")
    assert "Could not run the background task for a test" in caplog.text
