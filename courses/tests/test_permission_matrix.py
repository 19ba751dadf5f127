"""Who may do what on the catalog API (contract sections 0 and 2.1-2.6).

One parametrized matrix: every catalog endpoint and method x every kind of caller,
asserting the exact status code and the effect (body or database) of each answer.

Conventions under test:
- missing credentials on a protected action -> 401 (with WWW-Authenticate);
- authenticated without the right -> 403;
- drafts (and everything inside them) -> 404 for everyone but their tutors and admins,
  and never listed for anyone else;
- a course, part or lesson named in a request body that the caller cannot see -> 400
  ("Invalid id"), as DRF answers for any unknown related id;
- someone else's co-tutor invitation -> 404 (it does not exist for them), admins included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import transaction

from courses.models import Category, Comment, Course, CoursePart, Enrollment, Lesson, TutorInvitation
from courses.tests.factories import (
    CategoryFactory,
    CommentFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    PartFactory,
)
from courses.tests.urls import API
from users.models import Role, User
from users.tests.factories import person

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "user", "enrolled", "student", "other_tutor", "owner", "admin")
SKIP = None  # a combination the contract leaves open: not generated


def statuses(default: int | None, **per_role: int | None) -> dict[str, int | None]:
    unknown = set(per_role) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: per_role.get(role, default) for role in ROLES}


ALL_200 = statuses(200)
ADMIN_ONLY = {code: statuses(403, anonymous=401, admin=code) for code in (200, 201, 204)}
MANAGERS = {code: statuses(403, anonymous=401, owner=code, admin=code) for code in (200, 201, 204)}
MANAGERS_DRAFT = {code: statuses(404, anonymous=401, owner=code, admin=code) for code in (200, 204)}
VISIBLE_TO_MANAGERS = statuses(404, owner=200, admin=200)
TUTOR_LISTS = statuses(403, anonymous=401, other_tutor=200, owner=200, admin=200)


# --- The world every case runs against --------------------------------------------------------


def _build_world() -> tuple[dict, dict]:
    """A published paid course (a part, a free-preview lesson, a paid lesson), a draft course,
    a free published course, another tutor's draft, and one caller of each kind."""

    users = {
        "anonymous": None,
        "user": person(Role.USER),
        "enrolled": person(Role.STUDENT),
        "student": person(Role.STUDENT),
        "other_tutor": person(Role.TUTOR),
        "owner": person(Role.TUTOR),
        "admin": person(Role.ADMIN, is_staff=True, is_superuser=True),
    }
    owner = users["owner"]
    objects = {}
    objects["category"] = category = CategoryFactory(name="Mathematics")
    objects["course"] = course = CourseFactory(title="Published paid", tutors=[owner], category=category, price="49.99")
    objects["part"] = part = PartFactory(course=course, title="Basics", order=0)
    objects["free_lesson"] = free_lesson = LessonFactory(part=part, title="Free preview", order=0, is_free_preview=True)
    objects["paid_lesson"] = paid_lesson = LessonFactory(part=part, title="Paid lesson", order=1)
    objects["draft"] = draft = CourseFactory(title="Draft course", tutors=[owner], is_published=False)
    objects["draft_part"] = draft_part = PartFactory(course=draft, title="Draft part", order=0)
    # A free preview, yet invisible while its course is a draft.
    objects["draft_lesson"] = LessonFactory(part=draft_part, title="Draft lesson", is_free_preview=True)
    objects["free_course"] = CourseFactory(title="Free course", tutors=[owner], price="0.00")
    objects["other_draft"] = other_draft = CourseFactory(
        title="Other draft", tutors=[users["other_tutor"]], is_published=False
    )
    objects["other_draft_part"] = PartFactory(course=other_draft, title="Other part")
    objects["enrollment"] = EnrollmentFactory(student=users["enrolled"], course=course)
    objects["free_comment"] = CommentFactory(lesson=free_lesson, user=users["enrolled"], text="On the preview")
    objects["paid_comment"] = CommentFactory(lesson=paid_lesson, user=users["enrolled"], text="On the paid lesson")
    # The owner invited the other tutor to co-teach the published course (pending).
    objects["invitation"] = TutorInvitation.objects.create(
        course=course, invitee=users["other_tutor"], invited_by=owner
    )
    return users, objects


