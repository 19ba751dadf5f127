"""Live sessions in the Django admin: every changelist, its search and filters, and change pages render."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.tests.helpers import admin_changelist_check, admin_get_ok
from live import services
from live.models import Attendance

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["livesession", "registration", "attendance", "calendarfeedtoken"])
def test_changelist_search_filters_and_change_page_render(model, admin_client, people, make_session):
    people.student.email = "test-student@example.com"
    people.student.save(update_fields=["email"])
    session = make_session(title="A test session")
    registration, _ = services.registration_create(session=session, student=people.student)
    attendance = Attendance.objects.create(session=session, user=people.student, first_joined_at=session.starts_at)
    services.feed_token_rotate(user=people.student)
    objects = {
        "livesession": session,
        "registration": registration,
        "attendance": attendance,
        "calendarfeedtoken": people.student.live_feed_token,
    }
    url = reverse(f"admin:live_{model}_changelist")
    if model == "calendarfeedtoken":
        admin_get_ok(admin_client, url)
        assert admin_get_ok(admin_client, f"{url}?q=test").context["cl"].result_count == 1
    else:
        admin_changelist_check(admin_client, url)
    page = admin_get_ok(admin_client, reverse(f"admin:live_{model}_change", args=[objects[model].pk]))
    assert "token_hash" not in page.content.decode(), "the feed token's hash is not shown"
