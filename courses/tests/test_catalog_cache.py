"""The public catalog is served from one shared cached body per page, with each signed-in
viewer's own fields laid over it; every catalog edit shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from users.models import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),  # invalidation runs on commit
    pytest.mark.usefixtures("catalog_cache_on", "viewer_cache_on"),
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


def test_signed_in_viewers_share_the_public_body_with_their_own_fields(api_client, client_for, make_user):
    """One cached body for everyone; each viewer's is_enrolled is computed for them, in one query."""
    first, second = CourseFactory(), CourseFactory()
    alice, bob = make_user(Role.STUDENT), make_user(Role.STUDENT)
    EnrollmentFactory(course=first, student=alice)
    EnrollmentFactory(course=second, student=bob)
    queries(api_client, LIST)  # fills the cache
    enrolled = {}
    for name, user in (("alice", alice), ("bob", bob)):
        count, body = queries(client_for(user), LIST)
        assert count == 2, "auth + the viewer's enrolments among the page's courses"
        enrolled[name] = {c["slug"] for c in body["results"] if c["is_enrolled"]}
    assert enrolled == {"alice": {first.slug}, "bob": {second.slug}}
    _, anonymous = queries(api_client, LIST)
    assert not any(c["is_enrolled"] for c in anonymous["results"]), "nobody's fields leak into the shared body"


def test_enrolment_and_refund_show_on_the_next_signed_in_read(api_client, client_for, student):
    course = CourseFactory()
    client = client_for(student)
    assert queries(client, LIST)[1]["results"][0]["is_enrolled"] is False
    enrollment = EnrollmentFactory(course=course, student=student)
    _, body = queries(client, LIST)
    assert body["results"][0]["is_enrolled"] is True
    assert body["results"][0]["students_count"] == 1
    # A refund takes back the access its payment gave (a bulk update, no signal).
    services.enrollments_deactivate(student_id=student.pk, course_ids=[course.pk], source=enrollment.source)
    _, body = queries(client, LIST)
    assert body["results"][0]["is_enrolled"] is False, "revoked at once, even where the cache still holds the page"


def test_drafts_are_built_for_their_tutors_only(api_client, client_for, student):
    draft = CourseFactory(is_published=False)
    detail = f"{LIST}{draft.slug}/"
    assert api_client.get(detail).status_code == 404
    assert client_for(student).get(detail).status_code == 404
    response = client_for(draft.tutors.get()).get(detail)
    assert response.status_code == 200 and response.json()["is_published"] is False


@pytest.mark.parametrize("page", ["list", "detail"])
def test_entity_tags_answer_304_and_change_with_the_content_and_the_viewer(api_client, client_for, student, page):
    course = CourseFactory()
    url = LIST if page == "list" else f"{LIST}{course.slug}/"
    first = api_client.get(url)
    tag = first["ETag"]
    assert tag.startswith('"') and first["Cache-Control"] == "no-cache" and "Authorization" in first["Vary"]
    again = api_client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == tag
    client = client_for(student)
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304, "nothing of the viewer's own on this page"
    EnrollmentFactory(course=course, student=student)
    assert api_client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200, "students_count changed"
    mine = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert mine.status_code == 200 and mine["Cache-Control"] == "private, no-cache"
    assert mine["ETag"] != api_client.get(url)["ETag"], "the viewer's fields are part of the tag"
    assert client.get(url, HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 304


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


def test_the_overlay_is_not_fooled_by_a_description_that_looks_like_the_field(api_client, client_for, student):
    tricky = CourseFactory(description='Say "is_enrolled":false and {"is_enrolled":false}', title='"is_enrolled":false')
    plain = CourseFactory()
    EnrollmentFactory(course=tricky, student=student)
    queries(api_client, LIST)
    _, body = queries(client_for(student), LIST)
    flags = {c["slug"]: c["is_enrolled"] for c in body["results"]}
    assert flags == {tricky.slug: True, plain.slug: False}
    texts = next(c for c in body["results"] if c["slug"] == tricky.slug)
    assert texts["description"] == 'Say "is_enrolled":false and {"is_enrolled":false}'
    assert texts["title"] == '"is_enrolled":false'
