"""Slugs of courses, parts, lessons and categories (API.md §2.1-2.4).

Generated once from the title, unique with ``-2``, ``-3``… suffixes, stable when the title
changes (old links keep working). Lessons follow the web client's rule, because the client
computes lesson links from titles.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from core.slugs import SLUG_SUFFIX_ROOM, client_slug, save_with_unique_slug
from courses.models import Category, Course, CoursePart, Lesson
from courses.tests.factories import CourseFactory, PartFactory
from courses.tests.urls import CATEGORIES, COURSES, LESSONS, PARTS
from users.models import Role


def check(response, expected: int, what: str = ""):
    body = getattr(response, "data", None) or response.content[:500]
    assert response.status_code == expected, f"{what}: expected {expected}, got {response.status_code}: {body!r}"
    return response.json() if response.content else None


@pytest.fixture
def owner(make_user):
    return make_user(Role.TUTOR, first_name="Sam", last_name="Slug")


@pytest.fixture
def course(owner):
    return CourseFactory(tutors=[owner], title="Slug course")


@pytest.fixture
def part(course):
    return PartFactory(course=course, title="Slug part")


# --- The client's rule, as a pure function ---------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Introduction", "introduction"),
        ("Intro to C++ & Go!", "intro-to-c-go"),
        ("Café Déjà", "caf-d-j"),  # the simple rule gives something: no transliteration
        ("Привет мир", "privet-mir"),  # nothing left by the simple rule: transliterate
        ("Ёжик", "ezhik"),
        ("!!!", "lesson"),
        ("😀", "lesson"),
        ("", "lesson"),
        ("   ", "lesson"),
        ("--Hello--World--", "hello-world"),
        ("  Lesson 1: Basics  ", "lesson-1-basics"),
        ("UPPER case", "upper-case"),
        ("a_b", "a-b"),
        ("x" * 300, "x" * 300),
        ("Привет 2", "2"),  # the simple rule already gives "2"
        ("東京", "dong-jing"),
    ],
)
def test_client_slug_follows_the_client_rule(title, expected):
    got = client_slug(title, fallback="lesson")
    assert got == expected, f"client_slug({title!r}): expected {expected!r}, got {got!r}"


def test_client_slug_uses_the_given_fallback():
    assert client_slug("!!!", fallback="part") == "part"
    assert client_slug("😀", fallback="course") == "course"


# --- save_with_unique_slug, directly -------------------------------------------------------------------


@pytest.mark.django_db
def test_save_with_unique_slug_inserts_with_suffixes():
    names = ["Algebra", "Algebra!", "Algebra?", "(Algebra)"]
    slugs = []
    for name in names:
        category = Category(name=name)
        save_with_unique_slug(category, name)
        assert category.pk is not None, "expected the category to be inserted"
        slugs.append(category.slug)
    assert slugs == ["algebra", "algebra-2", "algebra-3", "algebra-4"], f"got {slugs}"


@pytest.mark.django_db
def test_save_with_unique_slug_fills_gaps_and_ignores_lookalikes():
    for name, slug in [("A", "algebra"), ("B", "algebra-3"), ("C", "algebra-basics"), ("D", "algebra-2x")]:
        Category.objects.create(name=name, slug=slug)
    category = Category(name="Algebra")
    save_with_unique_slug(category, "Algebra")
    assert category.slug == "algebra-2", f"expected the first free suffix 'algebra-2', got {category.slug!r}"
    category = Category(name="Algebra II")
    save_with_unique_slug(category, "Algebra")
    assert category.slug == "algebra-4", f"expected 'algebra-4', got {category.slug!r}"


@pytest.mark.django_db
def test_save_with_unique_slug_respects_max_length():
    title = "y" * 500
    slugs = []
    for n in range(3):
        category = Category(name=f"long {n}")
        save_with_unique_slug(category, title)
        slugs.append(category.slug)
    assert slugs[0] == "y" * (120 - SLUG_SUFFIX_ROOM), slugs[0]
    assert slugs[1:] == [f"{slugs[0]}-2", f"{slugs[0]}-3"], slugs
    assert all(len(s) <= 120 for s in slugs), [len(s) for s in slugs]


@pytest.mark.django_db
def test_save_with_unique_slug_fallback_and_other_integrity_errors():
    category = Category(name="Symbols")
    save_with_unique_slug(category, "!!!")
    assert category.slug == "category"
    # A constraint other than the slug's (here: the unique name) is not retried away.
    with pytest.raises(IntegrityError):
        save_with_unique_slug(Category(name="Symbols"), "Symbols")


@pytest.mark.django_db
def test_save_with_unique_slug_recovers_when_the_slug_is_taken_meanwhile(monkeypatch):
    """A concurrent insert that takes the computed slug first makes it retry, not fail."""
    from core import slugs as slugs_module

    real_next_free = slugs_module._next_free
    calls = []

    def racing_next_free(model, base):
        slug = real_next_free(model, base)
        if not calls:  # another request inserts the same slug right after we computed it
            Category.objects.create(name="Racer", slug=slug)
        calls.append(slug)
        return slug

    monkeypatch.setattr(slugs_module, "_next_free", racing_next_free)
    category = Category(name="Race")
    save_with_unique_slug(category, "Race")
    assert calls == ["race", "race-2"], f"expected a retry with the next slug, got {calls}"
    assert category.slug == "race-2"


# --- Through the API -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_course_slugs_are_unique_and_stable(owner, client_for):
    client = client_for(owner)
    slugs = [check(client.post(COURSES, {"title": "Data Science 101"}), 201, "POST course")["slug"] for _ in range(3)]
    assert slugs == ["data-science-101", "data-science-101-2", "data-science-101-3"], f"got {slugs}"

    data = check(client.patch(f"{COURSES}{slugs[0]}/", {"title": "Totally new title"}), 200, "rename")
    assert data["slug"] == slugs[0], f"expected the slug to stay {slugs[0]!r}, got {data['slug']!r}"
    data = check(client.get(f"{COURSES}{slugs[0]}/"), 200, "old URL after the rename")
    assert data["title"] == "Totally new title"
    check(client.get(f"{COURSES}totally-new-title/"), 404, "the new title is not a new URL")
    # A new course with the old title still gets a fresh slug.
    data = check(client.post(COURSES, {"title": "Data Science 101"}), 201, "POST course again")
    assert data["slug"] == "data-science-101-4", data["slug"]


@pytest.mark.django_db
def test_course_slug_ignores_a_slug_in_the_body(owner, client_for):
    data = check(client_for(owner).post(COURSES, {"title": "Real title", "slug": "hijack"}), 201, "POST")
    assert data["slug"] == "real-title"
    data = check(client_for(owner).patch(f"{COURSES}real-title/", {"slug": "hijack"}), 200, "PATCH slug")
    assert data["slug"] == "real-title"
    assert not Course.objects.filter(slug="hijack").exists()


@pytest.mark.django_db
def test_part_slugs_are_unique_stable_and_never_empty(owner, course, client_for):
    client = client_for(owner)
    body = {"course": str(course.pk), "title": "Getting started"}
    slugs = [check(client.post(PARTS, body), 201, "POST part")["slug"] for _ in range(3)]
    assert slugs == ["getting-started", "getting-started-2", "getting-started-3"], f"got {slugs}"
    blank = [check(client.post(PARTS, {"course": str(course.pk), "title": ""}), 201, "blank")["slug"] for _ in range(2)]
    assert blank == ["part", "part-2"], f"blank part titles: expected ['part', 'part-2'], got {blank}"

    data = check(client.patch(f"{PARTS}{slugs[0]}/", {"title": "Renamed part"}), 200, "rename part")
    assert data["slug"] == slugs[0], f"expected {slugs[0]!r}, got {data['slug']!r}"
    data = check(client.get(f"{PARTS}{slugs[0]}/"), 200, "old part URL")
    assert data["title"] == "Renamed part"


@pytest.mark.django_db
def test_category_slugs_are_unique_stable_and_reachable_by_id_and_slug(admin_user, client_for):
    client = client_for(admin_user)
    first = check(client.post(CATEGORIES, {"name": "Web Development"}), 201, "POST category")
    assert first["slug"] == "web-development"
    second = check(client.post(CATEGORIES, {"name": "Web Development!"}), 201, "POST near-duplicate")
    assert second["slug"] == "web-development-2", second["slug"]
    check(client.post(CATEGORIES, {"name": "web development"}), 400, "same name, other case")

    data = check(client.patch(f"{CATEGORIES}{first['id']}/", {"name": "Frontend"}), 200, "rename category")
    assert data["slug"] == "web-development", f"expected a stable slug, got {data['slug']!r}"
    for key in (first["id"], "web-development"):
        data = check(client_for(None).get(f"{CATEGORIES}{key}/"), 200, f"GET category {key}")
        assert data["name"] == "Frontend"
    third = check(client.post(CATEGORIES, {"name": "Web Development"}), 201, "old name again")
    assert third["slug"] == "web-development-3", third["slug"]


@pytest.mark.django_db
def test_category_slug_that_looks_like_an_id(admin_user, client_for):
    """A category named "2024" has the slug "2024"; its id and slug both find it."""
    client = client_for(admin_user)
    data = check(client.post(CATEGORIES, {"name": "2024"}), 201, "POST category 2024")
    assert data["slug"] == "2024"
    check(client_for(None).get(f"{CATEGORIES}{data['id']}/"), 200, "by id")
    symbols = check(client.post(CATEGORIES, {"name": "+++"}), 201, "POST category +++")
    assert symbols["slug"] == "category", symbols["slug"]


@pytest.mark.django_db
def test_fifty_lessons_titled_introduction(owner, part, client_for):
    client = client_for(owner)
    slugs = []
    for n in range(50):
        data = check(
            client.post(LESSONS, {"part": str(part.pk), "title": "Introduction", "order": n}),
            201,
            f"lesson #{n + 1}",
        )
        slugs.append(data["slug"])
    expected = ["introduction"] + [f"introduction-{n}" for n in range(2, 51)]
    assert slugs == expected, f"expected introduction, introduction-2 … introduction-50, got {slugs}"
    assert Lesson.objects.filter(part=part).count() == 50


@pytest.mark.django_db
def test_lesson_slugs_are_unique_across_courses(owner, part, make_user, client_for):
    other = make_user(Role.TUTOR)
    other_part = PartFactory(course=CourseFactory(tutors=[other]))
    first = check(client_for(owner).post(LESSONS, {"part": str(part.pk), "title": "Setup"}), 201, "mine")
    second = check(client_for(other).post(LESSONS, {"part": str(other_part.pk), "title": "Setup"}), 201, "theirs")
    assert (first["slug"], second["slug"]) == ("setup", "setup-2")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Intro to C++ & Go!", "intro-to-c-go"),
        ("Café Déjà", "caf-d-j"),
        ("Привет мир", "privet-mir"),
        ("!!!", "lesson"),
        ("😀", "lesson"),
        ("Lesson 1: Variables", "lesson-1-variables"),
    ],
)
def test_lesson_slug_follows_the_client_rule(owner, part, client_for, title, expected):
    data = check(client_for(owner).post(LESSONS, {"part": str(part.pk), "title": title}), 201, f"POST {title!r}")
    assert data["slug"] == expected, f"title {title!r}: expected slug {expected!r}, got {data['slug']!r}"
    data = check(client_for(owner).get(f"{LESSONS}{expected}/"), 200, "GET by the computed slug")
    assert data["title"] == title


@pytest.mark.django_db
def test_emoji_and_symbol_titles_get_numbered_lesson_slugs(owner, part, client_for):
    client = client_for(owner)
    slugs = [
        check(client.post(LESSONS, {"part": str(part.pk), "title": t}), 201, t)["slug"] for t in ("!!!", "😀", "?")
    ]
    assert slugs == ["lesson", "lesson-2", "lesson-3"], f"got {slugs}"


@pytest.mark.django_db
def test_lesson_slug_is_stable_when_the_title_changes(owner, part, client_for):
    client = client_for(owner)
    data = check(client.post(LESSONS, {"part": str(part.pk), "title": "Original"}), 201, "POST lesson")
    data = check(client.patch(f"{LESSONS}original/", {"title": "Rewritten"}), 200, "rename lesson")
    assert data["slug"] == "original", f"expected the slug to stay 'original', got {data['slug']!r}"
    data = check(client.get(f"{LESSONS}original/"), 200, "old lesson URL")
    assert data["title"] == "Rewritten"
    check(client.get(f"{LESSONS}rewritten/"), 404, "the new title is not a new URL")


@pytest.mark.django_db
def test_slugs_are_stable_when_edited_in_the_admin_too(owner, course, part, admin_user):
    """Model saves outside the services (admin, shell) never regenerate slugs."""
    course.title = "Changed in the shell"
    course.save()
    part.title = "Changed part"
    part.save()
    course.refresh_from_db()
    part.refresh_from_db()
    assert (course.slug, part.slug) == ("slug-course", "slug-part")


@pytest.mark.django_db
def test_two_hundred_character_titles_fit_the_slug_columns(owner, course, admin_user, client_for):
    client = client_for(owner)
    title = ("Long words " * 30)[:200]
    assert len(title) == 200
    course_slugs = [check(client.post(COURSES, {"title": title}), 201, "long course")["slug"] for _ in range(2)]
    part_slugs = [
        check(client.post(PARTS, {"course": str(course.pk), "title": title}), 201, "long part")["slug"]
        for _ in range(2)
    ]
    part = CoursePart.objects.get(slug=part_slugs[0])
    lesson_slugs = [
        check(client.post(LESSONS, {"part": str(part.pk), "title": title}), 201, "long lesson")["slug"]
        for _ in range(2)
    ]
    name = "Cat " + "n" * 95
    category_slugs = [
        check(client_for(admin_user).post(CATEGORIES, {"name": f"{name}{mark}"}), 201, "long category")["slug"]
        for mark in "!?"
    ]
    for label, slugs, limit in [
        ("course", course_slugs, 220),
        ("part", part_slugs, 220),
        ("lesson", lesson_slugs, 220),
        ("category", category_slugs, 120),
    ]:
        assert all(len(slug) <= limit for slug in slugs), (
            f"{label}: expected ≤{limit} chars, got {[len(s) for s in slugs]}"
        )
        assert slugs[0] != slugs[1], f"{label}: expected two distinct slugs, got {slugs}"
        assert not slugs[0].endswith("-") and not slugs[1].endswith("-"), slugs
    assert course_slugs[1] == f"{course_slugs[0]}-2", course_slugs
    assert category_slugs[1] == f"{category_slugs[0]}-2", category_slugs
    assert lesson_slugs[1] == f"{lesson_slugs[0]}-2", lesson_slugs