@pytest.fixture(scope="module")
def _world_rows(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; every test
    runs in its own savepoint on top of it, so writes never leak from one test to the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        users, objects = _build_world()
        yield (
            {role: u.pk if u else None for role, u in users.items()},
            {name: (type(obj), obj.pk) for name, obj in objects.items()},
        )
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_rows, db, client_for):
    """Fresh instances of the shared rows for each test (earlier tests may have changed them in memory)."""
    user_pks, object_pks = _world_rows
    users = {role: User.objects.get(pk=pk) if pk else None for role, pk in user_pks.items()}
    objects = {name: model.objects.get(pk=pk) for name, (model, pk) in object_pks.items()}
    return SimpleNamespace(users=users, client=lambda role: client_for(users[role]), **objects)


# --- Checks of the effect of an answer ------------------------------------------------------------


def _ids(response) -> set[str]:
    return {item["id"] for item in response.json()["results"]}


def _s(*objects) -> set[str]:
    return {str(obj.pk) for obj in objects}


def exists_iff_created(model, **lookup) -> Callable:
    def check(w, role, response):
        expected = response.status_code == 201
        found = model.objects.filter(**lookup).exists()
        assert found == expected, (
            f"{model.__name__} {lookup}: expected exists={expected} after {response.status_code}, got exists={found}"
        )

    return check


def changed_iff_ok(attr: str, field: str, new_value) -> Callable:
    def check(w, role, response):
        obj = getattr(w, attr)
        obj.refresh_from_db()
        expected = response.status_code == 200
        got = getattr(obj, field) == new_value
        assert got == expected, (
            f"{attr}.{field}: expected changed={expected} after {response.status_code}, got {getattr(obj, field)!r}"
        )

    return check


def gone_iff_deleted(attr: str) -> Callable:
    def check(w, role, response):
        obj = getattr(w, attr)
        expected_gone = response.status_code == 204
        gone = not type(obj).objects.filter(pk=obj.pk).exists()
        assert gone == expected_gone, (
            f"{attr}: expected deleted={expected_gone} after {response.status_code}, got deleted={gone}"
        )

    return check


def check_category_list(w, role, response):
    items = {item["id"]: item for item in response.json()["results"]}
    assert w.category.pk in items, f"expected category {w.category.pk} listed, got {list(items)}"
    assert items[w.category.pk]["courses_count"] == 1, (
        f"expected 1 published course counted, got {items[w.category.pk]['courses_count']}"
    )


def check_category_detail(w, role, response):
    assert (response.json()["id"], response.json()["slug"]) == (w.category.pk, w.category.slug), (
        f"expected category {w.category.pk}/{w.category.slug}, got {response.json()!r}"
    )


def check_course_list(w, role, response):
    ids = _ids(response)
    assert ids == _s(w.course, w.free_course), (
        f"expected only the published courses for {role}, got {ids} (drafts: {_s(w.draft, w.other_draft)})"
    )


def check_course_list_mine(w, role, response):
    ids = _ids(response)
    own_drafts = {"owner": _s(w.draft), "other_tutor": _s(w.other_draft)}.get(role, set())
    listed_drafts = ids & _s(w.draft, w.other_draft)
    assert listed_drafts == own_drafts, f"?mine=true as {role}: expected drafts {own_drafts}, got {listed_drafts}"
    if role == "owner":
        assert _s(w.course, w.free_course) <= ids, f"the owner's published courses must be listed, got {ids}"


def check_course_detail(w, role, response):
    data = response.json()
    assert data["slug"] == w.course.slug, f"expected {w.course.slug}, got {data['slug']}"
    assert data["is_enrolled"] is (role == "enrolled"), f"is_enrolled for {role}: got {data['is_enrolled']}"
    assert [p["id"] for p in data["parts"]] == [str(w.part.pk)], f"got parts {data['parts']!r}"
    lessons = [lesson["id"] for lesson in data["parts"][0]["lessons"]]
    assert lessons == [str(w.free_lesson.pk), str(w.paid_lesson.pk)], f"got lessons {lessons}"


