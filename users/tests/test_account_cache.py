"""The account behind a Bearer token comes from the cache (users.selectors.user_by_id), and every
change to the account applies on the very next request."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from users.models import Role
from users.tests.urls import ME_URL

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("viewer_cache_on")]


def me(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ME_URL)
    return response, len(queries)


def test_the_account_is_read_once_then_from_the_cache(client_for, make_user):
    client = client_for(make_user(Role.STUDENT))
    first, reads = me(client)
    again, cached_reads = me(client)
    assert first.status_code == again.status_code == 200
    assert cached_reads == reads - 1, "the account row is not read again"


def test_deactivation_refuses_the_next_request(client_for, make_user):
    user = make_user(Role.STUDENT)
    client = client_for(user)
    assert me(client)[0].status_code == 200
    user.is_active = False
    user.save()
    assert me(client)[0].status_code == 401


def test_a_role_change_applies_at_once(client_for, make_user):
    user = make_user(Role.STUDENT)
    client = client_for(user)
    assert me(client)[0].json()["role"] == Role.STUDENT
    user.role = Role.TUTOR
    user.save()
    assert me(client)[0].json()["role"] == Role.TUTOR


def test_a_password_change_refuses_older_tokens_at_once(client_for, make_user):
    user = make_user(Role.STUDENT, password="old-secret-123")
    old = client_for(user)
    assert me(old)[0].status_code == 200
    time.sleep(1.1)  # token times have whole seconds: tokens of the change's own second stay valid
    response = old.post(
        f"{ME_URL}password/",
        {"old_password": "old-secret-123", "new_password": "A-new-long-secret-456"},
        format="json",
    )
    assert response.status_code in (200, 204), response.content
    assert me(old)[0].status_code == 401, "a token issued before the change is refused"


def test_a_deleted_account_is_gone_at_once(client_for, make_user):
    user = make_user(Role.STUDENT)
    client = client_for(user)
    assert me(client)[0].status_code == 200
    user.delete()
    assert me(client)[0].status_code == 401
