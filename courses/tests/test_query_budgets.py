"""Query budgets of the catalog's list and detail endpoints (ARCHITECTURE.md, Tests).

Each endpoint is measured on a small data set (2 courses x 1 part x 1 lesson, one tutor,
one student, one comment), then again after the data grew (12 more courses x 3 parts x 4
lessons with 3 tutors each, many enrolments, drafts, categories and a busy comment thread).
The number of SQL queries must not change, and must stay under the ceiling stated below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.models import Category, Comment, Course, CoursePart, Enrollment, Lesson
from courses.tests.factories import (
    CategoryFactory,
    CommentFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    PartFactory,
)
from courses.tests.urls import API
from users.models import Role, User, generate_user_id

pytestmark = pytest.mark.django_db


# Ceilings, in SQL queries per request, authentication included. "auth" is the user row
# behind the Bearer token; "count" and "page" are the paginator's two queries.
CEILING = {
    # The shared public body, when the cache does not hold it (the suite runs with the catalog
    # cache off): count, page (figures as subqueries, category joined), tutors, parts; + auth and
    # the viewer's enrolments among the page's courses (test_catalog_cache.py: 2 when cached)
    "course list": 6,
    # public body: course (figures, category), tutors, parts, lessons; + auth, the viewer's
    # enrolment, and the follower's progress rows and certificate (4 when cached)
    "course detail": 8,
    # auth, count, page, courses (figures, category), tutors, parts
    "enrollments": 6,
    # auth, lesson, lesson visible?, may watch?, count, page (users joined, replies counted) - some
    # of the access checks collapse for tutors and enrolled students
    "comments": 5,
    # auth, count, page (course joined)
    "course parts": 3,
    # auth, count, page (part and course joined)
    "lessons": 3,
    # (auth,) count, page (published courses counted)
    "categories": 3,
    # the course list's 6, + one query per facet (5: category, level, price, rating, language)
    "course list with facets": 11,
    # (auth,) courses, categories, tutors (the catalog cache is off in the suite)
    "suggestions": 4,
    # (auth,) count, page (part and course joined)
    "lesson search": 3,
}


@dataclass
class Catalog:
    make_user: object
    tutor: object
    student: object
    admin: object
    category: object
    courses: list = field(default_factory=list)
    lesson: Lesson | None = None


def add_course(catalog: Catalog, *, parts: int, lessons: int, co_tutors: int, students: int, published=True) -> Course:
    """A free course taught by the catalog's tutor (and ``co_tutors`` others), with content,
    the catalog's student and ``students`` more enrolled."""
    tutors = [catalog.tutor] + [catalog.make_user(Role.TUTOR) for _ in range(co_tutors)]
    course = CourseFactory(tutors=tutors, category=catalog.category, is_published=published, price=Decimal("0"))
    for p in range(parts):
        part = PartFactory(course=course, order=p)
        for n in range(lessons):
            LessonFactory(part=part, order=n, is_free_preview=(p == 0 and n == 0))
    EnrollmentFactory(course=course, student=catalog.student)
    for _ in range(students):
        EnrollmentFactory(course=course)
    catalog.courses.append(course)
    return course


@pytest.fixture
def catalog(make_user, admin_user):
    """The small data set: 2 courses x 1 part x 1 lesson, one tutor, one student, one comment."""
    catalog = Catalog(
        make_user=make_user,
        tutor=make_user(Role.TUTOR, first_name="Budget", last_name="Tutor"),
        student=make_user(Role.STUDENT),
        admin=admin_user,
        category=CategoryFactory(name="Budgeting"),
    )
    for _ in range(2):
        add_course(catalog, parts=1, lessons=1, co_tutors=0, students=0)
    catalog.lesson = Lesson.objects.get(part__course=catalog.courses[0])
    CommentFactory(lesson=catalog.lesson, user=catalog.student)
    return catalog