def check_draft_detail(w, role, response):
    if response.status_code == 200:
        assert response.json()["slug"] == w.draft.slug and response.json()["is_published"] is False


def check_part_list(w, role, response):
    if response.status_code != 200:
        return
    expected = {
        "owner": _s(w.part, w.draft_part),
        "other_tutor": _s(w.other_draft_part),
        "admin": _s(w.part, w.draft_part, w.other_draft_part),
    }[role]
    assert _ids(response) == expected, f"parts listed to {role}: expected {expected}, got {_ids(response)}"


def check_part_detail(w, role, response):
    data = response.json()
    assert (data["id"], data["course"]) == (str(w.part.pk), str(w.course.pk)), f"got {data!r}"


def check_lesson_list(w, role, response):
    if response.status_code != 200:
        return
    expected = {
        "owner": _s(w.free_lesson, w.paid_lesson, w.draft_lesson),
        "other_tutor": set(),
        "admin": _s(w.free_lesson, w.paid_lesson, w.draft_lesson),
    }[role]
    assert _ids(response) == expected, f"lessons listed to {role}: expected {expected}, got {_ids(response)}"


def check_player(lesson_attr: str, locked_roles: tuple[str, ...]) -> Callable:
    def check(w, role, response):
        if response.status_code != 200:
            return
        lesson = getattr(w, lesson_attr)
        data = response.json()
        assert data["slug"] == lesson.slug, f"expected lesson {lesson.slug}, got {data['slug']}"
        assert data["locked"] is (role in locked_roles), (
            f"locked for {role}: expected {role in locked_roles}, got {data['locked']}"
        )
        assert data["otp"] is None and data["playbackInfo"] is None, (
            f"expected no playable secret (no video), got otp={data['otp']!r} playbackInfo={data['playbackInfo']!r}"
        )
        course = lesson.part.course
        assert data["course"] == {"id": str(course.pk), "slug": course.slug, "title": course.title}

    return check


def check_comment_list(attr: str | None) -> Callable:
    def check(w, role, response):
        if response.status_code == 200:
            expected = _s(getattr(w, attr)) if attr else set()
            assert _ids(response) == expected, f"expected {expected}, got {_ids(response)}"
        elif response.status_code == 400:
            assert "lesson" in response.json(), f"expected a 'lesson' error, got {response.json()!r}"

    return check


def check_comment_created(attr: str) -> Callable:
    def check(w, role, response):
        caller = w.users[role]
        found = Comment.objects.filter(lesson=getattr(w, attr), text="Matrix says hi").first()
        if response.status_code == 201:
            assert found is not None and found.user_id == caller.pk, f"expected a comment by {role}, got {found}"
        else:
            assert found is None, f"no comment expected after {response.status_code}, got {found}"

    return check


def check_enrollment_list(w, role, response):
    if response.status_code != 200:
        return
    expected = {"enrolled": _s(w.enrollment), "admin": _s(*Enrollment.objects.all())}.get(role, set())
    assert _ids(response) == expected, f"enrolments listed to {role}: expected {expected}, got {_ids(response)}"


def check_enrolled(attr: str) -> Callable:
    def check(w, role, response):
        caller = w.users[role]
        if caller is None:
            return
        course = getattr(w, attr)
        found = Enrollment.objects.filter(student=caller, course=course).exists()
        expected = response.status_code in (200, 201)
        assert found == expected, f"{role} enrolled in {attr}: expected {expected}, got {found}"
        if response.status_code == 402:
            assert "payments" in str(response.json().get("detail", "")), (
                f"expected a payments hint: {response.json()!r}"
            )

    return check


def check_invitation_list(w, role, response):
    if response.status_code != 200:
        return
    expected = _s(w.invitation) if role == "other_tutor" else set()
    assert _ids(response) == expected, f"invitations listed to {role}: expected {expected}, got {_ids(response)}"


