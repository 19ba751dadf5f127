"""The course editor of the web client, step by step, as a tutor (contract 2.2-2.4),
and what the public catalog then shows of the result."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from core.tests.factories import image_upload
from courses.models import Course, CoursePart, Lesson, TutorInvitation, TutorInvitationStatus
from courses.tests.contract import COURSE_LIST_KEYS as LIST_KEYS
from courses.tests.contract import ok
from courses.tests.factories import CategoryFactory, CourseFactory, LessonFactory, PartFactory
from courses.tests.urls import COURSES, INVITATIONS, LESSONS, PARTS
from users.models import Role

pytestmark = pytest.mark.django_db


TUTOR_KEYS = {"id", "first_name", "last_name", "avatar"}
PART_BRIEF_KEYS = {"id", "title", "slug", "order"}
PART_DETAIL_KEYS = {"id", "title", "slug", "description", "order", "lessons"}
LESSON_OUTLINE_KEYS = {"id", "title", "slug", "description", "order", "duration", "is_free_preview", "created_at"}
PART_WRITE_KEYS = {"id", "slug", "course", "title", "description", "order", "created_at", "updated_at"}


def timestamps(*objects) -> list:
    return [type(obj).objects.values_list("updated_at", flat=True).get(pk=obj.pk) for obj in objects]


def test_tutor_builds_a_course_from_draft_to_published_and_the_catalog_shows_it(client_for, tutor):
    client = client_for(tutor)

    # 1. Create the draft, as JSON, the way the client's form sends it.
    created = ok(
        client.post(
            COURSES,
            {
                "title": "Linear Algebra",
                "description": "Vectors and matrices.",
                "category": "",
                "price": "49.99",
                "is_published": False,
            },
            format="json",
        ),
        201,
    )
    assert created["id"] and created["slug"] == "linear-algebra", f"got id={created['id']!r} slug={created['slug']!r}"
    assert [t["id"] for t in created["tutors"]] == [tutor.pk], f"the creator must teach it, got {created['tutors']!r}"
    assert (created["category"], created["price"], created["is_published"]) == (None, "49.99", False)
    course = Course.objects.get(pk=created["id"])
    course_url = f"{COURSES}{course.slug}/"

    # 2. Multipart PATCH with a real image and the form's string values.
    patched = ok(
        client.patch(
            course_url,
            {
                "thumbnail": image_upload("cover.png"),
                "is_published": "false",
                "category": "",
                "price": "49.99",
                "title": "Linear Algebra",
            },
            format="multipart",
        ),
        200,
    )
    assert patched["thumbnail"].startswith("http://testserver/media/thumbnails/"), (
        f"expected an absolute /media/thumbnails/ URL, got {patched['thumbnail']!r}"
    )
    course.refresh_from_db()
    assert course.thumbnail.name.startswith("thumbnails/") and default_storage.exists(course.thumbnail.name), (
        f"expected the file stored under thumbnails/, got {course.thumbnail.name!r}"
    )
    assert (course.is_published, course.category_id, str(course.price)) == (False, None, "49.99")

    # A category can be set by id and cleared again with "".
    category = CategoryFactory(name="Algebra")
    assert ok(client.patch(course_url, {"category": category.pk}, format="json"), 200)["category"] == {
        "id": category.pk,
        "name": "Algebra",
        "slug": category.slug,
    }
    assert ok(client.patch(course_url, {"category": ""}, format="json"), 200)["category"] is None

    # 3. Two parts with blank titles and 0-based order (created out of order on purpose).
    second = ok(client.post(PARTS, {"course": str(course.pk), "title": "", "description": "", "order": 1}), 201)
    first = ok(client.post(PARTS, {"course": str(course.pk), "title": "", "description": "", "order": 0}), 201)
    assert set(first) == PART_WRITE_KEYS, f"expected {sorted(PART_WRITE_KEYS)}, got {sorted(first)}"
    assert first["slug"] and second["slug"] and first["slug"] != second["slug"], "blank titles still need unique slugs"
    assert (first["course"], first["order"], second["order"]) == (str(course.pk), 0, 1)

    # 4. Lessons: every accepted duration spelling reads back as "HH:MM:SS".
    spellings = [("Intro", 1, "125"), ("Setup", 0, 125), ("Extra", 1, "00:02:05")]
    lessons = {}
    for title, order, duration in spellings:
        data = ok(
            client.post(
                LESSONS, {"part": first["id"], "title": title, "order": order, "duration": duration}, format="json"
            ),
            201,
        )
        assert data["duration"] == "00:02:05", f"duration {duration!r}: expected '00:02:05', got {data['duration']!r}"
        lessons[title] = data
    deep = ok(
        client.post(LESSONS, {"part": second["id"], "title": "Deep dive", "duration": "3600"}, format="json"), 201
    )
    assert deep["duration"] == "01:00:00", f"got {deep['duration']!r}"
    assert {
        d.total_seconds() for d in Lesson.objects.filter(part_id=first["id"]).values_list("duration", flat=True)
    } == {125.0}

    # 5. Bursts of empty PATCHes: each succeeds and writes nothing.
    part = CoursePart.objects.get(pk=first["id"])
    lesson = Lesson.objects.get(pk=lessons["Intro"]["id"])
    before = timestamps(course, part, lesson)
    for _ in range(3):
        ok(client.patch(course_url, {}, format="json"), 200)
        ok(client.patch(f"{PARTS}{part.slug}/", {}, format="json"), 200)
        ok(client.patch(f"{LESSONS}{lesson.slug}/", {}, format="json"), 200)
    after = timestamps(course, part, lesson)
    assert after == before, f"an empty PATCH must not write: updated_at before {before}, after {after}"

    # 6. Publish with the form's string boolean.
    assert ok(client.patch(course_url, {"is_published": "true"}, format="json"), 200)["is_published"] is True
    course.refresh_from_db()
    assert course.is_published is True

    # 7. The anonymous catalog: list item.
    anonymous = client_for(None)
    listed = ok(anonymous.get(COURSES), 200)
    items = [item for item in listed["results"] if item["id"] == str(course.pk)]
    assert len(items) == 1, f"the published course must be listed once, got {listed['results']!r}"
    item = items[0]
    assert set(item) == LIST_KEYS, f"list item keys: expected {sorted(LIST_KEYS)}, got {sorted(item)}"
    assert item["price"] == "49.99" and item["is_free"] is False, f"got price {item['price']!r}"
    assert isinstance(item["rating"], int | float) and not isinstance(item["rating"], bool) and item["rating"] == 0, (
        f"rating must be the number 0 without reviews, got {item['rating']!r}"
    )
    assert item["is_enrolled"] is False, "anonymous visitors are never enrolled"
    assert (item["lessons_count"], item["students_count"], item["reviews_count"]) == (4, 0, 0)
    assert item["duration"] == "01:06:15", f"3 x 125 s + 3600 s = 01:06:15, got {item['duration']!r}"
    assert item["thumbnail"].startswith("http://testserver/media/thumbnails/"), f"got {item['thumbnail']!r}"
    assert [t["id"] for t in item["tutors"]] == [tutor.pk] and set(item["tutors"][0]) == TUTOR_KEYS
    assert [p["id"] for p in item["parts"]] == [first["id"], second["id"]], f"parts by order, got {item['parts']!r}"
    assert all(set(p) == PART_BRIEF_KEYS for p in item["parts"]), f"got {item['parts']!r}"

    # 8. The anonymous catalog: detail, parts and lessons sorted by order then creation.
    detail = ok(anonymous.get(course_url), 200)
    assert set(detail) == LIST_KEYS | {"progress"}, (
        f"detail keys: expected {sorted(LIST_KEYS)} + progress, got {sorted(detail)}"
    )
    assert detail["progress"] is None, "an anonymous visitor has no progress"
    assert [p["id"] for p in detail["parts"]] == [first["id"], second["id"]]
    assert all(set(p) == PART_DETAIL_KEYS for p in detail["parts"]), f"got {[sorted(p) for p in detail['parts']]}"
    outline = detail["parts"][0]["lessons"]
    assert [lesson["title"] for lesson in outline] == ["Setup", "Intro", "Extra"], (
        f"expected order 0 first, then order 1 by creation; got {[lesson['title'] for lesson in outline]}"
    )
    assert all(set(lesson) == LESSON_OUTLINE_KEYS for lesson in outline), f"got {sorted(outline[0])}"
    assert [lesson["duration"] for lesson in outline] == ["00:02:05"] * 3
    assert detail["duration"] == "01:06:15" and detail["price"] == "49.99" and detail["is_enrolled"] is False


def test_a_course_without_thumbnail_shows_the_placeholder_under_media(client_for, tutor):
    course = CourseFactory(tutors=[tutor])

    listed = ok(client_for(None).get(COURSES), 200)["results"][0]["thumbnail"]
    detail = ok(client_for(None).get(f"{COURSES}{course.slug}/"), 200)["thumbnail"]

    for url in (listed, detail):
        assert url is not None and url.startswith("http://testserver/media/"), (
            f"expected an absolute placeholder URL under /media/, got {url!r}"
        )


def test_a_new_course_without_thumbnail_answers_the_placeholder_too(client_for, tutor):
    data = ok(client_for(tutor).post(COURSES, {"title": "No picture"}, format="json"), 201)

    assert data["thumbnail"] and data["thumbnail"].startswith("http://testserver/media/"), f"got {data['thumbnail']!r}"


def test_a_lesson_moves_to_another_part_of_the_same_course(client_for, tutor):
    course = CourseFactory(tutors=[tutor])
    lesson = LessonFactory(part=PartFactory(course=course))
    target = PartFactory(course=course)

    data = ok(client_for(tutor).patch(f"{LESSONS}{lesson.slug}/", {"part": str(target.pk)}, format="json"), 200)

    lesson.refresh_from_db()
    assert (data["part"], lesson.part_id) == (str(target.pk), target.pk), (
        f"expected part {target.pk}, got {data['part']}"
    )


@pytest.mark.parametrize("same_tutor", [True, False], ids=["own-other-course", "someone-elses-course"])
def test_a_lesson_cannot_move_to_a_part_of_another_course(client_for, tutor, same_tutor):
    lesson = LessonFactory(part=PartFactory(course=CourseFactory(tutors=[tutor])))
    source = lesson.part_id
    elsewhere = PartFactory(course=CourseFactory(tutors=[tutor] if same_tutor else None))

    response = client_for(tutor).patch(f"{LESSONS}{lesson.slug}/", {"part": str(elsewhere.pk)}, format="json")

    data = ok(response, 400)
    assert "part" in data, f"expected an error on 'part', got {data!r}"
    lesson.refresh_from_db()
    assert lesson.part_id == source, "the lesson must stay where it was"


def accept_invitation(client_for, invitee, course) -> dict:
    """The invitee accepts their pending invitation to ``course`` (co-tutors join only then)."""
    invitation = TutorInvitation.objects.get(course=course, invitee=invitee, status=TutorInvitationStatus.PENDING)
    return ok(client_for(invitee).post(f"{INVITATIONS}{invitation.pk}/accept/"), 200)


def test_course_tutors_can_be_set_to_other_tutors_and_admins(client_for, tutor, make_user, admin_user):
    other = make_user(Role.TUTOR)
    course = CourseFactory(tutors=[tutor])

    data = ok(client_for(tutor).patch(f"{COURSES}{course.slug}/", {"tutors": [other.pk, tutor.pk]}, format="json"), 200)
    assert {t["id"] for t in data["tutors"]} == {tutor.pk}, f"invited, not added yet: got {data['tutors']!r}"
    accept_invitation(client_for, other, course)
    assert set(course.tutors.values_list("pk", flat=True)) == {other.pk, tutor.pk}
    data = ok(client_for(tutor).get(f"{COURSES}{course.slug}/"), 200)
    assert {t["id"] for t in data["tutors"]} == {other.pk, tutor.pk}, f"got {data['tutors']!r}"

    data = ok(
        client_for(other).patch(f"{COURSES}{course.slug}/", {"tutors": [other.pk, admin_user.pk]}, format="json"), 200
    )
    assert set(course.tutors.values_list("pk", flat=True)) == {other.pk}, "removing is immediate, adding invites"
    accept_invitation(client_for, admin_user, course)
    assert set(course.tutors.values_list("pk", flat=True)) == {other.pk, admin_user.pk}, "admins may teach a course"


@pytest.mark.parametrize("role", [Role.USER, Role.STUDENT], ids=["user", "student"])
def test_only_tutors_and_admins_can_be_made_tutors_of_a_course(client_for, tutor, make_user, role):
    outsider = make_user(role)
    course = CourseFactory(tutors=[tutor])

    response = client_for(tutor).patch(f"{COURSES}{course.slug}/", {"tutors": [tutor.pk, outsider.pk]}, format="json")

    data = ok(response, 400)
    assert "tutors" in data, f"expected an error on 'tutors', got {data!r}"
    assert list(course.tutors.values_list("pk", flat=True)) == [tutor.pk], "the tutors must be unchanged"


def test_a_course_cannot_be_left_without_tutors(client_for, tutor):
    course = CourseFactory(tutors=[tutor])

    data = ok(client_for(tutor).patch(f"{COURSES}{course.slug}/", {"tutors": []}, format="json"), 400)

    assert "tutors" in data, f"expected an error on 'tutors', got {data!r}"
    assert list(course.tutors.values_list("pk", flat=True)) == [tutor.pk], "the tutors must be unchanged"
