"""The anonymous catalog is served from the cache, and every catalog edit shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),  # invalidation runs on commit
    pytest.mark.usefixtures("catalog_cache_on"),
]

LIST = "/api/courses/courses/"


def queries(client, url, **extra) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def test_second_anonymous_request_costs_no_query(api_client):
    course = CourseFactory()
    first, body = queries(api_client, LIST)
    again, cached = queries(api_client, LIST)
    assert first > 0 and again == 0
    assert cached == body
    detail = f"{LIST}{course.slug}/"
    assert queries(api_client, detail)[0] > 0
    assert queries(api_client, detail)[0] == 0


@pytest.mark.parametrize(
    "edit",
    [
        lambda course, tutor: setattr(course, "title", "Renamed") or course.save(),
        lambda course, tutor: LessonFactory(part=PartFactory(course=course)),
        lambda course, tutor: setattr(tutor, "first_name", "Zed") or tutor.save(),
        lambda course, tutor: course.tutors.clear(),
        lambda course, tutor: EnrollmentFactory(course=course),
    ],
    ids=["course", "new lesson", "tutor name", "tutors", "enrolment"],
)
def test_catalog_edits_invalidate_at_once(api_client, edit):
    course = CourseFactory()
    tutor = course.tutors.get()
    _, before = queries(api_client, f"{LIST}{course.slug}/")
    edit(course, tutor)
    count, after = queries(api_client, f"{LIST}{course.slug}/")
    assert count > 0, "the edit must not be answered from the cache"
    assert after != before


def test_publishing_through_the_api_shows_in_the_anonymous_list(api_client, client_for, tutor):
    draft = CourseFactory(tutors=[tutor], is_published=False)
    assert queries(api_client, LIST)[1]["count"] == 0
    assert client_for(tutor).patch(f"{LIST}{draft.slug}/", {"is_published": True}, format="json").status_code == 200
    assert queries(api_client, LIST)[1]["count"] == 1


def test_signed_in_users_are_never_served_from_the_cache(api_client, client_for, student):
    CourseFactory()
    queries(api_client, LIST)
    client = client_for(student)
    assert queries(client, LIST)[0] > 0
    assert queries(client, LIST)[0] > 0, "is_enrolled is personal: no cache for signed-in users"


def test_hosts_and_query_strings_are_separate_entries(api_client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "api.example.com"]
    CourseFactory()
    queries(api_client, LIST)
    count, body = queries(api_client, LIST, HTTP_X_FORWARDED_HOST="api.example.com")
    assert count > 0
    assert body["results"][0]["thumbnail"].startswith("http://api.example.com/")
    assert queries(api_client, LIST, QUERY_STRING="page_size=5")[0] > 0


def test_cache_off_means_every_request_queries(api_client, settings):
    settings.CATALOG_CACHE_SECONDS = 0
    CourseFactory()
    queries(api_client, LIST)
    assert queries(api_client, LIST)[0] > 0