def check_invitation_answered(status: str) -> Callable:
    def check(w, role, response):
        w.invitation.refresh_from_db()
        joined = w.course.tutors.filter(pk=w.users["other_tutor"].pk).exists()
        answered = response.status_code == 200
        assert (w.invitation.status == status) == answered, (
            f"after {response.status_code} as {role}: invitation status {w.invitation.status!r}"
        )
        assert joined == (answered and status == "accepted"), f"the invitee joined={joined} after {role}'s call"

    return check


def check_invitee_not_added(w, role, response):
    tutors = set(w.course.tutors.values_list("pk", flat=True))
    assert tutors == {w.users["owner"].pk}, f"a PATCH invites, never adds: tutors {tutors} after {role}'s call"
    assert TutorInvitation.objects.filter(course=w.course, invitee=w.users["other_tutor"]).count() == 1


# --- The cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    expected: dict[str, int | None]
    call: Callable
    check: Callable | None = None


def url(kind: str, key: str = "") -> str:
    return f"{API}{kind}/{key}/" if key else f"{API}{kind}/"


CASES = [
    # 2.1 Categories: anyone reads, admins write.
    Case("categories-list", ALL_200, lambda w, c: c.get(url("categories")), check_category_list),
    Case(
        "category-detail-by-id",
        ALL_200,
        lambda w, c: c.get(url("categories", str(w.category.pk))),
        check_category_detail,
    ),
    Case(
        "category-detail-by-slug",
        ALL_200,
        lambda w, c: c.get(url("categories", w.category.slug)),
        check_category_detail,
    ),
    Case(
        "category-create",
        ADMIN_ONLY[201],
        lambda w, c: c.post(url("categories"), {"name": "Brand new"}),
        exists_iff_created(Category, name="Brand new"),
    ),
    Case(
        "category-patch",
        ADMIN_ONLY[200],
        lambda w, c: c.patch(url("categories", str(w.category.pk)), {"name": "Renamed"}),
        changed_iff_ok("category", "name", "Renamed"),
    ),
    Case(
        "category-delete",
        ADMIN_ONLY[204],
        lambda w, c: c.delete(url("categories", str(w.category.pk))),
        gone_iff_deleted("category"),
    ),
    # 2.2 Courses.
    Case("courses-list-never-shows-drafts", ALL_200, lambda w, c: c.get(url("courses")), check_course_list),
    Case(
        "courses-list-mine-shows-own-drafts-only",
        ALL_200,
        lambda w, c: c.get(url("courses"), {"mine": "true"}),
        check_course_list_mine,
    ),
    Case(
        "course-detail-published",
        ALL_200,
        lambda w, c: c.get(url("courses", w.course.slug)),
        check_course_detail,
    ),
    Case(
        "course-detail-draft",
        VISIBLE_TO_MANAGERS,
        lambda w, c: c.get(url("courses", w.draft.slug)),
        check_draft_detail,
    ),
    Case(
        "course-create-tutors-and-admins",
        statuses(403, anonymous=401, other_tutor=201, owner=201, admin=201),
        lambda w, c: c.post(url("courses"), {"title": "Matrix course", "price": "10.00"}),
        exists_iff_created(Course, title="Matrix course"),
    ),
    Case(
        "course-patch-published",
        MANAGERS[200],
        lambda w, c: c.patch(url("courses", w.course.slug), {"title": "New title"}),
        changed_iff_ok("course", "title", "New title"),
    ),
    Case(
        "course-patch-draft",
        MANAGERS_DRAFT[200],
        lambda w, c: c.patch(url("courses", w.draft.slug), {"title": "New title"}),
        changed_iff_ok("draft", "title", "New title"),
    ),
    Case(
        "course-patch-tutors-invites-instead-of-adding",
        MANAGERS[200],
        lambda w, c: c.patch(
            url("courses", w.course.slug), {"tutors": [w.users["owner"].pk, w.users["other_tutor"].pk]}, format="json"
        ),
        check_invitee_not_added,
    ),
    # Co-tutor invitations: only the invitee sees and answers theirs; everyone else gets a 404.
    Case(
        "tutor-invitations-list-own-only",
        statuses(200, anonymous=401),
        lambda w, c: c.get(url("tutor-invitations")),
        check_invitation_list,
    ),
    Case(
        "tutor-invitation-accept-invitee-only",
        statuses(404, anonymous=401, other_tutor=200),
        lambda w, c: c.post(f"{url('tutor-invitations', str(w.invitation.pk))}accept/"),
        check_invitation_answered("accepted"),
    ),
    Case(
        "tutor-invitation-decline-invitee-only",
        statuses(404, anonymous=401, other_tutor=200),
        lambda w, c: c.post(f"{url('tutor-invitations', str(w.invitation.pk))}decline/"),
        check_invitation_answered("declined"),
    ),
    Case(
        "course-delete-with-enrolments-tutor-409-admin-204",
        statuses(403, anonymous=401, owner=409, admin=204),
        lambda w, c: c.delete(url("courses", w.course.slug)),
        gone_iff_deleted("course"),
    ),
    Case(
        "course-delete-published-without-enrolments",
        MANAGERS[204],
        lambda w, c: c.delete(url("courses", w.free_course.slug)),
        gone_iff_deleted("free_course"),
    ),
    Case(
        "course-delete-draft-without-enrolments",
        MANAGERS_DRAFT[204],
        lambda w, c: c.delete(url("courses", w.draft.slug)),
        gone_iff_deleted("draft"),
    ),
    # 2.3 Course parts.
    Case("parts-list-own-only", TUTOR_LISTS, lambda w, c: c.get(url("course-parts")), check_part_list),
    Case(
        "part-detail-published",
        ALL_200,
        lambda w, c: c.get(url("course-parts", w.part.slug)),
        check_part_detail,
    ),
    Case("part-detail-draft", VISIBLE_TO_MANAGERS, lambda w, c: c.get(url("course-parts", w.draft_part.slug))),
    Case(
        "part-create-in-published-course",
        MANAGERS[201],
        lambda w, c: c.post(url("course-parts"), {"course": str(w.course.pk), "title": "Matrix part", "order": 1}),
        exists_iff_created(CoursePart, title="Matrix part"),
    ),
    Case(
        "part-create-in-draft-course-unknown-to-others",
        statuses(400, anonymous=401, owner=201, admin=201),
        lambda w, c: c.post(url("course-parts"), {"course": str(w.draft.pk), "title": "Matrix part", "order": 1}),
        exists_iff_created(CoursePart, title="Matrix part"),
    ),
    Case(
        "part-patch-published",
        MANAGERS[200],
        lambda w, c: c.patch(url("course-parts", w.part.slug), {"title": "Renamed part"}),
        changed_iff_ok("part", "title", "Renamed part"),
    ),
    Case(
        "part-patch-draft",
        MANAGERS_DRAFT[200],
        lambda w, c: c.patch(url("course-parts", w.draft_part.slug), {"title": "Renamed part"}),
        changed_iff_ok("draft_part", "title", "Renamed part"),
    ),
    Case(
        "part-delete-published",
        MANAGERS[204],
        lambda w, c: c.delete(url("course-parts", w.part.slug)),
        gone_iff_deleted("part"),
    ),
    Case(
        "part-delete-draft",
        MANAGERS_DRAFT[204],
        lambda w, c: c.delete(url("course-parts", w.draft_part.slug)),
        gone_iff_deleted("draft_part"),
    ),
    # 2.4 Lessons.
    Case("lessons-list-own-only", TUTOR_LISTS, lambda w, c: c.get(url("lessons")), check_lesson_list),
    Case(
        "lesson-player-free-preview-unlocked-for-all",
        ALL_200,
        lambda w, c: c.get(url("lessons", w.free_lesson.slug)),
        check_player("free_lesson", locked_roles=()),
    ),
    Case(
        "lesson-player-paid-locked-unless-entitled",
        ALL_200,
        lambda w, c: c.get(url("lessons", w.paid_lesson.slug)),
        check_player("paid_lesson", locked_roles=("anonymous", "user", "student", "other_tutor")),
    ),
    Case(
        "lesson-player-draft-course",
        VISIBLE_TO_MANAGERS,
        lambda w, c: c.get(url("lessons", w.draft_lesson.slug)),
        check_player("draft_lesson", locked_roles=()),
    ),
    Case(
        "lesson-create-in-published-part",
        MANAGERS[201],
        lambda w, c: c.post(url("lessons"), {"part": str(w.part.pk), "title": "Matrix lesson", "duration": 60}),
        exists_iff_created(Lesson, title="Matrix lesson"),
    ),
    Case(
        "lesson-create-in-draft-part-unknown-to-others",
        statuses(400, anonymous=401, owner=201, admin=201),
        lambda w, c: c.post(url("lessons"), {"part": str(w.draft_part.pk), "title": "Matrix lesson"}),
        exists_iff_created(Lesson, title="Matrix lesson"),
    ),
    Case(
        "lesson-patch-published",
        MANAGERS[200],
        lambda w, c: c.patch(url("lessons", w.paid_lesson.slug), {"title": "Renamed lesson"}),
        changed_iff_ok("paid_lesson", "title", "Renamed lesson"),
    ),
    Case(
        "lesson-patch-draft",
        MANAGERS_DRAFT[200],
        lambda w, c: c.patch(url("lessons", w.draft_lesson.slug), {"title": "Renamed lesson"}),
        changed_iff_ok("draft_lesson", "title", "Renamed lesson"),
    ),
    Case(
        "lesson-delete-published",
        MANAGERS[204],
        lambda w, c: c.delete(url("lessons", w.paid_lesson.slug)),
        gone_iff_deleted("paid_lesson"),
    ),
    Case(
        "lesson-delete-draft",
        MANAGERS_DRAFT[204],
        lambda w, c: c.delete(url("lessons", w.draft_lesson.slug)),
        gone_iff_deleted("draft_lesson"),
    ),
    # 2.5 Comments: only for those who may watch the lesson.
    Case(
        "comments-list-free-preview",
        ALL_200,
        lambda w, c: c.get(url("comments"), {"lesson": str(w.free_lesson.pk)}),
        check_comment_list("free_comment"),
    ),
    Case(
        "comments-list-paid-lesson",
        statuses(403, anonymous=401, enrolled=200, owner=200, admin=200),
        lambda w, c: c.get(url("comments"), {"lesson": str(w.paid_lesson.pk)}),
        check_comment_list("paid_comment"),
    ),
    Case(
        "comments-list-draft-lesson-unknown-to-others",
        statuses(400, owner=200, admin=200),
        lambda w, c: c.get(url("comments"), {"lesson": str(w.draft_lesson.pk)}),
        check_comment_list(None),
    ),
    Case(
        "comment-create-free-preview",
        statuses(201, anonymous=401),
        lambda w, c: c.post(url("comments"), {"lesson": str(w.free_lesson.pk), "text": "Matrix says hi"}),
        check_comment_created("free_lesson"),
    ),
    Case(
        "comment-create-paid-lesson",
        statuses(403, anonymous=401, enrolled=201, owner=201, admin=201),
        lambda w, c: c.post(url("comments"), {"lesson": str(w.paid_lesson.pk), "text": "Matrix says hi"}),
        check_comment_created("paid_lesson"),
    ),
    Case(
        "comment-patch-author-only",
        statuses(403, anonymous=401, enrolled=200),
        lambda w, c: c.patch(url("comments", str(w.free_comment.pk)), {"text": "Edited"}),
        changed_iff_ok("free_comment", "text", "Edited"),
    ),
    Case(
        "comment-delete-author-owner-admin",
        statuses(403, anonymous=401, enrolled=204, owner=204, admin=204),
        lambda w, c: c.delete(url("comments", str(w.free_comment.pk))),
        gone_iff_deleted("free_comment"),
    ),
    # A comment on a lesson the caller may not watch is one they cannot even list: 404.
    Case(
        "comment-delete-on-paid-lesson",
        statuses(404, anonymous=401, enrolled=204, owner=204, admin=204),
        lambda w, c: c.delete(url("comments", str(w.paid_comment.pk))),
        gone_iff_deleted("paid_comment"),
    ),
    # 2.6 Enrollments.
    Case(
        "enrollments-list-own-only",
        statuses(200, anonymous=401),
        lambda w, c: c.get(url("enrollments")),
        check_enrollment_list,
    ),
    Case(
        "enrollment-create-free-course",
        statuses(201, anonymous=401),
        lambda w, c: c.post(url("enrollments"), {"course": str(w.free_course.pk)}),
        check_enrolled("free_course"),
    ),
    Case(
        "enrollment-create-paid-course-402",
        statuses(402, anonymous=401, enrolled=SKIP),
        lambda w, c: c.post(url("enrollments"), {"course": str(w.course.pk)}),
        check_enrolled("course"),
    ),
    Case(
        "enrollment-create-draft-course-400",
        statuses(400, anonymous=401),
        lambda w, c: c.post(url("enrollments"), {"course": str(w.draft.pk)}),
        check_enrolled("draft"),
    ),
]

