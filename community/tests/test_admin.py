"""The community's models in the Django admin: every changelist, its search and filters render."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community import services
from community.tests.factories import enrolled_student, make_announcement, make_reply, make_thread
from core.tests.helpers import admin_changelist_check, admin_get_ok
from courses.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["thread", "reply", "vote", "report", "announcement"])
def test_changelist_search_filters_and_change_page_render(admin_client, model):
    course = CourseFactory(title="Test course")
    student = enrolled_student(course, email="test-student@example.com")
    thread = make_thread(course, student, title="A test question")
    reply = make_reply(thread, student, body="A test answer")
    vote = services.vote_cast(user=student, post=thread, value=1) and thread.vote_rows.get()
    report = services.report_create(reporter=student, post=reply, reason="test spam")[0]
    announcement = make_announcement(course, course.tutors.get(), title="A test announcement")
    objects = {"thread": thread, "reply": reply, "vote": vote, "report": report, "announcement": announcement}

    admin_changelist_check(admin_client, reverse(f"admin:community_{model}_changelist"))
    admin_get_ok(admin_client, reverse(f"admin:community_{model}_change", args=[objects[model].pk]))


def test_an_admin_edit_renders_the_body_again(admin_client):
    course = CourseFactory()
    thread = make_thread(course, enrolled_student(course))
    url = reverse("admin:community_thread_change", args=[thread.pk])
    form = admin_get_ok(admin_client, url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        course=course.pk,
        author=thread.author_id,
        body="**Moderated**",
        last_activity_at_0=thread.last_activity_at.date(),
        last_activity_at_1=thread.last_activity_at.time().strftime("%H:%M:%S"),
        **{"replies-TOTAL_FORMS": 0, "replies-INITIAL_FORMS": 0},
    )
    data.pop("lesson", None)
    data.pop("deleted_at", None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    thread.refresh_from_db()
    assert thread.body_html == "<p><strong>Moderated</strong></p>"