def grow(catalog: Catalog) -> None:
    """The large data set: 10 more courses of 3 parts x 4 lessons with 3 tutors and 6 students
    each, 2 drafts (2 x 2), 6 more categories with a course each, 2 more parts of 4 lessons in
    the first course and 24 more comments (12 questions, 12 replies). Bulk-inserted for speed."""
    run = uuid.uuid4().hex[:8]
    people = User.objects.bulk_create(
        [
            User(id=generate_user_id(), email=f"grown-{run}-{n}@example.com", first_name=f"G{n}", role=role)
            for n, role in enumerate([Role.TUTOR] * 28 + [Role.STUDENT] * 62)
        ]
    )
    co_tutors, students = people[:28], people[28:]
    categories = Category.objects.bulk_create(
        [Category(name=f"Grown category {run} {n}", slug=f"grown-{run}-{n}") for n in range(6)]
    )
    specs = [(True, 3, 4, 2, 5, catalog.category)] * 10 + [(False, 2, 2, 1, 0, catalog.category)] * 2
    specs += [(True, 1, 1, 0, 0, category) for category in categories]
    courses = Course.objects.bulk_create(
        [
            Course(
                title=f"Grown course {n}",
                slug=f"grown-course-{run}-{n}",
                category=category,
                is_published=published,
                price=Decimal("0"),
            )
            for n, (published, *_, category) in enumerate(specs)
        ]
    )
    through, parts, enrollments = Course.tutors.through, [], []
    links = []
    for course, (_published, n_parts, _lessons, n_co, n_students, category) in zip(courses, specs, strict=True):
        # The catalog's tutor teaches the Budgeting courses; the extra categories' courses are others'.
        main = catalog.tutor if category == catalog.category else co_tutors.pop()
        links.append(through(course_id=course.pk, user_id=main.pk))
        links += [through(course_id=course.pk, user_id=co_tutors.pop().pk) for _ in range(n_co)]
        parts += [CoursePart(course=course, title=f"P{p}", slug=f"{course.slug}-p{p}", order=p) for p in range(n_parts)]
        enrollments.append(Enrollment(course=course, student=catalog.student))
        enrollments += [Enrollment(course=course, student=students.pop()) for _ in range(n_students)]
    first = catalog.courses[0]
    parts += [CoursePart(course=first, title=f"Extra {p}", slug=f"extra-{run}-{p}", order=10 + p) for p in range(2)]
    through.objects.bulk_create(links)
    parts = CoursePart.objects.bulk_create(parts)
    lessons_per_part = {course.pk: spec[2] for course, spec in zip(courses, specs, strict=True)} | {first.pk: 4}
    Lesson.objects.bulk_create(
        [
            Lesson(part=part, title=f"L{n}", slug=f"{part.slug}-l{n}", order=n, duration=timedelta(minutes=3))
            for part in parts
            for n in range(lessons_per_part[part.course_id])
        ]
    )
    questions = Comment.objects.bulk_create(
        [Comment(lesson=catalog.lesson, user=student, text="Question?") for student in students[:12]]
    )
    Comment.objects.bulk_create(
        [Comment(lesson=catalog.lesson, user=catalog.tutor, parent=q, text="Answer.") for q in questions]
    )
    enrollments += [Enrollment(course=first, student=student) for student in students[:12]]
    Enrollment.objects.bulk_create(enrollments)
    services.course_search_refresh(courses=Course.objects.filter(pk__in=[c.pk for c in courses]))
    catalog.courses += courses