MATRIX = [
    pytest.param(case, role, id=f"{case.name}-{role}")
    for case in CASES
    for role in ROLES
    if case.expected[role] is not SKIP
]


@pytest.mark.parametrize(("case", "role"), MATRIX)
def test_every_catalog_action_answers_every_caller_with_the_contract_status(world, case, role):
    response = case.call(world, world.client(role))

    expected = case.expected[role]
    body = response.content[:400].decode(errors="replace")
    assert response.status_code == expected, (
        f"{case.name} as {role}: expected {expected}, got {response.status_code}: {body}"
    )
    if expected == 401:
        assert response.has_header("WWW-Authenticate"), "a 401 must carry WWW-Authenticate (the client refreshes on it)"
    if case.check is not None:
        case.check(world, role, response)


# --- Rules the matrix cannot express in one call ----------------------------------------------------


def test_an_unpublished_course_hides_its_lessons_even_from_enrolled_students(world):
    world.course.is_published = False
    world.course.save(update_fields=["is_published"])
    client = world.client("enrolled")

    course = client.get(url("courses", world.course.slug))
    lesson = client.get(url("lessons", world.paid_lesson.slug))
    listed = client.get(url("courses"))

    assert course.status_code == 404, f"expected 404 for an unpublished course, got {course.status_code}"
    assert lesson.status_code == 404, f"expected 404 for its lesson, got {lesson.status_code}"
    assert str(world.course.pk) not in _ids(listed), "an unpublished course must leave every list"


