"""The catalog's Django admin: every changelist, search and filter renders; course, part and
lesson forms work, give unique slugs (inlines included) and the publish actions work."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.tests.helpers import admin_changelist_check, admin_get_ok
from courses.models import Category, Course, CoursePart, Lesson, TutorInvitation
from courses.tests.factories import (
    CategoryFactory,
    CommentFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    PartFactory,
)
from users.models import Role

pytestmark = pytest.mark.django_db

CHANGELISTS = ["category", "course", "coursepart", "lesson", "comment", "enrollment", "tutorinvitation"]


@pytest.fixture
def data(make_user):
    """One of everything, with "test" in the searchable texts."""
    tutor = make_user(Role.TUTOR, first_name="Testa", last_name="Tutor")
    student = make_user(Role.STUDENT, first_name="Stu", last_name="Test")
    category = CategoryFactory(name="Testing")
    course = CourseFactory(title="Test course", tutors=[tutor], category=category, price=Decimal("12.00"))
    draft = CourseFactory(title="Draft test course", tutors=[tutor], is_published=False)
    part = PartFactory(course=course, title="Test part")
    lesson = LessonFactory(part=part, title="Test lesson", is_free_preview=True)
    comment = CommentFactory(lesson=lesson, user=student, text="A test comment")
    CommentFactory(lesson=lesson, user=tutor, parent=comment, text="A test reply")
    EnrollmentFactory(student=student, course=course)
    TutorInvitation.objects.create(course=course, invitee=make_user(Role.TUTOR), invited_by=tutor)
    return {
        "tutor": tutor,
        "student": student,
        "category": category,
        "course": course,
        "draft": draft,
        "part": part,
        "lesson": lesson,
    }


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelist_search_and_every_filter_render(data, admin_client, model):
    admin_changelist_check(admin_client, reverse(f"admin:courses_{model}_changelist"))


@pytest.mark.parametrize("model", ["course", "coursepart", "lesson", "category"])
def test_add_and_change_pages_render(data, admin_client, model):
    admin_get_ok(admin_client, reverse(f"admin:courses_{model}_add"))
    obj = {
        "course": data["course"],
        "coursepart": data["part"],
        "lesson": data["lesson"],
        "category": data["category"],
    }[model]
    response = admin_get_ok(admin_client, reverse(f"admin:courses_{model}_change", args=[obj.pk]))
    assert obj.slug in response.content.decode(), "the read-only slug is shown"


def course_form(*, title: str, tutor, category, parts: list[str]) -> dict:
    form = {
        "title": title,
        "description": "Made in the admin.",
        "category": category.pk,
        "tutors": [tutor.pk],
        "price": "15.50",
        "currency": "USD",
        "level": "intermediate",
        "language": "en",
        "is_published": "on",
        "parts-TOTAL_FORMS": len(parts),
        "parts-INITIAL_FORMS": 0,
        "parts-MIN_NUM_FORMS": 0,
        "parts-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for n, part_title in enumerate(parts):
        # A described row counts as filled in (Django skips untouched extra rows, e.g. a blank row 0).
        form |= {f"parts-{n}-title": part_title, f"parts-{n}-order": n, f"parts-{n}-description": f"Notes {n}"}
    return form


def posted(response, what: str) -> None:
    errors = ""
    if response.context and "adminform" in response.context:
        errors = f"{response.context['adminform'].form.errors} {[f.errors for f in response.context['inline_admin_formsets'][0].formset] if response.context.get('inline_admin_formsets') else ''}"
    assert response.status_code == 302, (
        f"{what}: expected a 302 redirect after saving, got {response.status_code} {errors}"
    )


def test_admin_creates_courses_with_unique_slugs_and_inline_parts(data, admin_client):
    url = reverse("admin:courses_course_add")
    for _ in range(2):
        response = admin_client.post(
            url,
            course_form(
                title="Admin Made Course",
                tutor=data["tutor"],
                category=data["category"],
                parts=["Basics", "Basics", ""],
            ),
        )
        posted(response, "admin add course")
    courses = list(Course.objects.filter(title="Admin Made Course").order_by("created_at"))
    assert [c.slug for c in courses] == ["admin-made-course", "admin-made-course-2"], [c.slug for c in courses]
    first = courses[0]
    assert list(first.tutors.all()) == [data["tutor"]]
    assert first.price == Decimal("15.50") and first.is_published
    part_slugs = sorted(CoursePart.objects.filter(course__in=courses, title="Basics").values_list("slug", flat=True))
    assert part_slugs == ["basics", "basics-2", "basics-3", "basics-4"], f"inline parts: got {part_slugs}"
    blank = sorted(CoursePart.objects.filter(course__in=courses, title="").values_list("slug", flat=True))
    assert len(set(blank)) == 2 and all(blank), f"blank inline parts: expected two unique slugs, got {blank}"
    # Courses made in the admin are searchable by their tutor's name like any other.
    assert "Testa" in Course.objects.get(pk=first.pk).search_extra


def test_admin_blank_part_titles_get_the_api_fallback_slug(data, admin_client):
    """API.md 2.3 / the API's part_create: a blank part title gives "part", "part-2"... The admin
    must not invent another fallback for the same objects."""
    form = course_form(title="Blank parts", tutor=data["tutor"], category=data["category"], parts=["", ""])
    posted(admin_client.post(reverse("admin:courses_course_add"), form), "admin add course with blank parts")
    slugs = sorted(CoursePart.objects.filter(course__title="Blank parts").values_list("slug", flat=True))
    assert slugs == ["part", "part-2"], f"blank part titles: expected ['part', 'part-2'] as via the API, got {slugs}"


def test_admin_creates_a_part_with_inline_lessons(data, admin_client):
    LessonFactory(part=data["part"], title="Introduction")  # takes "introduction"
    form = {
        "course": data["course"].pk,
        "title": "Admin part",
        "description": "",
        "order": 3,
        "lessons-TOTAL_FORMS": 3,
        "lessons-INITIAL_FORMS": 0,
        "lessons-MIN_NUM_FORMS": 0,
        "lessons-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for n, title in enumerate(["Introduction", "Introduction", "Привет мир"]):
        form |= {
            f"lessons-{n}-title": title,
            f"lessons-{n}-order": n,
            f"lessons-{n}-duration": "00:05:00",
            f"lessons-{n}-video_service_id": "",
        }
    posted(admin_client.post(reverse("admin:courses_coursepart_add"), form), "admin add part with lessons")
    part = CoursePart.objects.get(title="Admin part")
    assert part.slug == "admin-part"
    lessons = list(part.lessons.order_by("order"))
    assert [lesson.slug for lesson in lessons] == ["introduction-2", "introduction-3", "privet-mir"], (
        f"expected the client's slug rule with suffixes, got {[lesson.slug for lesson in lessons]}"
    )
    assert all(lesson.duration == timedelta(minutes=5) for lesson in lessons)


def test_admin_creates_lessons_and_categories_with_unique_slugs(data, admin_client):
    for _ in range(2):
        form = {
            "part": data["part"].pk,
            "title": "Test lesson",
            "description": "",
            "video_service_id": "",
            "order": 1,
            "duration": "00:01:00",
            "_save": "Save",
        }
        posted(admin_client.post(reverse("admin:courses_lesson_add"), form), "admin add lesson")
    slugs = sorted(Lesson.objects.filter(title="Test lesson").values_list("slug", flat=True))
    assert slugs == ["test-lesson", "test-lesson-2", "test-lesson-3"], slugs
    posted(
        admin_client.post(reverse("admin:courses_category_add"), {"name": "Testing!", "description": ""}),
        "add category",
    )
    assert Category.objects.get(name="Testing!").slug == "testing-2"


def test_admin_change_keeps_the_slug(data, admin_client):
    course = data["draft"]
    form = course_form(title="Renamed in the admin", tutor=data["tutor"], category=data["category"], parts=[])
    posted(admin_client.post(reverse("admin:courses_course_change", args=[course.pk]), form), "admin change course")
    course.refresh_from_db()
    assert (course.title, course.slug) == ("Renamed in the admin", "draft-test-course")
    assert "Renamed" in course.title and course.search_extra.startswith("Testa")


def test_admin_renaming_a_category_refreshes_course_search_text(data, admin_client):
    category = data["category"]
    form = {"name": "Quality assurance", "description": ""}
    posted(admin_client.post(reverse("admin:courses_category_change", args=[category.pk]), form), "rename category")
    category.refresh_from_db()
    assert (category.name, category.slug) == ("Quality assurance", "testing")
    assert "Quality assurance" in Course.objects.get(pk=data["course"].pk).search_extra


def test_publish_and_unpublish_actions(data, admin_client):
    url = reverse("admin:courses_course_changelist")
    course, draft = data["course"], data["draft"]
    response = admin_client.post(url, {"action": "publish", "_selected_action": [draft.pk], "index": 0})
    assert response.status_code == 302, f"publish: expected 302, got {response.status_code}"
    draft.refresh_from_db()
    assert draft.is_published, "expected the draft published"

    response = admin_client.post(url, {"action": "unpublish", "_selected_action": [course.pk, draft.pk], "index": 0})
    assert response.status_code == 302, f"unpublish: expected 302, got {response.status_code}"
    assert not Course.objects.filter(pk__in=[course.pk, draft.pk], is_published=True).exists()
    followed = admin_client.get(url)
    assert "2 course(s) unpublished." in [str(m) for m in followed.context["messages"]]


def test_admin_requires_a_staff_login(data):
    anonymous = Client()
    response = anonymous.get(reverse("admin:courses_course_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"], response.status_code
    student = Client()
    student.force_login(data["student"])
    response = student.get(reverse("admin:courses_course_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"], response.status_code
