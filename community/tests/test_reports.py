"""Reports and the moderation queue: members report posts, the course's tutors and admins hide
them or dismiss the report; a hidden post disappears for members and stays for moderators."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from community.models import Report, ReportStatus
from community.tests.factories import REPORTS, enrolled_student, make_reply, make_thread, reply_url, thread_url
from courses.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    course = CourseFactory()
    tutor = course.tutors.get()
    alice, bob, carol = (enrolled_student(course) for _ in range(3))
    thread = make_thread(course, alice, title="Question")
    reply = make_reply(thread, bob, body="Buy cheap watches")
    return SimpleNamespace(course=course, tutor=tutor, alice=alice, bob=bob, carol=carol, thread=thread, reply=reply)


def report(client, url: str, reason: str = "Spam"):
    return client.post(url, {"reason": reason}, format="json")


def test_reporting_twice_is_one_open_report(client_for, setup):
    w = setup
    first = report(client_for(w.alice), reply_url(w.reply, "report/"))
    again = report(client_for(w.alice), reply_url(w.reply, "report/"), reason="Still spam")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["post"] == {
        "type": "reply",
        "id": w.reply.pk,
        "thread": w.thread.pk,
        "title": None,
        "body": "Buy cheap watches",
        "author": {"id": w.bob.pk, "first_name": w.bob.first_name, "last_name": w.bob.last_name},
        "is_hidden": False,
        "is_deleted": False,
    }
    assert Report.objects.count() == 1


def test_hide_resolves_every_open_report_on_the_post(client_for, setup):
    w = setup
    mine = report(client_for(w.alice), reply_url(w.reply, "report/")).json()["id"]
    report(client_for(w.carol), reply_url(w.reply, "report/"))
    report(client_for(w.carol), thread_url(w.thread, "report/"), reason="Off topic")
    queue = client_for(w.tutor).get(REPORTS).json()["results"]
    assert len(queue) == 3

    response = client_for(w.tutor).post(f"{REPORTS}{mine}/resolve/", {"action": "hide"}, format="json")
    assert response.status_code == 200, response.data
    assert response.json()["status"] == "hidden" and response.json()["resolved_by"]["id"] == w.tutor.pk
    assert [r["post"]["type"] for r in client_for(w.tutor).get(REPORTS).json()["results"]] == ["thread"]
    assert len(client_for(w.tutor).get(REPORTS, {"status": "hidden"}).json()["results"]) == 2

    # The reply is gone for members, still there for moderators.
    assert [r["id"] for r in client_for(w.alice).get(thread_url(w.thread, "replies/")).json()["results"]] == []
    assert [r["id"] for r in client_for(w.tutor).get(thread_url(w.thread, "replies/")).json()["results"]] == [
        w.reply.pk
    ]

    again = client_for(w.tutor).post(f"{REPORTS}{mine}/resolve/", {"action": "dismiss"}, format="json")
    assert again.status_code == 409 and again.json() == {"detail": "The report was already resolved."}


def test_dismiss_leaves_the_post(client_for, setup):
    w = setup
    pk = report(client_for(w.alice), thread_url(w.thread, "report/")).json()["id"]
    response = client_for(w.course.tutors.get()).post(f"{REPORTS}{pk}/resolve/", {"action": "dismiss"}, format="json")
    assert response.json()["status"] == ReportStatus.DISMISSED
    assert client_for(w.bob).get(thread_url(w.thread)).status_code == 200


def test_the_queue_is_per_course(client_for, setup, make_user):
    w = setup
    other = CourseFactory()
    other_student = enrolled_student(other)
    other_reply = make_reply(make_thread(other, other_student), other_student)
    report(client_for(other_student), reply_url(other_reply, "report/"))
    report(client_for(w.alice), reply_url(w.reply, "report/"))

    assert [r["course"]["slug"] for r in client_for(w.tutor).get(REPORTS).json()["results"]] == [w.course.slug]
    assert len(client_for(make_user(1, is_staff=True)).get(REPORTS).json()["results"]) == 2
    assert client_for(w.tutor).get(REPORTS, {"course": other.slug}).json()["results"] == []
    elsewhere = Report.objects.get(course=other).pk
    assert (
        client_for(w.tutor).post(f"{REPORTS}{elsewhere}/resolve/", {"action": "hide"}, format="json").status_code == 404
    )


@pytest.mark.parametrize("body", [{}, {"action": "delete"}, {"action": None}, {"action": ["hide"]}])
def test_bad_resolutions_are_400(client_for, setup, body):
    w = setup
    pk = report(client_for(w.alice), thread_url(w.thread, "report/")).json()["id"]
    assert client_for(w.tutor).post(f"{REPORTS}{pk}/resolve/", body, format="json").status_code == 400


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 1001}, {"reason": 5}])
def test_bad_reports_are_400(client_for, setup, body):
    w = setup
    assert client_for(w.alice).post(thread_url(w.thread, "report/"), body, format="json").status_code == 400


def test_bad_queue_filters_are_400(client_for, setup):
    w = setup
    assert client_for(w.tutor).get(REPORTS, {"status": "pending"}).status_code == 400
