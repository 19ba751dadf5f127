"""Who may do what in a course's community: every endpoint and method x every kind of caller,
asserting the exact status code and the effect of each answer.

- no credentials -> 401;
- a course the caller cannot see, or a draft (drafts have no community) -> 404; named in a
  request body -> 400 ("Invalid id", or "no community" for the draft's own tutors);
- a published course the caller does not take part in (an outsider, a refunded student, a tutor
  of other courses) -> 403;
- authors edit their own posts; authors and moderators (the course's tutors, admins) delete;
  moderators pin, lock, hide, post announcements and work the report queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from community import services
from community.models import Announcement, Reply, Report, ReportStatus, Thread, ThreadKind, Vote
from community.tests.factories import (
    ANNOUNCEMENTS,
    REPORTS,
    THREADS,
    enrolled_student,
    make_announcement,
    make_reply,
    make_thread,
    reply_url,
    thread_url,
)
from courses.tests.factories import CourseFactory, LessonFactory, PartFactory
from users.models import Role
from users.tests.factories import person

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "enrolled", "refunded", "other_tutor", "owner", "admin")


def statuses(default: int, **per_role: int) -> dict[str, int]:
    unknown = set(per_role) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: per_role.get(role, default) for role in ROLES}


def members(code: int) -> dict[str, int]:
    """Active students, the course's tutors and admins; everyone else who is logged in: 403."""
    return statuses(403, anonymous=401, enrolled=code, owner=code, admin=code)


def moderators(code: int) -> dict[str, int]:
    return statuses(403, anonymous=401, owner=code, admin=code)


AUTHOR_ONLY = statuses(403, anonymous=401, enrolled=200)  # the enrolled student wrote the posts
AUTHOR_OR_MODERATOR = {code: statuses(403, anonymous=401, enrolled=code, owner=code, admin=code) for code in (200, 204)}
NOWHERE = statuses(404, anonymous=401)
TUTORS_QUEUE = statuses(403, anonymous=401, other_tutor=200, owner=200, admin=200)
RESOLVE = statuses(403, anonymous=401, other_tutor=404, owner=200, admin=200)


@pytest.fixture
def world(client_for):
    users = {
        "anonymous": None,
        "outsider": person(Role.USER),
        "other_tutor": person(Role.TUTOR),
        "owner": person(Role.TUTOR),
        "admin": person(Role.ADMIN, is_staff=True, is_superuser=True),
    }
    course = CourseFactory(title="Published", tutors=[users["owner"]])
    lesson = LessonFactory(part=PartFactory(course=course))
    users["enrolled"] = enrolled_student(course)
    users["refunded"] = enrolled_student(course, active=False)  # a refund revokes the enrolment
    CourseFactory(title="Other tutor's course", tutors=[users["other_tutor"]])
    draft = CourseFactory(title="Draft", tutors=[users["owner"]], is_published=False)
    thread = make_thread(course, users["enrolled"], lesson=lesson)
    reply = make_reply(thread, users["enrolled"])
    # A thread started while the draft was published: unpublished, its community is gone.
    draft_thread = Thread.objects.create(
        course=draft, author=users["owner"], title="Old", body="x", body_html="x", last_activity_at=thread.created_at
    )
    announcement = make_announcement(course, users["owner"])
    report = services.report_create(reporter=users["enrolled"], post=reply, reason="Spam")[0]
    return SimpleNamespace(
        users=users,
        client=lambda role: client_for(users[role]),
        course=course,
        lesson=lesson,
        draft=draft,
        thread=thread,
        reply=reply,
        draft_thread=draft_thread,
        announcement=announcement,
        report=report,
    )


# --- Effects ---------------------------------------------------------------------------------------


def no_check(w, role, response):
    pass


def on_success(check: Callable) -> Callable:
    """A check of the answer's body: only for a 200."""

    def checked(w, role, response):
        if response.status_code == 200:
            check(w, role, response)

    return checked


