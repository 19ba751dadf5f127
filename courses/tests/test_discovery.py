"""Discovery (issue 19): levels, filters, typo-tolerant ranked search, facets, suggestions,
lesson search and highlights.

Every test runs on both databases (CI runs the suite on SQLite and on PostgreSQL): where the
behaviour differs (courses/search.py: pg_trgm and full text on PostgreSQL, the documented
fallback on SQLite), ``ON_POSTGRES`` selects what is expected.

The fixed corpus (hand-counted below):

| # | title                    | category    | level        | price | rating | minutes | tutor |
|---|--------------------------|-------------|--------------|-------|--------|---------|-------|
| 1 | Python for Beginners     | Programming | beginner     | 0     | 4.5    | 60      | Guido |
| 2 | Advanced Python Patterns | Programming | advanced     | 49    | 3.5    | 180     | Guido |
| 3 | Machine Learning Basics  | Science     | intermediate | 29    | 4.2    | 120     | Grace |
| 4 | Data Engineering         | Science     | intermediate | 0     | 2.0    | 30      | Grace |
| 5 | Database Design          | Programming | all          | 19    | 0      | 90      | Grace |
| 6 | Datta Analytics          | Science     | beginner     | 9     | 4.0    | 0       | Frank |
| 7 | Guitar Chords            | Music       | beginner     | 15    | 5.0    | 45      | Frank |
| D | Python Draft Secrets     | Programming | beginner     | 0     | 5.0    | 10      | Guido (a draft) |
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from courses.models import Course, CourseLevel
from courses.tests.factories import CategoryFactory, CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.tests.urls import API, CATEGORIES, COURSES
from users.models import Role
from users.tests.urls import ME_URL

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"
SUGGEST = f"{API}search/suggest/"
LESSON_SEARCH = f"{API}search/lessons/"

ROWS = [
    # title, category, level, price, rating, lesson minutes, tutor, description
    ("Python for Beginners", "programming", "beginner", "0", "4.5", [30, 30], "guido", "Start programming today."),
    ("Advanced Python Patterns", "programming", "advanced", "49", "3.5", [90, 90], "guido", "Decorators, generators."),
    ("Machine Learning Basics", "science", "intermediate", "29", "4.2", [60, 60], "grace", "Models and training."),
    ("Data Engineering", "science", "intermediate", "0", "2.0", [30], "grace", "Pipelines and warehouses."),
    ("Database Design", "programming", "all", "19", "0", [45, 45], "grace", "Tables, keys and normal forms."),
    ("Datta Analytics", "science", "beginner", "9", "4.0", [], "frank", "Dashboards and charts."),
    ("Guitar Chords", "music", "beginner", "15", "5.0", [45], "frank", "Chords, strumming and a little music data."),
]


@pytest.fixture
def corpus(make_user):
    tutors = {
        "guido": make_user(Role.TUTOR, first_name="Guido", last_name="Rossum"),
        "grace": make_user(Role.TUTOR, first_name="Grace", last_name="Hopper"),
        "frank": make_user(Role.TUTOR, first_name="Frank", last_name="Zappa"),
    }
    categories = {
        "programming": CategoryFactory(name="Programming"),
        "science": CategoryFactory(name="Science"),
        "music": CategoryFactory(name="Music"),
    }
    courses = {}
    for n, (title, category, level, price, rating, minutes, tutor, description) in enumerate(ROWS, start=1):
        course = CourseFactory(
            title=title,
            description=description,
            category=categories[category],
            level=level,
            price=Decimal(price),
            tutors=[tutors[tutor]],
        )
        Course.objects.filter(pk=course.pk).update(rating=Decimal(rating))
        if minutes:
            part = PartFactory(course=course)
            for m in minutes:
                LessonFactory(part=part, duration=timedelta(minutes=m))
        courses[n] = course
    draft = CourseFactory(
        title="Python Draft Secrets",
        description="Python data pyton guitar.",
        category=categories["programming"],
        level="beginner",
        price=Decimal(0),
        tutors=[tutors["guido"]],
        is_published=False,
    )
    Course.objects.filter(pk=draft.pk).update(rating=Decimal(5))
    LessonFactory(part=PartFactory(course=draft), duration=timedelta(minutes=10), title="Python secrets lesson")
    return {"tutors": tutors, "categories": categories, "courses": courses, "draft": draft}


def get(client, query: str = "", url: str = COURSES, status: int = 200) -> dict:
    response = client.get(f"{url}?{query}")
    assert response.status_code == status, (
        f"GET {url}?{query}: expected {status}, got {response.status_code}: {response.content[:300]!r}"
    )
    return response.json()


def titles(client, query: str = "") -> list[str]:
    data = get(client, query)
    assert data["count"] == len(data["results"]), "expected one page"
    return [item["title"] for item in data["results"]]


def numbers(client, query: str) -> set[int]:
    """The corpus numbers of the courses listed."""
    by_title = {row[0]: n for n, row in enumerate(ROWS, start=1)}
    found = titles(client, query)
    assert "Python Draft Secrets" not in found, f"?{query} listed the draft"
    return {by_title[t] for t in found}


# --- Levels ---------------------------------------------------------------------------------------


def test_level_is_listed_shown_and_editable_by_the_course_tutor(corpus, client_for):
    anonymous = client_for(None)
    levels = {item["title"]: item["level"] for item in get(anonymous)["results"]}
    assert levels["Python for Beginners"] == "beginner" and levels["Database Design"] == "all"
    course = corpus["courses"][5]
    assert get(anonymous, url=f"{COURSES}{course.slug}/")["level"] == "all"

    grace = client_for(corpus["tutors"]["grace"])
    response = grace.patch(f"{COURSES}{course.slug}/", {"level": "advanced"}, format="json")
    assert response.status_code == 200 and response.json()["level"] == "advanced", response.content
    response = grace.patch(f"{COURSES}{course.slug}/", {"level": "expert"}, format="json")
    assert response.status_code == 400 and "level" in response.json(), response.content
    response = client_for(corpus["tutors"]["frank"]).patch(f"{COURSES}{course.slug}/", {"level": "beginner"})
    assert response.status_code == 403, "only the course's tutors (and admins) edit it"
    response = grace.post(COURSES, {"title": "Level test", "level": "intermediate"}, format="json")
    assert response.status_code == 201 and response.json()["level"] == "intermediate", response.content
    response = grace.post(COURSES, {"title": "Default level"}, format="json")
    assert response.json()["level"] == CourseLevel.ALL == "all"


# --- Filters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {1, 2, 3, 4, 5, 6, 7}),
        ("level=beginner", {1, 6, 7}),
        ("level=beginner,advanced", {1, 2, 6, 7}),
        ("level=beginner&level=advanced", {1, 2, 6, 7}),
        ("level=all", {5}),
        ("category=programming", {1, 2, 5}),
        ("category=programming,music", {1, 2, 5, 7}),
        ("category=programming&category=music", {1, 2, 5, 7}),
        ("category=no-such-category", set()),
        ("is_free=true", {1, 4}),
        ("is_free=false", {2, 3, 5, 6, 7}),
        ("price_type=free", {1, 4}),
        ("price_type=paid", {2, 3, 5, 6, 7}),
        ("price_min=10&price_max=30", {3, 5, 7}),
        ("min_price=10&max_price=30", {3, 5, 7}),
        ("price_min=49", {2}),
        ("rating_min=4", {1, 3, 6, 7}),
        ("rating_min=4.5", {1, 7}),
        ("rating_min=0", {1, 2, 3, 4, 5, 6, 7}),
        ("duration_min=60", {1, 2, 3, 5}),
        ("duration_max=45", {4, 6, 7}),
        ("duration_min=30&duration_max=60", {1, 4, 7}),
        ("duration_min=0.5&duration_max=30", {4}),
        # Combined, and with search.
        ("level=beginner&price_type=paid", {6, 7}),
        ("category=science&rating_min=4&price_type=paid", {3, 6}),
        ("search=python&level=beginner", {1}),
        ("search=data&category=programming", {5}),
        ("search=pyton&is_free=false", {2}),
        ("category=programming&level=beginner,all&duration_max=90&price_max=20", {1, 5}),
    ],
)
def test_filters_alone_and_combined(corpus, client_for, query, expected):
    assert numbers(client_for(None), query) == expected


def test_filter_by_category_id_and_tutor(corpus, client_for):
    client = client_for(None)
    science = corpus["categories"]["science"]
    assert numbers(client, f"category={science.pk}") == {3, 4, 6}
    assert numbers(client, f"category={science.pk},music") == {3, 4, 6, 7}
    assert numbers(client, f"tutor={corpus['tutors']['grace'].pk}") == {3, 4, 5}
    assert numbers(client, f"tutor={corpus['tutors']['grace'].pk}&level=intermediate") == {3, 4}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("price_min=abc", "price_min"),
        ("price_max=-1", "price_max"),
        ("level=expert", "level"),
        ("level=beginner,expert", "level"),
        ("rating_min=9", "rating_min"),
        ("rating_min=-1", "rating_min"),
        ("price_type=cheap", "price_type"),
        ("duration_min=-5", "duration_min"),
        ("duration_max=abc", "duration_max"),
        ("facets=colour", "facets"),
        ("facets=level,colour", "facets"),
        ("category=" + ",".join(f"c{n}" for n in range(21)), "category"),
        ("category=ok," + "x" * 200, "category"),
        ("level=" + ",".join(["beginner"] * 21), "level"),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(corpus, client_for, query, field):
    body = get(client_for(None), query, status=400)
    assert body.get(field), f"?{query}: expected a message on {field!r}, got {body}"
    assert all(isinstance(message, str) and message for message in body[field])


def test_bad_values_name_what_is_wrong(corpus, client_for):
    client = client_for(None)
    assert "expert" in get(client, "level=expert", status=400)["level"][0]
    assert "colour" in get(client, "facets=colour", status=400)["facets"][0]
    assert "5" in get(client, "rating_min=9", status=400)["rating_min"][0]


# --- The web client's parameter names ------------------------------------------------------------------


def test_the_web_clients_parameter_names(corpus, client_for):
    """The client's query builder sends level, is_free, ordering=price|-price, price_type,
    search, category and limit=12 (an alias of page_size)."""
    client = client_for(None)
    for n in range(14):
        CourseFactory(title=f"Filler {n}", price=Decimal(n + 1), level="beginner")
    data = get(client, "limit=12")
    assert len(data["results"]) == 12 and data["count"] == 21, "limit is the page size"
    assert "limit=12" in data["next"], "the next page keeps the limit"
    assert len(get(client, "limit=12&page_size=5")["results"]) == 5, "page_size wins over limit"
    assert len(get(client, "limit=abc")["results"]) == 21, "a bad limit is ignored, as a bad page_size"
    assert len(get(client, "limit=1000")["results"]) == 21, "capped at the maximum page size"

    query = "search=python&level=beginner,advanced&is_free=false&price_type=paid&category=programming&ordering=-price&limit=12"
    assert titles(client, query) == ["Advanced Python Patterns"]
    prices = [Decimal(c["price"]) for c in get(client, "level=beginner&ordering=price&limit=12")["results"]]
    assert prices == sorted(prices) and len(prices) == 12
    prices = [Decimal(c["price"]) for c in get(client, "level=beginner&ordering=-price&limit=12")["results"]]
    assert prices == sorted(prices, reverse=True)
    assert numbers(client, "price_type=free&category=science") == {4}


# --- Ordering ----------------------------------------------------------------------------------------------


def test_orderings(corpus, client_for):
    client = client_for(None)
    for n, count in [(3, 3), (1, 2), (7, 1)]:
        for _ in range(count):
            EnrollmentFactory(course=corpus["courses"][n])
    assert titles(client, "ordering=-students_count")[:3] == [
        "Machine Learning Basics",
        "Python for Beginners",
        "Guitar Chords",
    ]
    assert titles(client, "ordering=-rating") == [
        "Guitar Chords",
        "Python for Beginners",
        "Machine Learning Basics",
        "Datta Analytics",
        "Advanced Python Patterns",
        "Data Engineering",
        "Database Design",
    ]
    newest = [row[0] for row in reversed(ROWS)]
    assert titles(client, "ordering=-created_at") == newest
    assert titles(client, "ordering=relevance") == newest, "relevance without a search: the default order"
    assert titles(client, "search=data") == titles(client, "search=data&ordering=relevance")
    assert titles(client, "search=data&ordering=-price")[0] == "Database Design", "ordering wins over relevance"


# --- Typo tolerance and relevance ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pyton", {1, 2}),
        ("Pyton", {1, 2}),
        ("machne lerning", {3}),
        ("machine learning", {3}),
        ("pyt", {1, 2}),  # prefix
        ("Rosum", {1, 2}),  # a tutor's name, misspelt
        ("Hoper", {3, 4, 5}),
        ("Programing", {1, 2, 5}),  # a category's name, misspelt
        ("guitar", {7}),
        ("guitr", {7}),
        ("xylophone", set()),
    ],
)
def test_typo_tolerant_search(corpus, client_for, query, expected):
    assert numbers(client_for(None), f"search={query}") == expected


def test_exact_before_prefix_before_fuzzy_and_title_before_description(corpus, client_for):
    """ "data": an exact title word (4), an exact description word (7), a title word starting
    with it (5), a title one letter off (6)."""
    assert titles(client_for(None), "search=data") == [
        "Data Engineering",
        "Guitar Chords",
        "Database Design",
        "Datta Analytics",
    ]


def test_prefix_and_typo_rank_below_exact(corpus, client_for):
    CourseFactory(title="Pyton Pitfalls", description="Typos everywhere.")  # exact for "pyton"
    ranked = titles(client_for(None), "search=pyton")
    assert ranked[0] == "Pyton Pitfalls", f"the exact word first, got {ranked}"
    assert set(ranked[1:]) == {"Python for Beginners", "Advanced Python Patterns"}


def test_typo_search_follows_renames(corpus, client_for, admin_user):
    guido = corpus["tutors"]["guido"]
    response = client_for(guido).patch(ME_URL, {"last_name": "Vanrossum"}, format="json")
    assert response.status_code == 200, response.content
    client = client_for(None)
    assert numbers(client, "search=Vanrosum") == {1, 2}, "the new name, misspelt"
    assert numbers(client, "search=Rosum") == set(), "the old name is gone"
    music = corpus["categories"]["music"]
    response = client_for(admin_user).patch(f"{CATEGORIES}{music.pk}/", {"name": "Musicology"}, format="json")
    assert response.status_code == 200, response.content
    assert numbers(client, "search=Musicolgy") == {7}
    course = corpus["courses"][7]
    response = client_for(corpus["tutors"]["frank"]).patch(
        f"{COURSES}{course.slug}/", {"title": "Ukulele Strumming"}, format="json"
    )
    assert response.status_code == 200
    assert titles(client, "search=ukulel") == ["Ukulele Strumming"]
    assert titles(client, "search=gutar") == []


def test_drafts_never_found_by_typo_prefix_or_exact_search(corpus, client_for, admin_user):
    for viewer in (None, corpus["tutors"]["guido"], admin_user):
        client = client_for(viewer)
        for word in ("python", "pyton", "pyt", "secrets", "Rosum", "programing"):
            assert "Python Draft Secrets" not in titles(client, f"search={word}")


# --- Highlights --------------------------------------------------------------------------------------------


def test_search_results_carry_a_headline(corpus, client_for):
    client = client_for(None)
    results = get(client, "search=strumming")["results"]
    assert [r["title"] for r in results] == ["Guitar Chords"]
    headline = results[0]["headline"]
    assert "<mark>strumming</mark>" in headline, headline
    assert all(item["headline"] is None for item in get(client)["results"]), "no search, no headline"
    course = corpus["courses"][7]
    assert get(client, url=f"{COURSES}{course.slug}/")["headline"] is None, "course pages: the list item's, null"


def test_headlines_are_escaped(corpus, client_for):
    CourseFactory(title="Escaping", description="Beware <script>alert('xss')</script> of zanzibar & co.")
    headline = get(client_for(None), "search=zanzibar")["results"][0]["headline"]
    assert "<script" not in headline, headline
    if not ON_POSTGRES:  # ts_headline drops tags; the fallback escapes them
        assert "&lt;script&gt;" in headline and "&amp; co" in headline, headline
    assert headline.replace("<mark>zanzibar</mark>", "").count("<") == 0, f"only <mark> tags: {headline}"


# --- Facets ------------------------------------------------------------------------------------------------


def test_facets_of_the_whole_catalog(corpus, client_for):
    facets = get(client_for(None), "facets=category,level,price,rating")["facets"]
    assert facets == {
        "category": [
            {"slug": "programming", "name": "Programming", "count": 3},
            {"slug": "science", "name": "Science", "count": 3},
            {"slug": "music", "name": "Music", "count": 1},
        ],
        "level": [
            {"value": "beginner", "count": 3},
            {"value": "intermediate", "count": 2},
            {"value": "advanced", "count": 1},
            {"value": "all", "count": 1},
        ],
        "price": [{"key": "free", "count": 2}, {"key": "paid", "count": 5}],
        "rating": [{"min": 4, "count": 4}, {"min": 3, "count": 5}, {"min": 2, "count": 6}, {"min": 1, "count": 6}],
    }


def test_language_facet_counts_without_its_own_filter_and_names_categories_in_the_request_language(corpus, client_for):
    from courses.models import Category

    Course.objects.filter(title="Datta Analytics").update(language="ru")
    science = Category.objects.get(slug="science")
    science.translations = {"ru": {"name": "Наука"}}
    science.save()
    client = client_for(None)
    data = client.get(f"{COURSES}?language=ru&facets=language,category", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert [r["title"] for r in data["results"]] == ["Datta Analytics"]
    by_language = {row["value"]: row["count"] for row in data["facets"]["language"]}
    assert by_language == {"en": 6, "ru": 1, "es": 0, "uz": 0}, "the language facet ignores ?language="
    assert data["facets"]["category"] == [{"slug": "science", "name": "Наука", "count": 1}]
    english = client.get(f"{COURSES}?facets=category", HTTP_ACCEPT_LANGUAGE="en").json()["facets"]["category"]
    assert {"slug": "science", "name": "Science", "count": 3} in english


def test_each_facet_counts_without_its_own_filter(corpus, client_for):
    data = get(client_for(None), "level=beginner&category=science&facets=category,level,price,rating")
    assert [r["title"] for r in data["results"]] == ["Datta Analytics"]
    facets = data["facets"]
    # category: beginner courses (1, 6, 7), whatever their category.
    assert facets["category"] == [
        {"slug": "music", "name": "Music", "count": 1},
        {"slug": "programming", "name": "Programming", "count": 1},
        {"slug": "science", "name": "Science", "count": 1},
    ]
    # level: science courses (3, 4, 6), whatever their level.
    assert facets["level"] == [
        {"value": "beginner", "count": 1},
        {"value": "intermediate", "count": 2},
        {"value": "advanced", "count": 0},
        {"value": "all", "count": 0},
    ]
    # price and rating: both filters (6 only).
    assert facets["price"] == [{"key": "free", "count": 0}, {"key": "paid", "count": 1}]
    assert facets["rating"] == [{"min": m, "count": 1} for m in (4, 3, 2, 1)]


def test_facets_follow_the_search_and_the_price_and_rating_filters(corpus, client_for):
    client = client_for(None)
    facets = get(client, "search=python&facets=category,price")["facets"]
    assert facets == {
        "category": [{"slug": "programming", "name": "Programming", "count": 2}],
        "price": [{"key": "free", "count": 1}, {"key": "paid", "count": 1}],
    }, "the draft is not counted"
    facets = get(client, "price_type=paid&rating_min=4&facets=price,rating,level")["facets"]
    # price without its filter: rating >= 4 (1, 3, 6, 7); rating without its filter: paid (2, 3, 5, 6, 7).
    assert facets["price"] == [{"key": "free", "count": 1}, {"key": "paid", "count": 3}]
    assert facets["rating"] == [
        {"min": 4, "count": 3},
        {"min": 3, "count": 4},
        {"min": 2, "count": 4},
        {"min": 1, "count": 4},
    ]
    assert facets["level"] == [
        {"value": "beginner", "count": 2},
        {"value": "intermediate", "count": 1},
        {"value": "advanced", "count": 0},
        {"value": "all", "count": 0},
    ]
    assert "facets" not in get(client, "level=beginner"), "no facets unless asked for"
    assert get(client, "facets=level&facets=price")["facets"].keys() == {"level", "price"}


def test_facets_for_a_signed_in_viewer_and_mine(corpus, client_for):
    guido = corpus["tutors"]["guido"]
    EnrollmentFactory(course=corpus["courses"][1], student=guido)
    data = get(client_for(guido), "facets=level")
    assert data["facets"]["level"][0] == {"value": "beginner", "count": 3}
    assert [c["is_enrolled"] for c in data["results"] if c["title"] == "Python for Beginners"] == [True]
    mine = get(client_for(guido), "mine=true&facets=level,price")
    assert mine["count"] == 3, "Guido's two courses and his draft"
    assert mine["facets"]["level"][0] == {"value": "beginner", "count": 2}
    assert mine["facets"]["price"] == [{"key": "free", "count": 2}, {"key": "paid", "count": 1}]


# --- Suggestions -----------------------------------------------------------------------------------------


def suggest(client, q: str, status: int = 200) -> list[tuple[str, str]]:
    data = get(client, f"q={q}", url=SUGGEST, status=status)
    return [(item["type"], item["label"]) for item in data["results"]] if status == 200 else data


def test_suggestions(corpus, client_for):
    client = client_for(None)
    assert suggest(client, "pyt") == [("course", "Python for Beginners"), ("course", "Advanced Python Patterns")]
    assert suggest(client, "prog") == [("category", "Programming")]
    assert suggest(client, "gui") == [("course", "Guitar Chords"), ("tutor", "Guido Rossum")]
    assert suggest(client, "Hopper") == [("tutor", "Grace Hopper")]
    assert ("tutor", "Guido Rossum") in suggest(client, "rosum"), "a misspelt tutor name"
    assert set(suggest(client, "pyton")[:2]) == {
        ("course", "Python for Beginners"),
        ("course", "Advanced Python Patterns"),
    }
    assert suggest(client, "") == [] and suggest(client, "%20") == [] and suggest(client, "!!") == []
    data = get(client, "q=gui", url=SUGGEST)
    by_type = {item["type"]: item for item in data["results"]}
    assert by_type["course"]["slug"] == corpus["courses"][7].slug
    assert by_type["tutor"]["slug"] == str(corpus["tutors"]["guido"].pk)
    assert get(client, "q=prog", url=SUGGEST)["results"][0]["slug"] == "programming"


def test_suggestions_show_published_content_only_and_at_most_ten(corpus, client_for, make_user):
    client = client_for(None)
    hidden = make_user(Role.TUTOR, first_name="Secretive", last_name="Author")
    CourseFactory(
        title="Secret draft course", tutors=[hidden], is_published=False, category=CategoryFactory(name="Secrets")
    )
    assert suggest(client, "secre") == [], "no draft, no category of drafts only, no tutor of drafts only"
    for n in range(12):
        CourseFactory(title=f"Pythonic idioms {n:02d}")
    results = suggest(client, "pyth")
    assert len(results) == 10 and all(kind == "course" for kind, _ in results)
    assert "Python Draft Secrets" not in [label for _, label in results]


def test_suggestion_input_is_checked(corpus, client_for):
    body = suggest(client_for(None), "x" * 201, status=400)
    assert "q" in body
    assert "q" in suggest(client_for(None), "%00", status=400)


# --- Lesson search -----------------------------------------------------------------------------------------


@pytest.fixture
def lessons(corpus):
    course = corpus["courses"][1]
    part = PartFactory(course=course)
    LessonFactory(part=part, title="Installing Python", description="Set up the interpreter.", is_free_preview=True)
    LessonFactory(part=part, title="Variables and loops", description="Python variables, for loops and lists.")
    LessonFactory(part=part, title="Functions", description="Defining and calling them.")
    return course


def lesson_results(client, q: str) -> list[dict]:
    data = get(client, f"q={q}", url=LESSON_SEARCH)
    assert data["count"] == len(data["results"])
    return data["results"]


def test_lesson_search_ranks_titles_first_and_highlights(lessons, client_for):
    results = lesson_results(client_for(None), "python")
    assert [r["lesson"]["title"] for r in results] == ["Installing Python", "Variables and loops"]
    first, second = results
    assert first["course"] == {"slug": lessons.slug, "title": "Python for Beginners"}
    assert first["lesson"]["slug"] and first["is_free_preview"] is True and second["is_free_preview"] is False
    assert "<mark>" in second["headline"] and "python" in second["headline"].lower(), second["headline"]
    assert lesson_results(client_for(None), "") == []
    assert [r["lesson"]["title"] for r in lesson_results(client_for(None), "calling")] == ["Functions"]


def test_lesson_search_never_shows_drafts(lessons, corpus, client_for, admin_user):
    for viewer in (None, corpus["tutors"]["guido"], admin_user):
        found = [r["lesson"]["title"] for r in lesson_results(client_for(viewer), "secrets")]
        assert found == [], "lessons of a draft never appear, even to its tutor"
    Course.objects.filter(pk=lessons.pk).update(is_published=False)
    assert lesson_results(client_for(None), "python") == [], "an unpublished course's lessons disappear"


def test_search_paths_do_not_shadow_a_course_called_search(corpus, client_for):
    course = CourseFactory(title="Search")
    assert course.slug == "search"
    assert get(client_for(None), url=f"{COURSES}search/")["title"] == "Search"
    assert get(client_for(None), "q=x", url=SUGGEST)["results"] == []


# --- Engines -------------------------------------------------------------------------------------------------


def test_the_engine_behind_the_fuzzy_tier(db):
    """PostgreSQL: pg_trgm with the documented threshold on every connection, and the indexes
    serve the searches; SQLite: the registered difflib stand-in for word_similarity."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT strict_word_similarity(%s, %s), strict_word_similarity(%s, %s)",
            ["pyton", "Python", "pyton", "Guitar"],
        )
        close, far = cursor.fetchone()
        if ON_POSTGRES:
            cursor.execute("SHOW pg_trgm.strict_word_similarity_threshold")
            assert float(cursor.fetchone()[0]) == 0.4
            assert close >= 0.4 > far
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname IN "
                "('course_title_trgm', 'course_search_extra_trgm', 'category_name_trgm', 'lesson_search_gin')"
            )
            assert len(cursor.fetchall()) == 4
        else:
            assert close >= 0.8 > far
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'course_title_trgm'")
            assert cursor.fetchall() == [], "no trigram index on SQLite"


def test_postgres_plans_use_the_indexes_sqlite_scans(corpus):
    from courses import search

    lessons = search.lesson_search("python")
    courses = search.course_search_filter(Course.objects.order_by(), "pyton")
    with connection.cursor() as cursor:
        if ON_POSTGRES:
            cursor.execute("SET enable_seqscan = off")
            plans = []
            for queryset in (lessons, courses):
                sql, params = queryset.query.sql_with_params()
                cursor.execute(f"EXPLAIN {sql}", params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
            cursor.execute("SET enable_seqscan = on")
            assert "lesson_search_gin" in plans[0], plans[0]
            assert "course_title_trgm" in plans[1] and "course_search_extra_trgm" in plans[1], plans[1]
        else:
            sql, params = courses.query.sql_with_params()
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            assert "SCAN" in " ".join(str(row) for row in cursor.fetchall())
    assert {c.title for c in courses} == {"Python for Beginners", "Advanced Python Patterns", "Python Draft Secrets"}
