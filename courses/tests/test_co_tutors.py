"""Co-tutors (issue 10, "another tutor's video can be attached via a temporary co-tutor"; the
video side of it is in videos/tests/test_co_tutor_videos.py).

- Adding a co-tutor needs their consent: a course PATCH (or POST) with new tutor ids creates
  pending invitations and e-mails the invitees; they accept or decline through
  ``/api/courses/tutor-invitations/``. Removing a co-tutor is immediate; the last one stays.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from core.tests.helpers import run_together
from courses.models import Course, Lesson, TutorInvitation, TutorInvitationStatus
from courses.tests.co_tutoring import answer, pending, set_tutors, tutor_ids
from courses.tests.contract import ok
from courses.tests.factories import CourseFactory
from courses.tests.urls import COURSES, INVITATIONS
from users.models import Role
from users.tests.factories import person

pytestmark = pytest.mark.django_db

INVITATION_KEYS = {"id", "course", "invited_by", "status", "created_at", "responded_at"}


# --- Invitations: creating them ---------------------------------------------------------------------------


def test_patching_a_new_tutor_invites_and_emails_them_instead_of_adding_them(
    b_course, client_for, django_capture_on_commit_callbacks, settings
):
    a, b, course, _ = b_course
    settings.FRONTEND_URL = "https://app.11tutors.test"

    with django_capture_on_commit_callbacks(execute=True):
        data = ok(set_tutors(client_for(b), course, b, a), 200)

    assert [t["id"] for t in data["tutors"]] == [b.pk], f"the response shows the actual tutors: {data['tutors']}"
    assert tutor_ids(course) == {b.pk}
    invitation = pending(course, a)
    assert (invitation.invited_by, invitation.responded_at) == (b, None)
    [message] = mail.outbox
    assert message.to == [a.email]
    assert "B's course" in message.subject and "Bob Owner" in message.subject, message.subject
    link = next(word for word in message.body.split() if word.startswith("https://app.11tutors.test/"))
    parts = urlsplit(link)
    assert parts.path == "/tutor-invitations" and parse_qs(parts.query) == {"invitation": [str(invitation.pk)]}
    assert link in message.alternatives[0][0].replace("&amp;", "&"), "the HTML part carries the same link"


def test_inviting_again_while_pending_creates_no_duplicate_and_sends_no_second_email(
    b_course, client_for, django_capture_on_commit_callbacks
):
    a, b, course, _ = b_course
    with django_capture_on_commit_callbacks(execute=True):
        ok(set_tutors(client_for(b), course, b, a), 200)
        ok(set_tutors(client_for(b), course, b, a, a), 200)

    assert TutorInvitation.objects.filter(course=course, invitee=a).count() == 1
    assert len(mail.outbox) == 1


def test_a_declined_invitee_can_be_invited_again(b_course, client_for):
    a, b, course, _ = b_course
    ok(set_tutors(client_for(b), course, b, a), 200)
    ok(answer(client_for(a), pending(course, a), "decline"), 200)

    ok(set_tutors(client_for(b), course, b, a), 200)

    statuses = sorted(TutorInvitation.objects.filter(course=course, invitee=a).values_list("status", flat=True))
    assert statuses == ["declined", "pending"]


def test_creating_a_course_with_tutors_invites_them(client_for, django_capture_on_commit_callbacks):
    creator, other = person(Role.TUTOR), person(Role.TUTOR)

    with django_capture_on_commit_callbacks(execute=True):
        data = ok(
            client_for(creator).post(COURSES, {"title": "Shared", "tutors": [other.pk, creator.pk]}, format="json"),
            201,
        )

    assert [t["id"] for t in data["tutors"]] == [creator.pk]
    course = Course.objects.get(pk=data["id"])
    assert pending(course, other).invited_by == creator
    assert [m.to for m in mail.outbox] == [[other.email]]


def test_an_admin_adding_themselves_joins_at_once(b_course, client_for, django_capture_on_commit_callbacks):
    _, b, course, _ = b_course
    admin = person(Role.ADMIN, is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        data = ok(set_tutors(client_for(admin), course, b, admin), 200)

    assert {t["id"] for t in data["tutors"]} == {b.pk, admin.pk}
    assert not TutorInvitation.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("role", [Role.USER, Role.STUDENT])
def test_only_tutors_and_admins_can_be_invited(b_course, client_for, role):
    _, b, course, _ = b_course
    outsider = person(role)

    data = ok(set_tutors(client_for(b), course, b, outsider), 400)

    assert "Only tutors and admins can teach a course" in data["tutors"][0], data
    assert not TutorInvitation.objects.exists()


# --- Removing tutors -------------------------------------------------------------------------------------------


def test_removing_a_co_tutor_is_immediate(b_course, client_for):
    a, b, course, _ = b_course
    course.tutors.add(a)

    data = ok(set_tutors(client_for(b), course, b), 200)

    assert [t["id"] for t in data["tutors"]] == [b.pk]
    assert tutor_ids(course) == {b.pk}
    assert ok(client_for(a).get(COURSES, {"mine": "true"}), 200)["count"] == 0, "A no longer teaches it"


def test_the_last_tutor_cannot_be_removed_even_for_an_invitee(b_course, client_for, django_capture_on_commit_callbacks):
    a, b, course, _ = b_course

    with django_capture_on_commit_callbacks(execute=True):
        replaced = ok(set_tutors(client_for(b), course, a), 400)
        emptied = ok(set_tutors(client_for(b), course), 400)

    assert "at least one of its current tutors" in replaced["tutors"][0], replaced
    assert emptied == {"tutors": ["A course needs at least one tutor."]}, emptied
    assert tutor_ids(course) == {b.pk}
    assert not TutorInvitation.objects.exists() and mail.outbox == [], "a refused PATCH invites nobody"


def test_a_tutor_may_leave_a_course_others_still_teach(b_course, client_for):
    a, b, course, _ = b_course
    course.tutors.add(a)

    ok(set_tutors(client_for(b), course, a), 200)

    assert tutor_ids(course) == {a.pk}


# --- Invitations: listing and answering ------------------------------------------------------------------------


@pytest.fixture
def invited(b_course, client_for):
    """A invited to B's course by B (pending), plus an older, declined invitation to another course."""
    a, b, course, _ = b_course
    ok(set_tutors(client_for(b), course, b, a), 200)
    older = TutorInvitation.objects.create(
        course=CourseFactory(title="Older"), invitee=a, invited_by=None, status=TutorInvitationStatus.DECLINED
    )
    TutorInvitation.objects.filter(pk=older.pk).update(created_at=pending(course, a).created_at - timedelta(days=1))
    return a, b, course, pending(course, a), older


