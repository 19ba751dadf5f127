"""Bad input on every catalog write endpoint is a 4xx with a message, never a 500 (API.md §0).

Unknown and malformed ids, out-of-range and malformed numbers, wrong types, non-images,
oversized uploads, blank titles and garbage query strings. An empty PATCH succeeds and
writes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tests.factories import image_bytes, image_upload, png_of_size
from courses.models import Category, Comment, Course, CoursePart, Enrollment, Lesson
from courses.tests.factories import (
    CategoryFactory,
    CommentFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    PartFactory,
)
from courses.tests.urls import CATEGORIES, COMMENTS, COURSES, ENROLLMENTS, LESSONS, PARTS
from users.models import Role

pytestmark = pytest.mark.django_db


# Ids that name nothing: not a number, beyond any integer column, a well-formed but unknown
# UUID, a NUL byte (PostgreSQL refuses it in text), a dict and a list.
BAD_IDS = {
    "word": "abc",
    "huge": "99999999999999999999999",
    "huge_int": 10**30,
    "unknown_uuid": "5b1f8f0e-3c2a-4d7e-9a61-0c9d2b7e4f10",
    "negative": -1,
    "nul": "ab\x00c",
    "dict": {"id": 1},
    "list": [1],
    "bool": True,
}
BAD_PATH_IDS = ["abc", "99999999999999999999999", "5b1f8f0e-3c2a-4d7e-9a61-0c9d2b7e4f10", "a" * 300, "0"]


def check(response, expected: int, what: str = ""):
    """Assert the status code, saying what was sent and what came back."""
    body = getattr(response, "data", None)
    if body is None:
        body = response.content[:500]
    assert response.status_code == expected, f"{what}: expected {expected}, got {response.status_code}: {body!r}"
    return response


def check_4xx_json(response, expected: int, what: str = ""):
    check(response, expected, what)
    assert response["Content-Type"].startswith("application/json"), (
        f"{what}: expected a JSON error body, got {response['Content-Type']}"
    )
    assert response.json(), f"{what}: expected an error message, got an empty body"
    return response


class Expect:
    """Collects every mismatch of a table-driven test, then fails once listing them all."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def status(self, response, expected: int, what: str, *, field: str | None = None) -> None:
        got = response.status_code
        if got != expected:
            body = getattr(response, "data", None) or response.content[:200]
            self.problems.append(f"{what}: expected {expected}, got {got}: {body!r:.200}")
        elif not response["Content-Type"].startswith("application/json"):
            self.problems.append(f"{what}: expected a JSON body, got {response['Content-Type']}")
        elif field is not None and field not in response.json():
            self.problems.append(f"{what}: expected the error on {field!r}, got {response.json()}")

    def done(self) -> None:
        assert self.problems == [], f"{len(self.problems)} problem(s):\n" + "\n".join(self.problems)


@pytest.fixture
def world(make_user):
    """An owner tutor with a published course (part, lesson, a student's comment), another
    tutor with a published and a draft course, an enrolled student, an admin."""
    owner = make_user(Role.TUTOR, first_name="Olga", last_name="Owner")
    other = make_user(Role.TUTOR, first_name="Oscar", last_name="Other")
    student = make_user(Role.STUDENT)
    admin = make_user(Role.ADMIN, is_staff=True, is_superuser=True)
    course = CourseFactory(tutors=[owner], title="Owner course", price=Decimal("10.00"))
    part = PartFactory(course=course, title="Owner part")
    lesson = LessonFactory(part=part, title="Owner lesson")
    other_course = CourseFactory(tutors=[other], title="Other course")
    other_part = PartFactory(course=other_course, title="Other part")
    other_lesson = LessonFactory(part=other_part, title="Other lesson")
    draft = CourseFactory(tutors=[other], title="Other draft", is_published=False, price=Decimal("0"))
    draft_part = PartFactory(course=draft, title="Draft part")
    draft_lesson = LessonFactory(part=draft_part, title="Draft lesson", is_free_preview=True)
    EnrollmentFactory(student=student, course=course)
    comment = CommentFactory(lesson=lesson, user=student, text="First!")
    category = CategoryFactory(name="Physics")
    return {
        "owner": owner,
        "other": other,
        "student": student,
        "admin": admin,
        "course": course,
        "part": part,
        "lesson": lesson,
        "other_course": other_course,
        "other_part": other_part,
        "other_lesson": other_lesson,
        "draft": draft,
        "draft_part": draft_part,
        "draft_lesson": draft_lesson,
        "comment": comment,
        "category": category,
    }


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Category, Course, CoursePart, Lesson, Comment, Enrollment)
    }


# --- Unknown and malformed ids in bodies ----------------------------------------------------------


