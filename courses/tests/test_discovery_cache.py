"""Search results, facets, headlines and suggestions live in the shared catalog cache: one body
per full URL (every query parameter is part of the key), replaced by every catalog write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.tests.factories import CategoryFactory, CourseFactory
from users.models import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),  # invalidation runs on commit
    pytest.mark.usefixtures("catalog_cache_on", "viewer_cache_on"),
]

LIST = "/api/courses/courses/"
SUGGEST = "/api/courses/search/suggest/"


def queries(client, url) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def level_counts(body) -> dict:
    return {row["value"]: row["count"] for row in body["facets"]["level"]}


def test_each_query_string_is_cached_apart_and_writes_refresh_it(api_client, client_for, make_user, admin_user):
    tutor = make_user(Role.TUTOR, first_name="Tess", last_name="Tutor")
    category = CategoryFactory(name="Programming")
    course = CourseFactory(
        title="Python basics", description="Loops and lists.", level="beginner", tutors=[tutor], category=category
    )
    CourseFactory(title="Guitar chords", level="advanced")
    python_url = f"{LIST}?search=pyton&facets=level,category&limit=12"
    first, python = queries(api_client, python_url)
    again, cached = queries(api_client, python_url)
    assert first > 0 and again == 0 and cached == python, "the second request is served from the cache"
    assert [c["title"] for c in python["results"]] == ["Python basics"]
    assert level_counts(python)["beginner"] == 1
    _, guitar = queries(api_client, f"{LIST}?search=guitar&facets=level,category&limit=12")
    assert [c["title"] for c in guitar["results"]] == ["Guitar chords"], "another search, another body"
    _, reordered = queries(api_client, f"{LIST}?limit=12&facets=level,category&search=pyton")
    assert reordered["results"] == python["results"]

    tutor_client = client_for(tutor)
    response = tutor_client.patch(f"{LIST}{course.slug}/", {"level": "advanced", "description": "Loops and dicts."})
    assert response.status_code == 200, response.content
    _, after = queries(api_client, python_url)
    assert level_counts(after) == {"beginner": 0, "intermediate": 0, "advanced": 1, "all": 0}, "facets follow"
    assert after["results"][0]["level"] == "advanced"
    _, searched = queries(api_client, f"{LIST}?search=dicts")
    assert "<mark>dicts</mark>" in searched["results"][0]["headline"], "headlines follow the description"

    response = client_for(admin_user).patch(f"/api/courses/categories/{category.pk}/", {"name": "Coding"})
    assert response.status_code == 200, response.content
    _, renamed = queries(api_client, python_url)
    assert renamed["facets"]["category"] == [{"slug": category.slug, "name": "Coding", "count": 1}]


def test_suggestions_are_cached_until_the_catalog_changes(api_client, client_for, make_user):
    tutor = make_user(Role.TUTOR)
    course = CourseFactory(title="Python basics", tutors=[tutor])
    first, body = queries(api_client, f"{SUGGEST}?q=pyt")
    again, cached = queries(api_client, f"{SUGGEST}?q=pyt")
    assert first == 3 and again == 0 and cached == body
    assert body["results"] == [{"type": "course", "label": "Python basics", "slug": course.slug}]
    response = client_for(tutor).patch(f"{LIST}{course.slug}/", {"title": "Pytest in practice"})
    assert response.status_code == 200
    _, renamed = queries(api_client, f"{SUGGEST}?q=pyt")
    assert renamed["results"] == [{"type": "course", "label": "Pytest in practice", "slug": course.slug}]
    response = client_for(tutor).patch(f"{LIST}{course.slug}/", {"is_published": False})
    assert response.status_code == 200
    assert queries(api_client, f"{SUGGEST}?q=pyt")[1]["results"] == [], "unpublished: gone at once"


def test_suggested_categories_are_labelled_in_the_request_language_and_cached_per_language(api_client):
    category = CategoryFactory(name="Programming", translations={"ru": {"name": "Программирование"}})
    CourseFactory(title="Loops", category=category)
    url = f"{SUGGEST}?q=progr"
    english = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    russian = api_client.get(url, HTTP_ACCEPT_LANGUAGE="ru").json()["results"]
    english_again = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert {"type": "category", "label": "Programming", "slug": category.slug} in english
    assert {"type": "category", "label": "Программирование", "slug": category.slug} in russian
    assert english_again == english, "one cached answer per language: Russian never leaks into English"