def test_the_list_shows_the_callers_invitations_newest_first(invited, client_for):
    a, b, course, invitation, older = invited

    data = ok(client_for(a).get(INVITATIONS), 200)

    assert set(data) == {"count", "next", "previous", "results"} and data["count"] == 2
    first, second = data["results"]
    assert set(first) == INVITATION_KEYS
    assert first["id"] == str(invitation.pk) and first["status"] == "pending" and first["responded_at"] is None
    assert first["course"] == {"id": str(course.pk), "slug": course.slug, "title": "B's course"}
    assert first["invited_by"] == {"id": b.pk, "first_name": "Bob", "last_name": "Owner"}
    assert (second["id"], second["status"], second["invited_by"]) == (str(older.pk), "declined", None)
    only_pending = ok(client_for(a).get(INVITATIONS, {"status": "pending"}), 200)
    assert [item["id"] for item in only_pending["results"]] == [str(invitation.pk)]
    assert "status" in ok(client_for(a).get(INVITATIONS, {"status": "maybe"}), 400)
    for someone_else in (b, person(Role.ADMIN, is_staff=True)):
        assert ok(client_for(someone_else).get(INVITATIONS), 200)["count"] == 0, "only invitations addressed to you"


def test_the_list_costs_the_same_queries_however_many_invitations(invited, client_for):
    a = invited[0]
    client = client_for(a)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ok(client.get(INVITATIONS), 200)
        return len(ctx.captured_queries)

    few = count()
    for _ in range(5):
        TutorInvitation.objects.create(course=CourseFactory(), invitee=a, invited_by=person(Role.TUTOR))
    assert count() == few <= 3, "auth, count, page (course and inviter joined)"


def test_accepting_adds_the_invitee(invited, client_for):
    a, b, course, invitation, _ = invited

    data = ok(answer(client_for(a), invitation, "accept"), 200)

    assert data["status"] == "accepted" and data["responded_at"] is not None
    assert tutor_ids(course) == {a.pk, b.pk}
    detail = ok(client_for(a).get(f"{COURSES}{course.slug}/"), 200)
    assert {t["id"] for t in detail["tutors"]} == {a.pk, b.pk}


def test_declining_adds_nobody(invited, client_for):
    a, b, course, invitation, _ = invited

    data = ok(answer(client_for(a), invitation, "decline"), 200)

    assert data["status"] == "declined" and data["responded_at"] is not None
    assert tutor_ids(course) == {b.pk}


@pytest.mark.parametrize("verb", ["accept", "decline"])
def test_someone_elses_or_an_unknown_invitation_is_404(invited, client_for, verb):
    a, b, course, invitation, _ = invited

    for caller in (b, person(Role.TUTOR), person(Role.ADMIN, is_staff=True)):
        ok(answer(client_for(caller), invitation, verb), 404)
    ok(client_for(a).post(f"{INVITATIONS}not-a-uuid/{verb}/"), 404)
    ok(client_for(a).post(f"{INVITATIONS}00000000-0000-0000-0000-000000000000/{verb}/"), 404)

    assert pending(course, a) == invitation and tutor_ids(course) == {b.pk}