def exists_iff_created(model, **lookup: Callable) -> Callable:
    def check(w, role, response):
        found = model.objects.filter(**{k: v(w) for k, v in lookup.items()}).exists()
        assert found == (response.status_code == 201), (
            f"{model.__name__}: expected created={response.status_code == 201} after {response.status_code}, got {found}"
        )

    return check


def field_iff(attr: str, name: str, value, ok: int = 200) -> Callable:
    def check(w, role, response):
        obj = getattr(w, attr)
        obj.refresh_from_db()
        changed = getattr(obj, name) == value
        assert changed == (response.status_code == ok), (
            f"{attr}.{name}: expected changed={response.status_code == ok} after {response.status_code}, "
            f"got {getattr(obj, name)!r}"
        )

    return check


def deleted_iff_204(attr: str) -> Callable:
    def check(w, role, response):
        obj = getattr(w, attr)
        obj.refresh_from_db()
        assert obj.is_deleted == (response.status_code == 204), (
            f"{attr}: expected deleted={response.status_code == 204} after {response.status_code}"
        )

    return check


def announcement_gone_iff_204(w, role, response):
    gone = not Announcement.objects.filter(pk=w.announcement.pk).exists()
    assert gone == (response.status_code == 204), f"expected deleted={response.status_code == 204}, got {gone}"


def vote_iff_ok(w, role, response):
    voted = Vote.objects.filter(thread=w.thread).exists()
    assert voted == (response.status_code == 200), f"expected a vote={response.status_code == 200}, got {voted}"
    if response.status_code == 200:
        assert response.json() == {"id": w.thread.pk, "votes": 1, "my_vote": 1}


@on_success
def lists_thread(w, role, response):
    ids = [item["id"] for item in response.json()["results"]]
    assert ids == [w.thread.pk], f"expected the course's one thread, got {ids}"


@on_success
def lists_reply(w, role, response):
    ids = [item["id"] for item in response.json()["results"]]
    assert ids == [w.reply.pk], f"expected the thread's one reply, got {ids}"


@on_success
def queue(w, role, response):
    ids = [item["id"] for item in response.json()["results"]]
    expected = [] if role == "other_tutor" else [w.report.pk]
    assert ids == expected, f"{role}: expected the queue {expected}, got {ids}"


@on_success
def my_announcements(w, role, response):
    ids = [item["id"] for item in response.json()["results"]]
    expected = [w.announcement.pk] if role in ("enrolled", "owner", "admin") else []
    assert ids == expected, f"{role}: expected announcements {expected}, got {ids}"


@on_success
def unanswered(w, role, response):
    assert response.json()["unanswered_count"] == 1, response.json()


def report_resolved_iff_ok(w, role, response):
    w.report.refresh_from_db()
    resolved = w.report.status == ReportStatus.DISMISSED
    assert resolved == (response.status_code == 200), f"expected resolved={response.status_code == 200}"


def accepted_iff_ok(w, role, response):
    w.thread.refresh_from_db()
    accepted = w.thread.accepted_reply_id == w.reply.pk
    assert accepted == (response.status_code == 200), f"expected accepted={response.status_code == 200}"


@dataclass
class Case:
    name: str
    method: str
    url: Callable
    expected: dict[str, int]
    body: Callable = field(default=lambda w: None)
    check: Callable = no_check


