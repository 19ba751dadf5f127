"""``manage.py seed_demo``: the demo catalog of the embedded default (ARCHITECTURE.md, Runtime)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import Category, Comment, Course, CoursePart, Enrollment, Lesson
from users.models import Role, User

pytestmark = pytest.mark.django_db

MODELS = (User, Category, Course, CoursePart, Lesson, Enrollment, Comment)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # pytest-django runs tests with DEBUG off; the command needs it on


@pytest.fixture
def seeded(debug) -> str:
    return seed()


def test_seed_demo_is_idempotent(debug):
    first_output = seed()
    first = counts()
    slugs = set(Course.objects.values_list("slug", flat=True))
    second_output = seed()
    assert counts() == first, f"a second run must add nothing: expected {first}, got {counts()}"
    assert set(Course.objects.values_list("slug", flat=True)) == slugs, "no course is re-created with a new slug"
    assert "Demo data ready" in first_output and "Demo data ready" in second_output


def test_seed_demo_builds_a_catalog(seeded):
    published = Course.objects.filter(is_published=True)
    assert published.count() >= 8, f"expected at least 8 published courses, got {published.count()}"
    for course in published:
        parts = course.parts.count()
        lessons = Lesson.objects.filter(part__course=course).count()
        assert parts >= 1 and lessons >= parts, f"{course.title}: expected parts with lessons, got {parts}/{lessons}"
        assert course.tutors.exists(), f"{course.title}: expected a tutor"
        assert course.category_id is not None, f"{course.title}: expected a category"
    assert published.filter(price=0).exists(), "expected at least one free course"
    assert published.filter(price__gt=0).exists(), "expected paid courses too"
    previews = Lesson.objects.filter(is_free_preview=True, part__course__is_published=True)
    assert previews.count() >= 1, "expected free preview lessons"
    assert previews.count() < Lesson.objects.count(), "previews are a sample, not every lesson"
    assert Category.objects.count() >= 3


def test_seed_demo_people(seeded):
    tutors = User.objects.filter(role=Role.TUTOR)
    assert tutors.count() == 3, f"expected 3 tutors, got {tutors.count()}"
    assert all(Course.objects.filter(tutors=tutor).exists() for tutor in tutors), "every tutor teaches a course"
    students = User.objects.filter(role=Role.STUDENT)
    assert students.count() >= 2, f"expected demo students, got {students.count()}"
    assert all(Enrollment.objects.filter(student=s, is_active=True).exists() for s in students), (
        "every student is enrolled somewhere"
    )
    assert Comment.objects.filter(user__role=Role.STUDENT).exists(), "expected students' comments"
    assert Comment.objects.filter(parent__isnull=False).exists(), "expected threaded replies"
    for comment in Comment.objects.select_related("lesson__part__course", "user"):
        course = comment.lesson.part.course
        entitled = (
            Enrollment.objects.filter(course=course, student=comment.user, is_active=True).exists()
            or course.tutors.filter(pk=comment.user.pk).exists()
        )
        assert entitled, f"{comment.user.email} commented on {course.title} without access"
    for enrollment in Enrollment.objects.select_related("course"):
        assert enrollment.source == ("free" if enrollment.course.price == 0 else "admin"), (
            f"{enrollment}: expected a source matching the price, got {enrollment.source!r}"
        )


def test_seed_demo_admin_password_is_printed_and_works(debug, client_for):
    output = seed()
    match = re.search(r"admin@example\.com / (\S+)", output)
    assert match, f"expected the admin's e-mail and password in the output, got:\n{output}"
    password = match.group(1)
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_superuser and admin.is_staff and admin.role == Role.ADMIN and admin.is_email_verified
    assert admin.check_password(password)
    response = client_for(None).post(
        "/api/auth/token/", {"email": "admin@example.com", "password": password}, format="json"
    )
    assert response.status_code == 200, f"login with the printed password: expected 200, got {response.status_code}"
    assert {"access", "refresh"} <= response.json().keys()
    for email in ("tutor1@example.com", "student1@example.com"):
        assert email in output, f"expected {email} in the output"
        assert User.objects.get(email=email).check_password(password), f"{email}: the printed password must work"


def test_seed_demo_password_option_and_reset_on_rerun(debug):
    output = seed("--password", "another-demo-pass-9")
    assert "admin@example.com / another-demo-pass-9" in output
    assert User.objects.get(email="admin@example.com").check_password("another-demo-pass-9")
    before = counts()
    seed()  # default password again: accounts are reset, nothing is duplicated
    assert counts() == before
    assert User.objects.get(email="tutor2@example.com").check_password("demo-pass-11tutors")


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=false"):
        seed()
    assert counts() == dict.fromkeys(counts(), 0), "nothing may be written when refusing"


def test_seed_demo_runs_without_debug_when_forced(settings):
    settings.DEBUG = False
    output = seed("--force")
    assert "Demo data ready" in output
    assert Course.objects.filter(is_published=True).count() >= 8


def test_seeded_catalog_is_served_by_the_api(seeded, client_for):
    data = client_for(None).get("/api/courses/courses/").json()
    assert data["count"] >= 8
    free = [c for c in data["results"] if c["is_free"]]
    assert free, "the API lists a free course"
    detail = client_for(None).get(f"/api/courses/courses/{free[0]['slug']}/").json()
    assert detail["parts"] and detail["parts"][0]["lessons"], "the free course has content"
    assert detail["duration"] != "00:00:00"