@pytest.mark.parametrize(("first", "then"), [("accept", "accept"), ("accept", "decline"), ("decline", "accept")])
def test_an_answered_invitation_is_409(invited, client_for, first, then):
    a, b, course, invitation, _ = invited
    ok(answer(client_for(a), invitation, first), 200)

    data = ok(answer(client_for(a), invitation, then), 409)

    assert "already answered" in data["detail"], data
    expected = {a.pk, b.pk} if first == "accept" else {b.pk}
    assert tutor_ids(course) == expected


def test_an_invitee_who_is_no_longer_a_tutor_cannot_accept(invited, client_for):
    a, b, course, invitation, _ = invited
    a.role = Role.STUDENT
    a.save(update_fields=["role"])

    data = ok(answer(client_for(a), invitation, "accept"), 400)

    assert "Only tutors and admins can teach a course" in data["detail"], data
    assert tutor_ids(course) == {b.pk}
    assert pending(course, a) == invitation, "still open: an admin may restore the role"


def test_answering_needs_a_login(invited, client_for):
    invitation = invited[3]
    for response in (
        client_for(None).get(INVITATIONS),
        answer(client_for(None), invitation, "accept"),
        answer(client_for(None), invitation, "decline"),
    ):
        assert response.status_code == 401 and response.has_header("WWW-Authenticate")


# --- Concurrency and the catalog cache -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_have_one_effect():
    a, b = person(Role.TUTOR), person(Role.TUTOR)
    course = CourseFactory(tutors=[b])
    invitation = TutorInvitation.objects.create(course=course, invitee=a, invited_by=b)
    token = str(RefreshToken.for_user(a).access_token)
    first_answers: list[int] = []

    def accept() -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        # SQLite's shared in-memory test database answers "locked" instead of waiting (a database
        # error: 503 with Retry-After): the client tries again, a bounded number of times.
        for attempt in range(50):
            response = client.post(f"{INVITATIONS}{invitation.pk}/accept/")
            if attempt == 0:
                first_answers.append(response.status_code)
            if response.status_code < 500:
                break
        return response.status_code

    results = run_together([accept] * 6)

    assert sorted(results) == [200] + [409] * 5, results
    assert Course.tutors.through.objects.filter(course_id=course.pk, user_id=a.pk).count() == 1
    assert TutorInvitation.objects.get(pk=invitation.pk).status == TutorInvitationStatus.ACCEPTED
    if connection.vendor == "postgresql":
        assert sorted(first_answers) == [200] + [409] * 5, f"PostgreSQL serialises the accepts: {first_answers}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("catalog_cache_on")
def test_accepting_shows_at_once_in_the_cached_anonymous_catalog(client_for):
    a, b = person(Role.TUTOR, first_name="Newcomer"), person(Role.TUTOR)
    course = CourseFactory(tutors=[b])
    invitation = TutorInvitation.objects.create(course=course, invitee=a, invited_by=b)
    anonymous = client_for(None)
    before = ok(anonymous.get(f"{COURSES}{course.slug}/"), 200)
    with CaptureQueriesContext(connection) as ctx:
        ok(anonymous.get(f"{COURSES}{course.slug}/"), 200)
    assert len(ctx.captured_queries) == 0, "the page is served from the cache"

    ok(answer(client_for(a), invitation, "accept"), 200)

    after = ok(anonymous.get(f"{COURSES}{course.slug}/"), 200)
    assert {t["id"] for t in before["tutors"]} == {b.pk}
    assert {t["id"] for t in after["tutors"]} == {a.pk, b.pk}, "the accept invalidated the cached page"


def test_lessons_of_the_course_are_untouched_by_tutor_changes(b_course, client_for):
    a, b, course, lesson = b_course
    Lesson.objects.filter(pk=lesson.pk).update(video_service_id="kept-video")
    course.tutors.add(a)

    ok(set_tutors(client_for(b), course, b), 200)

    assert Lesson.objects.get(pk=lesson.pk).video_service_id == "kept-video"


def test_admins_withdraw_pending_invitations_in_the_admin(invited, admin_client, client_for):
    a, b, course, invitation, older = invited

    response = admin_client.post(
        reverse("admin:courses_tutorinvitation_changelist"),
        {"action": "cancel", "_selected_action": [str(invitation.pk), str(older.pk)]},
    )

    assert response.status_code == 302, response.content[:300]
    invitation.refresh_from_db()
    older.refresh_from_db()
    assert (invitation.status, older.status) == ("cancelled", "declined"), "answered invitations stay as they were"
    assert "withdrawn" in ok(answer(client_for(a), invitation, "accept"), 409)["detail"]
    assert tutor_ids(course) == {b.pk}