def measure(client, url: str) -> tuple[int, dict, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"GET {url}: expected 200, got {response.status_code}: {response.data!r:.300}"
    return len(ctx.captured_queries), response.json(), [q["sql"] for q in ctx.captured_queries]


def assert_budgets(catalog: Catalog, budget: str | dict[str, str], requests: dict[str, tuple]) -> None:
    """Measure every ``label: (client, url)`` on the small data set, grow it, measure again:
    the counts must be equal and within the endpoint's ceiling."""
    small = {label: measure(client, url) for label, (client, url) in requests.items()}
    grow(catalog)
    problems = []
    for label, (client, url) in requests.items():
        ceiling = CEILING[budget if isinstance(budget, str) else budget[label]]
        n_small, data_small, _ = small[label]
        n_large, data_large, sql = measure(client, url)
        if "count" in data_small:
            assert data_large["count"] > data_small["count"], f"{label}: the large data set must list more rows"
        if n_large != n_small:
            problems.append(f"{label}: expected {n_small} queries (small data) on the large data too, got {n_large}")
        if n_large > ceiling:
            problems.append(f"{label}: expected at most {ceiling} queries, got {n_large}")
        if n_large != n_small or n_large > ceiling:
            problems.append("    " + "\n    ".join(sql))
    assert problems == [], "\n".join(problems)


def test_course_list_budgets(catalog, client_for):
    url = f"{API}courses/?page_size=100"
    search = f"{url}&search=course&category={catalog.category.slug}&is_free=true&ordering=-students_count"
    assert_budgets(
        catalog,
        "course list",
        {
            "anonymous": (client_for(None), url),
            "student": (client_for(catalog.student), url),
            "tutor": (client_for(catalog.tutor), url),
            "admin": (client_for(catalog.admin), url),
            "tutor ?mine=true": (client_for(catalog.tutor), f"{url}&mine=true"),
            "student, search and filters": (client_for(catalog.student), search),
        },
    )
    mine = client_for(catalog.tutor).get(f"{url}&mine=true").json()
    assert mine["count"] == 14, (
        f"?mine=true: expected the tutor's 12 published courses and 2 drafts, got {mine['count']}"
    )


def test_course_list_with_search_filters_and_facets_budget(catalog, client_for):
    """Facets cost one query each, whatever the data size (conditional aggregation)."""
    url = f"{API}courses/?page_size=100&facets=category,level,price,rating,language"
    filtered = (
        f"{url}&search=course&level=all,beginner&price_type=free&rating_min=0&duration_min=0&duration_max=600"
        f"&category={catalog.category.slug}&language=en&ordering=relevance&limit=12"
    )
    typo = f"{API}courses/?limit=12&facets=category,level,price,rating&search=cours&is_free=true"
    assert_budgets(
        catalog,
        "course list with facets",
        {
            "anonymous": (client_for(None), url),
            "student, search and every filter": (client_for(catalog.student), filtered),
            "anonymous, typo": (client_for(None), typo),
        },
    )
    data = client_for(None).get(url).json()
    published = Course.objects.filter(is_published=True).count()
    assert sum(row["count"] for row in data["facets"]["level"]) == published
    assert sum(row["count"] for row in data["facets"]["price"]) == published


def test_suggestion_and_lesson_search_budgets(catalog, client_for):
    LessonFactory(part=catalog.lesson.part, title="L0 introduction")  # found on the small data too
    assert_budgets(
        catalog,
        {"suggestions": "suggestions", "signed-in suggestions": "suggestions", "lessons": "lesson search"},
        {
            "suggestions": (client_for(None), f"{API}search/suggest/?q=cours"),
            "signed-in suggestions": (client_for(catalog.student), f"{API}search/suggest/?q=grown"),
            "lessons": (client_for(catalog.student), f"{API}search/lessons/?q=l0&page_size=100"),
        },
    )


def test_course_detail_budgets(catalog, client_for):
    small_url = f"{API}courses/{catalog.courses[0].slug}/"
    viewers = {"anonymous": None, "student": catalog.student, "tutor": catalog.tutor, "admin": catalog.admin}
    requests = {label: (client_for(user), small_url) for label, user in viewers.items()}
    requests |= {f"{label}, same course grown": (client, url) for label, (client, url) in requests.items()}

    def big_url():
        return f"{API}courses/{catalog.courses[5].slug}/"

    small = {label: measure(client, url)[0] for label, (client, url) in requests.items()}
    grow(catalog)
    problems = []
    for label, (client, url) in requests.items():
        url = url if "grown" in label else big_url()
        n, data, sql = measure(client, url)
        if "grown" not in label:
            assert sum(len(part["lessons"]) for part in data["parts"]) == 12, "the big course has 3 x 4 lessons"
            assert len(data["tutors"]) == 3, "the big course has 3 tutors"
        else:
            assert len(data["parts"]) == 3, "the first course grew to 3 parts"
        if n != small[label] or n > CEILING["course detail"]:
            problems.append(
                f"{label}: expected {small[label]} queries (≤ {CEILING['course detail']}), got {n}\n    "
                + "\n    ".join(sql)
            )
    assert problems == [], "\n".join(problems)


def test_enrollment_list_budgets(catalog, client_for):
    url = f"{API}enrollments/"
    assert_budgets(
        catalog,
        "enrollments",
        {
            "student": (client_for(catalog.student), url),
            "admin": (client_for(catalog.admin), url),
            "admin ?student=": (client_for(catalog.admin), f"{url}?student={catalog.student.pk}"),
        },
    )


def test_comment_list_budgets(catalog, client_for):
    url = f"{API}comments/?lesson={catalog.lesson.pk}"
    assert_budgets(
        catalog,
        "comments",
        {
            "enrolled student": (client_for(catalog.student), url),
            "tutor": (client_for(catalog.tutor), url),
            "admin": (client_for(catalog.admin), url),
        },
    )


def test_part_and_lesson_list_budgets(catalog, client_for):
    parts_url = f"{API}course-parts/?page_size=100"
    lessons_url = f"{API}lessons/?page_size=100"
    tutor = client_for(catalog.tutor)
    assert_budgets(
        catalog,
        {"parts": "course parts", "lessons": "lessons", "parts of one course": "course parts"},
        {
            "parts": (tutor, parts_url),
            "lessons": (tutor, lessons_url),
            "parts of one course": (client_for(catalog.admin), f"{parts_url}&course={catalog.courses[0].pk}"),
        },
    )
    lessons = tutor.get(lessons_url).json()
    assert lessons["count"] == Lesson.objects.filter(part__course__tutors=catalog.tutor).count() > 100, (
        "the large data set fills a whole page of lessons"
    )
    parts = tutor.get(parts_url).json()
    assert parts["count"] == CoursePart.objects.filter(course__tutors=catalog.tutor).count()


def test_category_list_budget(catalog, client_for):
    url = f"{API}categories/"
    assert_budgets(
        catalog,
        "categories",
        {"anonymous": (client_for(None), url), "admin": (client_for(catalog.admin), url)},
    )