@pytest.mark.parametrize("bad", list(BAD_IDS), ids=list(BAD_IDS))
def test_bad_foreign_key_ids_in_bodies_are_400(world, client_for, bad):
    bad_id = BAD_IDS[bad]
    owner, student, admin = world["owner"], world["student"], world["admin"]
    before = counts()
    cases = [
        (owner, "post", COURSES, {"title": "New course", "category": bad_id}, "course.category"),
        (owner, "patch", f"{COURSES}{world['course'].slug}/", {"category": bad_id}, "course PATCH category"),
        (owner, "patch", f"{COURSES}{world['course'].slug}/", {"tutors": [bad_id]}, "course PATCH tutors"),
        (owner, "patch", f"{COURSES}{world['course'].slug}/", {"tutors": bad_id}, "course PATCH tutors (scalar)"),
        (owner, "post", PARTS, {"course": bad_id, "title": "P"}, "part.course"),
        (owner, "post", LESSONS, {"part": bad_id, "title": "L"}, "lesson.part"),
        (owner, "patch", f"{LESSONS}{world['lesson'].slug}/", {"part": bad_id}, "lesson PATCH part"),
        (student, "post", COMMENTS, {"lesson": bad_id, "text": "hi"}, "comment.lesson"),
        (
            student,
            "post",
            COMMENTS,
            {"lesson": str(world["lesson"].pk), "text": "hi", "parent": bad_id},
            "comment.parent",
        ),
        (student, "post", ENROLLMENTS, {"course": bad_id}, "enrollment.course"),
        (admin, "post", ENROLLMENTS, {"course": str(world["course"].pk), "student": bad_id}, "enrollment.student"),
    ]
    problems = []
    for who, method, url, body, what in cases:
        response = getattr(client_for(who), method)(url, body, format="json")
        if response.status_code != 400 or not response["Content-Type"].startswith("application/json"):
            problems.append(f"{method.upper()} {url} with {what}={bad_id!r}: expected 400, got {response.status_code}")
    assert problems == [], "\n".join(problems)
    assert counts() == before, f"bad ids must create nothing: expected {before}, got {counts()}"