CASES = [
    # Threads
    Case("list", "get", lambda w: f"{THREADS}?course={w.course.slug}", members(200), check=lists_thread),
    Case("list draft", "get", lambda w: f"{THREADS}?course={w.draft.slug}", NOWHERE),
    Case("list unknown course", "get", lambda w: f"{THREADS}?course=no-such-course", NOWHERE),
    Case(
        "create",
        "post",
        lambda w: THREADS,
        members(201),
        body=lambda w: {
            "course": str(w.course.pk),
            "lesson": str(w.lesson.pk),
            "kind": "question",
            "title": "New?",
            "body": "b",
        },
        check=exists_iff_created(Thread, title=lambda w: "New?"),
    ),
    Case(
        "create in draft",
        "post",
        lambda w: THREADS,
        statuses(400, anonymous=401),
        body=lambda w: {"course": str(w.draft.pk), "kind": "discussion", "title": "Draft?", "body": "b"},
        check=exists_iff_created(Thread, title=lambda w: "Draft?"),
    ),
    Case("retrieve", "get", lambda w: thread_url(w.thread), members(200)),
    Case("retrieve in draft", "get", lambda w: thread_url(w.draft_thread), NOWHERE),
    Case(
        "edit",
        "patch",
        lambda w: thread_url(w.thread),
        AUTHOR_ONLY,
        body=lambda w: {"title": "Edited title"},
        check=field_iff("thread", "title", "Edited title"),
    ),
    Case("delete", "delete", lambda w: thread_url(w.thread), AUTHOR_OR_MODERATOR[204], check=deleted_iff_204("thread")),
    Case(
        "accept",
        "post",
        lambda w: thread_url(w.thread, "accept/"),
        AUTHOR_OR_MODERATOR[200],
        body=lambda w: {"reply_id": w.reply.pk},
        check=accepted_iff_ok,
    ),
    Case(
        "vote",
        "post",
        lambda w: thread_url(w.thread, "vote/"),
        members(200),
        body=lambda w: {"value": 1},
        check=vote_iff_ok,
    ),
    Case(
        "pin",
        "post",
        lambda w: thread_url(w.thread, "pin/"),
        moderators(200),
        body=lambda w: {"value": True},
        check=field_iff("thread", "is_pinned", True),
    ),
    Case(
        "lock",
        "post",
        lambda w: thread_url(w.thread, "lock/"),
        moderators(200),
        body=lambda w: {"value": True},
        check=field_iff("thread", "is_locked", True),
    ),
    Case(
        "hide",
        "post",
        lambda w: thread_url(w.thread, "hide/"),
        moderators(200),
        body=lambda w: {"value": True},
        check=field_iff("thread", "is_hidden", True),
    ),
    Case(
        "report thread",
        "post",
        lambda w: thread_url(w.thread, "report/"),
        members(201),
        body=lambda w: {"reason": "Off topic"},
        check=exists_iff_created(Report, reason=lambda w: "Off topic"),
    ),
    Case(
        "unanswered count",
        "get",
        lambda w: f"{THREADS}unanswered-count/?course={w.course.slug}",
        moderators(200),
        check=unanswered,
    ),
    # Replies
    Case("replies", "get", lambda w: thread_url(w.thread, "replies/"), members(200), check=lists_reply),
    Case(
        "reply",
        "post",
        lambda w: thread_url(w.thread, "replies/"),
        members(201),
        body=lambda w: {"body": "Me too", "parent": w.reply.pk},
        check=exists_iff_created(Reply, body=lambda w: "Me too"),
    ),
    Case("replies in draft", "get", lambda w: thread_url(w.draft_thread, "replies/"), NOWHERE),
    Case(
        "edit reply",
        "patch",
        lambda w: reply_url(w.reply),
        AUTHOR_ONLY,
        body=lambda w: {"body": "Edited"},
        check=field_iff("reply", "body", "Edited"),
    ),
    Case(
        "delete reply", "delete", lambda w: reply_url(w.reply), AUTHOR_OR_MODERATOR[204], check=deleted_iff_204("reply")
    ),
    Case("vote reply", "post", lambda w: reply_url(w.reply, "vote/"), members(200), body=lambda w: {"value": -1}),
    Case(
        "hide reply",
        "post",
        lambda w: reply_url(w.reply, "hide/"),
        moderators(200),
        body=lambda w: {"value": True},
        check=field_iff("reply", "is_hidden", True),
    ),
    Case(
        "report reply",
        "post",
        lambda w: reply_url(w.reply, "report/"),
        # The enrolled student already reported it: their open report comes back (200).
        statuses(403, anonymous=401, enrolled=200, owner=201, admin=201),
        body=lambda w: {"reason": "Rude"},
    ),
    # Reports
    Case("queue", "get", lambda w: REPORTS, TUTORS_QUEUE, check=queue),
    Case(
        "resolve",
        "post",
        lambda w: f"{REPORTS}{w.report.pk}/resolve/",
        RESOLVE,
        body=lambda w: {"action": "dismiss"},
        check=report_resolved_iff_ok,
    ),
    # Announcements
    Case("announcements", "get", lambda w: f"{ANNOUNCEMENTS}?course={w.course.slug}", members(200)),
    Case("my announcements", "get", lambda w: ANNOUNCEMENTS, statuses(200, anonymous=401), check=my_announcements),
    Case("announcements of a draft", "get", lambda w: f"{ANNOUNCEMENTS}?course={w.draft.slug}", NOWHERE),
    Case(
        "announce",
        "post",
        lambda w: ANNOUNCEMENTS,
        moderators(201),
        body=lambda w: {"course": str(w.course.pk), "title": "Exam date", "body": "Friday"},
        check=exists_iff_created(Announcement, title=lambda w: "Exam date"),
    ),
    Case("announcement", "get", lambda w: f"{ANNOUNCEMENTS}{w.announcement.pk}/", members(200)),
    Case(
        "edit announcement",
        "patch",
        lambda w: f"{ANNOUNCEMENTS}{w.announcement.pk}/",
        moderators(200),
        body=lambda w: {"title": "Welcome!"},
        check=field_iff("announcement", "title", "Welcome!"),
    ),
    Case(
        "delete announcement",
        "delete",
        lambda w: f"{ANNOUNCEMENTS}{w.announcement.pk}/",
        moderators(204),
        check=announcement_gone_iff_204,
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_matrix(world, case, role):
    client = world.client(role)
    body = case.body(world)
    response = (
        getattr(client, case.method)(case.url(world), body, format="json")
        if body is not None
        else getattr(client, case.method)(case.url(world))
    )
    expected = case.expected[role]
    assert response.status_code == expected, (
        f"{case.method.upper()} {case.name} as {role}: expected {expected}, got {response.status_code}: "
        f"{response.content[:300]!r}"
    )
    if response.status_code >= 400:
        assert "application/json" in response["Content-Type"], "errors are JSON"
        assert response.json(), "errors carry a message"
    if response.status_code == 401:
        assert response.has_header("WWW-Authenticate")
    case.check(world, role, response)


def test_a_refunded_student_loses_access_they_had(world):
    client = world.client("enrolled")
    assert client.get(thread_url(world.thread)).status_code == 200
    world.users["enrolled"].enrollments.update(is_active=False)  # the refund revokes the enrolment
    assert client.get(thread_url(world.thread)).status_code == 403
    assert client.post(thread_url(world.thread, "replies/"), {"body": "Still here?"}, format="json").status_code == 403
    assert client.get(ANNOUNCEMENTS).json()["results"] == []


def test_a_course_unpublished_later_takes_its_community_with_it(world):
    world.course.is_published = False
    world.course.save(update_fields=["is_published"])
    for role in ("enrolled", "owner", "admin"):
        response = world.client(role).get(thread_url(world.thread))
        assert response.status_code == 404, f"{role}: expected 404, got {response.status_code}"


def test_a_draft_named_in_a_body_says_why_to_its_tutors(world):
    body = {"course": str(world.draft.pk), "kind": ThreadKind.QUESTION, "title": "Draft?", "body": "b"}
    owner = world.client("owner").post(THREADS, body, format="json")
    outsider = world.client("outsider").post(THREADS, body, format="json")
    assert owner.json() == {"course": ["This course has no community (it is not published)."]}
    assert outsider.json() == {"course": [f'Invalid id "{world.draft.pk}" - object does not exist.']}