def test_a_revoked_enrolment_gives_no_access(world):
    Enrollment.objects.filter(pk=world.enrollment.pk).update(is_active=False)

    response = world.client("enrolled").get(url("lessons", world.paid_lesson.slug))

    assert response.status_code == 200, f"expected the outline (200), got {response.status_code}"
    assert response.json()["locked"] is True, (
        f"expected locked for a revoked enrolment, got {response.json()['locked']}"
    )


def test_course_and_part_filters_of_tutor_lists_stay_within_own_courses(world):
    owner = world.client("owner")
    other = world.client("other_tutor")

    mine = owner.get(url("course-parts"), {"course": str(world.course.pk)})
    theirs = other.get(url("course-parts"), {"course": str(world.course.pk)})
    lessons = other.get(url("lessons"), {"part": str(world.part.pk)})

    assert (mine.status_code, _ids(mine)) == (200, _s(world.part)), f"got {mine.status_code} {mine.data!r}"
    assert (theirs.status_code, _ids(theirs)) == (200, set()), f"expected nothing, got {theirs.data!r}"
    assert (lessons.status_code, _ids(lessons)) == (200, set()), f"expected nothing, got {lessons.data!r}"


@pytest.mark.parametrize(
    ("kind", "attr", "body"),
    [
        ("course-parts", "part", {"order": "not a number"}),
        ("lessons", "paid_lesson", {"duration": "not a duration"}),
        ("courses", "course", {"price": "-1"}),
    ],
    ids=["part", "lesson", "course"],
)
def test_a_caller_without_the_right_gets_403_even_with_an_invalid_body(world, kind, attr, body):
    obj = getattr(world, attr)

    response = world.client("other_tutor").patch(url(kind, obj.slug), body, format="json")

    assert response.status_code == 403, (
        f"PATCH {kind} by a tutor of another course with a bad body: expected 403 (no right), "
        f"got {response.status_code}: {response.content[:300]!r}"
    )