@pytest.mark.parametrize("slug", BAD_PATH_IDS)
def test_unknown_and_malformed_ids_in_paths_are_404(world, client_for, slug):
    owner, admin, student = world["owner"], world["admin"], world["student"]
    problems = []
    for who, base in [
        (owner, COURSES),
        (owner, PARTS),
        (owner, LESSONS),
        (admin, CATEGORIES),
        (student, COMMENTS),
        (student, ENROLLMENTS),
        (None, COURSES),
        (None, CATEGORIES),
        (None, LESSONS),
    ]:
        url = f"{base}{slug}/"
        client = client_for(who)
        methods = ["get"] if who is None or base == ENROLLMENTS else ["get", "patch", "delete"]
        for method in methods:
            response = getattr(client, method)(url, {"title": "x"} if method == "patch" else None, format="json")
            if response.status_code != 404 or not response["Content-Type"].startswith("application/json"):
                who_label = "anonymous" if who is None else f"role {who.role}"
                problems.append(f"{method.upper()} {url} as {who_label}: expected 404, got {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_nul_byte_in_path_is_404(world, client_for):
    for base in (COURSES, PARTS, LESSONS, CATEGORIES, COMMENTS, ENROLLMENTS):
        response = client_for(world["admin"]).get(f"{base}ab%00c/")
        check(response, 404, f"GET {base}ab%00c/")


def test_uuid_of_someone_elses_published_course_part_is_403(world, client_for):
    """Visible but not managed: the caller knows the object exists, so 403."""
    owner = world["owner"]
    before = counts()
    client = client_for(owner)
    check_4xx_json(
        client.post(PARTS, {"course": str(world["other_course"].pk), "title": "Mine now"}, format="json"),
        403,
        "POST part into another tutor's course",
    )
    check_4xx_json(
        client.post(LESSONS, {"part": str(world["other_part"].pk), "title": "Mine now"}, format="json"),
        403,
        "POST lesson into another tutor's part",
    )
    check_4xx_json(
        client.patch(f"{PARTS}{world['other_part'].slug}/", {"title": "Hijacked"}, format="json"),
        403,
        "PATCH another tutor's part",
    )
    check_4xx_json(
        client.patch(f"{LESSONS}{world['other_lesson'].slug}/", {"title": "Hijacked"}, format="json"),
        403,
        "PATCH another tutor's lesson",
    )
    check_4xx_json(
        client.patch(f"{COURSES}{world['other_course'].slug}/", {"title": "Hijacked"}, format="json"),
        403,
        "PATCH another tutor's course",
    )
    student = world["student"]
    check_4xx_json(
        client_for(student).post(COMMENTS, {"lesson": str(world["other_lesson"].pk), "text": "hi"}, format="json"),
        403,
        "comment on a lesson of a course the student is not enrolled in",
    )
    check_4xx_json(
        client_for(owner).post(
            ENROLLMENTS, {"course": str(world["other_course"].pk), "student": student.pk}, format="json"
        ),
        403,
        "tutor granting access to another tutor's course",
    )
    assert counts() == before, f"expected no change, got {counts()} (was {before})"
    world["other_part"].refresh_from_db()
    world["other_lesson"].refresh_from_db()
    assert world["other_part"].title == "Other part"
    assert world["other_lesson"].title == "Other lesson"


def test_uuid_of_someone_elses_draft_is_unknown(world, client_for):
    """A draft of someone else does not exist for the caller: 400 in bodies, 404 in paths."""
    owner, student = world["owner"], world["student"]
    before = counts()
    client = client_for(owner)
    check_4xx_json(
        client.post(PARTS, {"course": str(world["draft"].pk), "title": "x"}, format="json"), 400, "part → draft"
    )
    check_4xx_json(
        client.post(LESSONS, {"part": str(world["draft_part"].pk), "title": "x"}, format="json"),
        400,
        "lesson → draft part",
    )
    check_4xx_json(client.get(f"{COURSES}{world['draft'].slug}/"), 404, "GET another tutor's draft")
    check_4xx_json(client.patch(f"{COURSES}{world['draft'].slug}/", {}, format="json"), 404, "PATCH draft")
    check_4xx_json(client.get(f"{PARTS}{world['draft_part'].slug}/"), 404, "GET draft part")
    check_4xx_json(client.get(f"{LESSONS}{world['draft_lesson'].slug}/"), 404, "GET draft lesson")
    check_4xx_json(
        client_for(student).post(COMMENTS, {"lesson": str(world["draft_lesson"].pk), "text": "hi"}, format="json"),
        400,
        "comment → draft lesson",
    )
    check_4xx_json(
        client_for(student).post(ENROLLMENTS, {"course": str(world["draft"].pk)}, format="json"),
        400,
        "enrol → draft",
    )
    assert counts() == before, f"expected no change, got {counts()} (was {before})"


def test_moving_a_lesson_to_a_part_of_another_course_is_400(world, client_for):
    lesson = world["lesson"]
    for part_key in ("other_part", "draft_part"):
        response = client_for(world["owner"]).patch(
            f"{LESSONS}{lesson.slug}/", {"part": str(world[part_key].pk)}, format="json"
        )
        check_4xx_json(response, 400, f"move lesson to {part_key}")
        lesson.refresh_from_db()
        assert lesson.part_id == world["part"].pk, f"expected the lesson to stay in its part, got {lesson.part_id}"


def test_comment_reply_to_a_comment_of_another_lesson_is_400(world, client_for):
    student = world["student"]
    second = LessonFactory(part=world["part"], title="Second")
    response = client_for(student).post(
        COMMENTS, {"lesson": str(second.pk), "text": "reply", "parent": str(world["comment"].pk)}, format="json"
    )
    check_4xx_json(response, 400, "reply across lessons")
    assert "parent" in response.json(), f"expected the error on 'parent', got {response.json()}"


def test_missing_required_fields_are_400(world, client_for):
    owner, student, admin = world["owner"], world["student"], world["admin"]
    before = counts()
    for who, url, field in [
        (owner, COURSES, "title"),
        (owner, PARTS, "course"),
        (owner, LESSONS, "part"),
        (admin, CATEGORIES, "name"),
        (student, COMMENTS, "lesson"),
        (student, ENROLLMENTS, "course"),
    ]:
        response = client_for(who).post(url, {}, format="json")
        check_4xx_json(response, 400, f"POST {url} {{}}")
        assert field in response.json(), f"POST {url} {{}}: expected an error on {field!r}, got {response.json()}"
    assert counts() == before


def test_malformed_bodies_are_400(world, client_for):
    owner = world["owner"]
    client = client_for(owner)
    for raw, content_type in [
        (b'{"title": "\xff\xfe"}', "application/json"),
        (b'{"title": ', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b'{"title": NaN}', "application/json"),
    ]:
        response = client.generic("POST", COURSES, raw, content_type=content_type)
        check_4xx_json(response, 400, f"POST course body {raw!r}")
    response = client.generic("PATCH", f"{COURSES}{world['course'].slug}/", b"\xff\xfe\x00", "application/json")
    check_4xx_json(response, 400, "PATCH with a non-UTF-8 body")
    response = client.generic("POST", COURSES, b"title=x", content_type="text/plain")
    check_4xx_json(response, 415, "POST with an unsupported media type")


# --- Money -------------------------------------------------------------------------------------------------


BAD_PRICES = [
    "-1",
    -0.01,
    "1.999",
    1.999,
    1e12,
    "1000000000000",
    10**30,
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "abc",
    "",
    [],
    {"a": 1},
    True,
]


def test_bad_prices_are_400(world, client_for):
    client = client_for(world["owner"])
    course = world["course"]
    expect = Expect()
    for price in BAD_PRICES:
        response = client.post(COURSES, {"title": "Priced", "price": price}, format="json")
        expect.status(response, 400, f"POST course price={price!r}", field="price")
        response = client.patch(f"{COURSES}{course.slug}/", {"price": price}, format="json")
        expect.status(response, 400, f"PATCH course price={price!r}", field="price")
    for price in ["NaN", "Infinity", "-5", "1.234", "1e12", "abc"]:
        response = client.patch(f"{COURSES}{course.slug}/", {"price": price}, format="multipart")
        expect.status(response, 400, f"multipart PATCH price={price!r}", field="price")
    expect.done()
    course.refresh_from_db()
    assert course.price == Decimal("10.00"), f"expected the price unchanged (10.00), got {course.price}"
    assert not Course.objects.filter(title="Priced").exists(), "no course may be created with a bad price"


def test_good_prices_are_accepted(world, client_for):
    client = client_for(world["owner"])
    for price, expected in [
        ("0", "0.00"),
        (0, "0.00"),
        ("49.99", "49.99"),
        (49.9, "49.90"),
        ("99999999.99", "99999999.99"),
    ]:
        response = check(
            client.patch(f"{COURSES}{world['course'].slug}/", {"price": price}, format="json"), 200, f"price={price!r}"
        )
        assert response.json()["price"] == expected, (
            f"price={price!r}: expected {expected}, got {response.json()['price']}"
        )


# --- Thumbnails --------------------------------------------------------------------------------------------


def test_non_image_thumbnail_is_400(world, client_for):
    client = client_for(world["owner"])
    course = world["course"]
    fake = image_upload("x.png", b"this is plain text, not an image", "image/png")
    response = client.patch(f"{COURSES}{course.slug}/", {"thumbnail": fake}, format="multipart")
    check_4xx_json(response, 400, "PATCH thumbnail=text file named x.png")
    assert "thumbnail" in response.json(), f"expected the error on 'thumbnail', got {response.json()}"
    course.refresh_from_db()
    assert not course.thumbnail, f"expected no thumbnail stored, got {course.thumbnail.name!r}"

    fake = image_upload("x.png", b"this is plain text, not an image", "image/png")
    response = client.post(COURSES, {"title": "With fake image", "thumbnail": fake}, format="multipart")
    check_4xx_json(response, 400, "POST thumbnail=text file named x.png")
    assert not Course.objects.filter(title="With fake image").exists()


def test_unsupported_image_format_thumbnail_is_400(world, client_for):
    bmp = image_upload("x.png", image_bytes(fmt="BMP"), "image/png")
    response = client_for(world["owner"]).patch(
        f"{COURSES}{world['course'].slug}/", {"thumbnail": bmp}, format="multipart"
    )
    check_4xx_json(response, 400, "PATCH thumbnail=BMP image")


def test_oversized_thumbnail_is_400(world, client_for, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 50
    image = image_bytes(size=(64, 64))
    assert len(image) > 50
    course = world["course"]
    response = client_for(world["owner"]).patch(
        f"{COURSES}{course.slug}/", {"thumbnail": image_upload("big.png", image)}, format="multipart"
    )
    check_4xx_json(response, 400, f"PATCH thumbnail of {len(image)} bytes with a 50-byte limit")
    course.refresh_from_db()
    assert not course.thumbnail, f"expected no thumbnail stored, got {course.thumbnail.name!r}"


def test_real_thumbnail_within_the_limit_is_accepted(world, client_for):
    response = client_for(world["owner"]).patch(
        f"{COURSES}{world['course'].slug}/", {"thumbnail": image_upload("ok.png")}, format="multipart"
    )
    check(response, 200, "PATCH with a real PNG")
    assert "/media/thumbnails/" in response.json()["thumbnail"], response.json()["thumbnail"]


def test_decompression_bomb_thumbnail_is_400_naming_the_pixel_limit(world, client_for):
    """A 12,000 x 12,000 PNG: a few kilobytes on the wire, 144 megapixels once decoded."""
    bomb = png_of_size(12_000, 12_000)
    assert len(bomb) < 50_000
    client, course = client_for(world["owner"]), world["course"]

    patched = client.patch(
        f"{COURSES}{course.slug}/", {"thumbnail": image_upload("bomb.png", bomb)}, format="multipart"
    )
    created = client.post(COURSES, {"title": "Bomb", "thumbnail": image_upload("bomb.png", bomb)}, format="multipart")

    for response, what in ((patched, "PATCH"), (created, "POST")):
        check_4xx_json(response, 400, f"{what} a 12000x12000 thumbnail")
        message = " ".join(response.json()["thumbnail"])
        assert "8000" in message and "pixels" in message, f"the message must name the limit, got {message!r}"
    course.refresh_from_db()
    assert not course.thumbnail
    assert not Course.objects.filter(title="Bomb").exists()


def test_thumbnail_pixel_limit_follows_the_setting(world, client_for, settings):
    settings.MAX_THUMBNAIL_PIXELS_SIDE = 100
    client, url = client_for(world["owner"]), f"{COURSES}{world['course'].slug}/"

    too_big = client.patch(url, {"thumbnail": image_upload("a.png", png_of_size(101, 50))}, format="multipart")
    at_the_limit = client.patch(url, {"thumbnail": image_upload("b.png", png_of_size(100, 100))}, format="multipart")

    check_4xx_json(too_big, 400, "PATCH a 101x50 thumbnail with a 100-pixel limit")
    assert "100" in " ".join(too_big.json()["thumbnail"]), too_big.json()
    check(at_the_limit, 200, "PATCH a 100x100 thumbnail with a 100-pixel limit")


# --- Titles ------------------------------------------------------------------------------------------------


def test_blank_course_and_lesson_titles_are_400(world, client_for):
    client = client_for(world["owner"])
    before = counts()
    expect = Expect()
    for title in ["", "   ", "\t\n"]:
        expect.status(client.post(COURSES, {"title": title}, format="json"), 400, f"POST course title={title!r}")
        expect.status(
            client.post(LESSONS, {"part": str(world["part"].pk), "title": title}, format="json"),
            400,
            f"POST lesson title={title!r}",
        )
        expect.status(
            client.patch(f"{COURSES}{world['course'].slug}/", {"title": title}, format="json"),
            400,
            f"PATCH course title={title!r}",
        )
        expect.status(
            client.patch(f"{LESSONS}{world['lesson'].slug}/", {"title": title}, format="json"),
            400,
            f"PATCH lesson title={title!r}",
        )
        expect.status(
            client_for(world["admin"]).post(CATEGORIES, {"name": title}, format="json"),
            400,
            f"POST category name={title!r}",
        )
    expect.done()
    assert counts() == before


def test_blank_part_titles_are_fine(world, client_for):
    client = client_for(world["owner"])
    response = check(
        client.post(PARTS, {"course": str(world["course"].pk), "title": "", "description": ""}, format="json"),
        201,
        "POST part with a blank title",
    )
    assert response.json()["title"] == ""
    assert response.json()["slug"].startswith("part"), response.json()["slug"]
    response = check(
        client.patch(f"{PARTS}{world['part'].slug}/", {"title": ""}, format="json"), 200, "PATCH part title ''"
    )
    assert response.json()["title"] == ""
    response = check(client.post(PARTS, {"course": str(world["course"].pk)}, format="json"), 201, "POST part, no title")
    assert response.json()["order"] == 0


# --- Wrong types -------------------------------------------------------------------------------------------


BAD_TITLES = [["a", "b"], {"x": 1}, True, None, "x" * 201]
BAD_ORDERS = ["abc", -1, 10**9, 10**30, "1.5", 1.5, [], True, None]
BAD_DURATIONS = [
    "abc",
    "1:2",
    -5,
    "-5",
    "99:99:99",
    "00:60:00",
    "1:2:3:4",
    True,
    1.5,
    10**12,
    "",
    None,
    [],
    "101:00:00",
]


def test_wrong_title_types_are_400(world, client_for):
    client = client_for(world["owner"])
    expect = Expect()
    for title in BAD_TITLES:
        for method, url, body in [
            ("post", COURSES, {"title": title}),
            ("patch", f"{COURSES}{world['course'].slug}/", {"title": title}),
            ("post", PARTS, {"course": str(world["course"].pk), "title": title}),
            ("patch", f"{PARTS}{world['part'].slug}/", {"title": title}),
            ("post", LESSONS, {"part": str(world["part"].pk), "title": title}),
            ("patch", f"{LESSONS}{world['lesson'].slug}/", {"title": title}),
        ]:
            response = getattr(client, method)(url, body, format="json")
            expect.status(response, 400, f"{method.upper()} {url} title={title!r:.30}", field="title")
    expect.done()


def test_wrong_orders_are_400(world, client_for):
    client = client_for(world["owner"])
    before = counts()
    expect = Expect()
    for order in BAD_ORDERS:
        for method, url, body in [
            ("post", PARTS, {"course": str(world["course"].pk), "title": "P", "order": order}),
            ("patch", f"{PARTS}{world['part'].slug}/", {"order": order}),
            ("post", LESSONS, {"part": str(world["part"].pk), "title": "L", "order": order}),
            ("patch", f"{LESSONS}{world['lesson'].slug}/", {"order": order}),
        ]:
            response = getattr(client, method)(url, body, format="json")
            expect.status(response, 400, f"{method.upper()} {url} order={order!r}", field="order")
    expect.done()
    assert counts() == before


def test_wrong_durations_are_400(world, client_for):
    client = client_for(world["owner"])
    before = counts()
    expect = Expect()
    for duration in BAD_DURATIONS:
        for method, url, body in [
            ("post", LESSONS, {"part": str(world["part"].pk), "title": "L", "duration": duration}),
            ("patch", f"{LESSONS}{world['lesson'].slug}/", {"duration": duration}),
        ]:
            response = getattr(client, method)(url, body, format="json")
            expect.status(response, 400, f"{method.upper()} {url} duration={duration!r}", field="duration")
    expect.done()
    assert counts() == before
    world["lesson"].refresh_from_db()
    assert world["lesson"].duration == timedelta(minutes=5), world["lesson"].duration


def test_good_durations_are_accepted(world, client_for):
    client = client_for(world["owner"])
    for duration, expected in [
        (125, "00:02:05"),
        ("125", "00:02:05"),
        (125.0, "00:02:05"),
        ("01:02:03", "01:02:03"),
        (0, "00:00:00"),
        ("100:00:00", "100:00:00"),
    ]:
        response = client.patch(f"{LESSONS}{world['lesson'].slug}/", {"duration": duration}, format="json")
        check(response, 200, f"duration={duration!r}")
        assert response.json()["duration"] == expected, (
            f"{duration!r}: expected {expected}, got {response.json()['duration']}"
        )


def test_other_wrong_types_are_400(world, client_for):
    client = client_for(world["owner"])
    course_url = f"{COURSES}{world['course'].slug}/"
    lesson_url = f"{LESSONS}{world['lesson'].slug}/"
    for url, body in [
        (course_url, {"is_published": "maybe"}),
        (course_url, {"is_published": [True]}),
        (course_url, {"description": ["a"]}),
        (course_url, {"description": "x" * 20001}),
        (course_url, {"currency": "XYZ"}),
        (course_url, {"tutors": "not-a-list"}),
        (course_url, {"tutors": []}),
        (lesson_url, {"is_free_preview": "maybe"}),
        (lesson_url, {"video_service_id": ["a"]}),
        (lesson_url, {"video_service_id": "v" * 101}),
        (lesson_url, {"description": {"a": 1}}),
    ]:
        check_4xx_json(client.patch(url, body, format="json"), 400, f"PATCH {url} {str(body)[:60]}")
    student = world["student"]
    for body in [
        {"lesson": str(world["lesson"].pk), "text": ""},
        {"lesson": str(world["lesson"].pk), "text": "x" * 5001},
        {"lesson": str(world["lesson"].pk), "text": ["a"]},
    ]:
        check_4xx_json(client_for(student).post(COMMENTS, body, format="json"), 400, f"POST comment {str(body)[:60]}")
    admin = client_for(world["admin"])
    for body in [{"name": ["a"]}, {"name": "x" * 101}, {"name": "physics"}]:
        check_4xx_json(admin.post(CATEGORIES, body, format="json"), 400, f"POST category {body!r:.60}")


def test_non_tutor_tutors_are_400(world, client_for):
    response = client_for(world["owner"]).patch(
        f"{COURSES}{world['course'].slug}/", {"tutors": [world["student"].pk]}, format="json"
    )
    check_4xx_json(response, 400, "make a student a tutor")
    assert list(world["course"].tutors.all()) == [world["owner"]]


# --- Empty PATCH: success, no write ------------------------------------------------------------------------


def _assert_no_write(client, url, instance, body, what, *, fmt="json"):
    model = type(instance)
    before = model.objects.get(pk=instance.pk).updated_at
    with CaptureQueriesContext(connection) as ctx:
        response = client.patch(url, body, format=fmt)
    check(response, 200, what)
    writes = [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    assert writes == [], f"{what}: expected no write statement, got {writes}"
    after = model.objects.get(pk=instance.pk).updated_at
    assert after == before, f"{what}: expected updated_at unchanged ({before}), got {after}"
    return response


def test_empty_patch_succeeds_without_writing(world, client_for):
    owner = client_for(world["owner"])
    course, part, lesson = world["course"], world["part"], world["lesson"]
    _assert_no_write(owner, f"{COURSES}{course.slug}/", course, {}, "PATCH course {}")
    _assert_no_write(owner, f"{COURSES}{course.slug}/", course, {}, "multipart PATCH course {}", fmt="multipart")
    _assert_no_write(owner, f"{PARTS}{part.slug}/", part, {}, "PATCH part {}")
    _assert_no_write(owner, f"{LESSONS}{lesson.slug}/", lesson, {}, "PATCH lesson {}")
    category = world["category"]
    _assert_no_write(client_for(world["admin"]), f"{CATEGORIES}{category.pk}/", category, {}, "PATCH category {}")


def test_empty_comment_patch_succeeds_without_writing(world, client_for):
    """API.md §0: every update works as PATCH with any subset of fields, including {}."""
    comment = world["comment"]
    response = _assert_no_write(
        client_for(world["student"]), f"{COMMENTS}{comment.pk}/", comment, {}, "PATCH comment {}"
    )
    assert response.json()["text"] == "First!"
    comment.refresh_from_db()
    assert comment.is_edited is False, "an empty PATCH must not mark the comment as edited"


def test_patch_with_unchanged_values_writes_nothing(world, client_for):
    """The editor re-sends the whole form: identical values are not a change."""
    owner = client_for(world["owner"])
    course, part, lesson = world["course"], world["part"], world["lesson"]
    _assert_no_write(
        owner,
        f"{COURSES}{course.slug}/",
        course,
        {
            "title": course.title,
            "description": course.description,
            "price": str(course.price),
            "is_published": True,
            "category": None,
            "tutors": [world["owner"].pk],
        },
        "PATCH course with its own values",
    )
    _assert_no_write(
        owner,
        f"{COURSES}{course.slug}/",
        course,
        {
            "title": course.title,
            "description": course.description,
            "price": "10",
            "is_published": "true",
            "category": "",
        },
        "multipart PATCH course with its own values",
        fmt="multipart",
    )
    _assert_no_write(
        owner,
        f"{PARTS}{part.slug}/",
        part,
        {"title": part.title, "order": part.order, "description": part.description},
        "PATCH part with its own values",
    )
    _assert_no_write(
        owner,
        f"{LESSONS}{lesson.slug}/",
        lesson,
        {"title": lesson.title, "order": lesson.order, "duration": "00:05:00", "is_free_preview": False},
        "PATCH lesson with its own values",
    )
    _assert_no_write(
        client_for(world["student"]),
        f"{COMMENTS}{world['comment'].pk}/",
        world["comment"],
        {"text": "First!"},
        "PATCH comment with its own text",
    )


# --- Query strings -----------------------------------------------------------------------------------------


COURSE_LIST_PARAMS = [
    ("page=abc", 404),
    ("page=0", 404),
    ("page=999", 404),
    ("page=99999999999999999999999", 404),
    ("page_size=abc", 200),
    ("page_size=-5", 200),
    ("page_size=99999999999999999999999", 200),
    ("min_price=abc", 400),
    ("min_price=-1", 400),
    ("min_price=NaN", 400),
    ("max_price=Infinity", 400),
    ("max_price=1e400", 400),
    ("max_price=99999999999999999999999", 400),
    (f"category={'9' * 30}", 200),
    (f"category={'9' * 18}", 200),
    (f"category={'x' * 500}", 400),
    ("category=%00", 400),
    ("category=-1", 200),
    ("tutor=garbage", 200),
    ("tutor=%00", 400),
    (f"tutor={'1' * 40}", 400),
    ("is_free=maybe", 200),
    ("ordering=not_a_field", 200),
    ("ordering=-", 200),
    ("ordering=tutors__password", 200),
    ("search=%00", 400),
    (f"search={'word ' * 100}", 400),
    ("search=%22%27%3B--%20(", 200),
    ("search=!!!%20%26%20|", 200),
    ("mine=maybe", 200),
    # Discovery (issue 19): bad filter values are 400s with a message, never 500s.
    ("price_min=abc", 400),
    ("price_max=1e400", 400),
    ("level=expert", 400),
    ("level=%00", 400),
    ("rating_min=9", 400),
    ("rating_min=NaN", 400),
    ("price_type=cheap", 400),
    ("duration_min=-1", 400),
    ("duration_max=99999999999999999999", 400),
    ("facets=everything", 400),
    ("facets=%00", 400),
    (f"facets={'level,' * 50}", 400),
    (f"category={','.join(['x'] * 30)}", 400),
    ("category=a,%00", 400),
    ("limit=abc", 200),
    ("limit=-3", 200),
    ("limit=99999999999999999999999", 200),
    ("ordering=relevance", 200),
    ("ordering=-relevance&search=x", 200),
    ("search=%22unclosed%20-%20or%20OR", 200),
    ("search=___%25%25\\", 200),
    ("facets=level&search=%E2%9C%93%F0%9F%90%8D", 200),
]


@pytest.mark.parametrize("who", ["anonymous", "tutor"])
def test_course_list_garbage_query_strings_never_500(world, client_for, who):
    client = client_for(world["owner"] if who == "tutor" else None)
    expect = Expect()
    for query, expected in COURSE_LIST_PARAMS:
        expect.status(client.get(f"{COURSES}?{query}"), expected, f"GET courses/?{query[:60]} as {who}")
    expect.done()


def test_unfiltering_garbage_keeps_the_full_list(world, client_for):
    """Values the filters ignore (bad page_size, unknown ordering) still list every published course."""
    published = Course.objects.filter(is_published=True).count()
    for query in ("page_size=abc", "ordering=not_a_field", "is_free=maybe"):
        data = check(client_for(None).get(f"{COURSES}?{query}"), 200, query).json()
        assert data["count"] == published, f"?{query}: expected {published} courses, got {data['count']}"
    data = check(client_for(None).get(f"{COURSES}?tutor=garbage"), 200, "tutor=garbage").json()
    assert data["count"] == 0, f"?tutor=garbage: expected no course, got {data['count']}"


OTHER_LIST_PARAMS = [
    ("owner", f"{PARTS}?course=abc", 400),
    ("owner", f"{PARTS}?course=99999999999999999999999", 400),
    ("owner", f"{PARTS}?course=%00", 400),
    ("owner", f"{LESSONS}?part=abc", 400),
    ("owner", f"{LESSONS}?part=-1", 400),
    ("owner", f"{PARTS}?page=abc", 404),
    ("owner", f"{LESSONS}?page_size=abc", 200),
    ("student", f"{COMMENTS}?lesson=abc", 400),
    ("student", f"{COMMENTS}?lesson=99999999999999999999999", 400),
    ("student", f"{COMMENTS}?lesson=5b1f8f0e-3c2a-4d7e-9a61-0c9d2b7e4f10", 400),
    ("student", f"{COMMENTS}?lesson=%00", 400),
    ("student", f"{COMMENTS}", 400),
    ("admin", f"{COMMENTS}?parent=abc", 400),
    ("admin", f"{ENROLLMENTS}?course=abc", 400),
    ("admin", f"{ENROLLMENTS}?student={'1' * 40}", 400),
    ("admin", f"{ENROLLMENTS}?student=%00", 400),
    ("admin", f"{ENROLLMENTS}?student=abc", 200),
    ("anonymous", f"{CATEGORIES}?page=abc", 404),
    ("anonymous", f"{CATEGORIES}?page_size=abc", 200),
]


def test_other_list_garbage_query_strings_never_500(world, client_for):
    expect = Expect()
    for who, url, expected in OTHER_LIST_PARAMS:
        client = client_for(None if who == "anonymous" else world[who])
        expect.status(client.get(url), expected, f"GET {url} as {who}")
    expect.done()


def test_comment_list_with_a_lesson_the_student_may_not_watch_is_403(world, client_for):
    response = client_for(world["student"]).get(f"{COMMENTS}?lesson={world['other_lesson'].pk}")
    check_4xx_json(response, 403, "comments of a lesson of a course the student is not enrolled in")


def test_multipart_patch_with_an_empty_thumbnail_writes_nothing(world, client_for):
    """The editor's multipart form carries ``thumbnail=""`` when no file was picked."""
    course = world["course"]
    _assert_no_write(
        client_for(world["owner"]),
        f"{COURSES}{course.slug}/",
        course,
        {"title": course.title, "price": "10.00", "is_published": "true", "category": "", "thumbnail": ""},
        "multipart PATCH course with its own values and thumbnail=''",
        fmt="multipart",
    )


def test_empty_multipart_thumbnail_keeps_the_current_thumbnail(world, client_for):
    """The editor's multipart PATCH sends ``thumbnail=""`` when no new file was picked:
    that is "no change" (OptionalImageField); only an explicit JSON null clears it."""
    client = client_for(world["owner"])
    url = f"{COURSES}{world['course'].slug}/"
    check(client.patch(url, {"thumbnail": image_upload("keep.png")}, format="multipart"), 200, "upload a thumbnail")
    course = Course.objects.get(pk=world["course"].pk)
    stored = course.thumbnail.name
    assert stored.startswith("thumbnails/"), stored

    response = check(client.patch(url, {"title": "Renamed", "thumbnail": ""}, format="multipart"), 200, "thumbnail=''")
    course.refresh_from_db()
    assert course.thumbnail.name == stored, f"expected the thumbnail kept ({stored!r}), got {course.thumbnail.name!r}"
    assert stored in response.json()["thumbnail"], response.json()["thumbnail"]

    check(client.patch(url, {"thumbnail": None}, format="json"), 200, "thumbnail=null")
    course.refresh_from_db()
    assert not course.thumbnail, f"expected JSON null to clear the thumbnail, got {course.thumbnail.name!r}"


def test_a_category_name_taken_between_the_check_and_the_insert_is_400_not_500():
    # Concurrent creates both pass the serializer's "name is free" check; the database's
    # constraint then refuses the later one. The service answers that as the same 400.
    from core.exceptions import ServiceError
    from courses import services

    CategoryFactory(name="Race Cat")
    with pytest.raises(ServiceError) as created:
        services.category_create(name="race cat")
    with pytest.raises(ServiceError) as renamed:
        services.category_update(category=CategoryFactory(name="Other"), data={"name": "RACE CAT"})
    for refused in (created.value, renamed.value):
        assert (refused.field, refused.message, refused.status) == (
            "name",
            "A category with this name already exists.",
            400,
        )
    assert sorted(Category.objects.values_list("name", flat=True)) == ["Other", "Race Cat"]
