"""Certificates of completion (API.md section 4): issued exactly once when an enrolled student
completes 100 % of a course, rendered to a PDF in the background (Celery runs eagerly here),
listed to their owner only, verified publicly without any e-mail address, and rendered again
when the student's name changes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.tests.helpers import run_together
from courses.models import Enrollment
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from learning import services
from learning.models import Certificate, LessonProgress
from notifications.models import Notification
from users.models import Role

pytestmark = pytest.mark.django_db

LIST = "/api/courses/certificates/"


def detail_url(certificate) -> str:
    return f"{LIST}{certificate.pk}/"


def verify_url(code: str) -> str:
    return f"{LIST}verify/{code}/"


def progress_url(lesson) -> str:
    return f"/api/courses/lessons/{lesson.slug}/progress/"


def watch(client, lesson, *, fraction: float = 1.0) -> None:
    """Report a player position at ``fraction`` of the lesson through the real progress endpoint."""
    seconds = int(lesson.duration.total_seconds() * fraction)
    response = client.post(progress_url(lesson), {"position_seconds": seconds})
    assert response.status_code == 200, response.content


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def stored_pdf_text(certificate: Certificate) -> str:
    with default_storage.open(certificate.pdf.name, "rb") as handle:
        return pdf_text(handle.read())


@pytest.fixture
def tutors(make_user):
    return [
        make_user(Role.TUTOR, first_name="Ada", last_name="Lovelace"),
        make_user(Role.TUTOR, first_name="Alan", last_name="Turing"),
    ]


@pytest.fixture
def course(tutors):
    """A published course taught by two tutors: one part of three 5-minute lessons."""
    course = CourseFactory(title="Applied Cryptography", tutors=tutors)
    part = PartFactory(course=course)
    for order in range(3):
        LessonFactory(part=part, order=order)
    return course


@pytest.fixture
def lessons(course):
    return list(course.parts.get().lessons.order_by("order"))


@pytest.fixture
def learner(make_user, course):
    """An enrolled student with a name, an e-mail that must never leak, and a client."""
    student = make_user(Role.STUDENT, first_name="Dilnoza", last_name="Karimova", email="dilnoza.k@example.com")
    EnrollmentFactory(student=student, course=course)
    return student


def complete(client, lessons, capture) -> None:
    """Watch every lesson to the end, running on-commit work (the PDF render) as it happens."""
    with capture(execute=True):
        for lesson in lessons:
            watch(client, lesson)


# --- Issuing -------------------------------------------------------------------------------------


def test_a_certificate_is_issued_exactly_once_when_the_last_lesson_is_completed(
    client_for, learner, course, lessons, django_capture_on_commit_callbacks
):
    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons[:-1]:
            watch(client, lesson)
        watch(client, lessons[-1], fraction=0.89)  # under the 90 % threshold: not completed
    assert not Certificate.objects.exists(), "no certificate before 100 %"
    assert client.get(f"/api/courses/courses/{course.slug}/progress/").json()["completed_at"] is None

    complete(client, lessons[-1:], django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get()
    assert (certificate.student, certificate.course) == (learner, course)
    assert certificate.student_name == "Dilnoza Karimova"
    assert len(certificate.verification_code) == 20

    # Watching again (and completing again) issues nothing more and keeps the same code.
    complete(client, lessons, django_capture_on_commit_callbacks)
    assert Certificate.objects.count() == 1
    assert Certificate.objects.get().verification_code == certificate.verification_code
    progress = client.get(f"/api/courses/courses/{course.slug}/progress/").json()
    assert progress["percent"] == 100


def test_no_certificate_at_99_percent(client_for, learner, django_capture_on_commit_callbacks):
    course = CourseFactory(title="A hundred lessons")
    part = PartFactory(course=course)
    hundred = [LessonFactory(part=part, order=n) for n in range(100)]
    EnrollmentFactory(student=learner, course=course)
    LessonProgress.objects.bulk_create(
        LessonProgress(
            student=learner, lesson=lesson, position_seconds=300, completed=True, completed_at=timezone.now()
        )
        for lesson in hundred[:98]
    )
    client = client_for(learner)
    complete(client, hundred[98:99], django_capture_on_commit_callbacks)
    assert client.get(f"/api/courses/courses/{course.slug}/progress/").json()["percent"] == 99
    assert not Certificate.objects.filter(course=course).exists(), "99 % earns no certificate"

    complete(client, hundred[99:], django_capture_on_commit_callbacks)
    assert Certificate.objects.filter(course=course, student=learner).count() == 1


@pytest.mark.parametrize("who", ["owner tutor", "admin"])
def test_tutors_and_admins_previewing_a_course_earn_no_certificate(
    who, client_for, tutors, admin_user, lessons, django_capture_on_commit_callbacks
):
    viewer = tutors[0] if who == "owner tutor" else admin_user
    complete(client_for(viewer), lessons, django_capture_on_commit_callbacks)
    assert LessonProgress.objects.filter(student=viewer, completed=True).count() == len(lessons)
    assert not Certificate.objects.exists()


def test_no_certificate_after_a_refund(client_for, learner, course, lessons, django_capture_on_commit_callbacks):
    """A refund revokes the enrolment: even a free-preview last lesson (still watchable by
    anyone) completes the course without a certificate."""
    client = client_for(learner)
    complete(client, lessons[:-1], django_capture_on_commit_callbacks)
    Enrollment.objects.filter(student=learner, course=course).update(is_active=False)  # as a refund does
    last = lessons[-1]
    last.is_free_preview = True
    last.save(update_fields=["is_free_preview"])

    complete(client, [last], django_capture_on_commit_callbacks)
    assert LessonProgress.objects.filter(student=learner, completed=True).count() == len(lessons)
    assert not Certificate.objects.exists()


def test_issuing_is_idempotent(learner, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.certificate_issue(student=learner, course=course)
        again = services.certificate_issue(student=learner, course=course)
    assert first.pk == again.pk
    assert Certificate.objects.count() == 1
    assert len(callbacks) == 2, "one render and one notification are queued, for the one certificate"
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(recipient=learner, kind="certificate_issued").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_completions_issue_one_certificate(make_user):
    student = make_user(Role.STUDENT, first_name="Race", last_name="Condition")
    course = CourseFactory()
    EnrollmentFactory(student=student, course=course)

    def issue() -> str | OperationalError:
        try:
            return str(services.certificate_issue(student=student, course=course).pk)
        except OperationalError as exc:  # SQLite only: "database table is locked"
            return exc

    outcomes = run_together([issue] * 8)
    results = [outcome for outcome in outcomes if isinstance(outcome, str)]
    errors = [outcome for outcome in outcomes if isinstance(outcome, OperationalError)]

    assert Certificate.objects.filter(student=student, course=course).count() == 1
    certificate = Certificate.objects.get()
    assert results and set(results) == {str(certificate.pk)}, "every caller gets the one certificate"
    if connection.vendor == "postgresql":
        assert not errors and len(results) == 8, f"PostgreSQL must absorb the race without errors: {errors}"


# --- The PDF ----------------------------------------------------------------------------------------


def test_the_pdf_is_rendered_with_name_course_tutors_date_code_and_verification_url(
    client_for, learner, lessons, django_capture_on_commit_callbacks, settings
):
    settings.FRONTEND_URL = "https://11tutors.example"
    client = client_for(learner)
    complete(client, lessons, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get()
    assert certificate.pdf and certificate.pdf_generated_at is not None

    # Through the API: the absolute URL of the stored file, under the media space.
    body = client.get(detail_url(certificate)).json()
    assert body["pdf_url"] == f"http://testserver/media/{certificate.pdf.name}"
    assert body["pdf_url"].startswith("http://testserver/media/certificates/") and body["pdf_url"].endswith(".pdf")
    with default_storage.open(certificate.pdf.name, "rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")

    text = pdf_text(data)
    code = certificate.verification_code
    for expected in (
        "Dilnoza Karimova",
        "Applied Cryptography",
        "Ada Lovelace",
        "Alan Turing",
        f"{certificate.issued_at:%B} {certificate.issued_at.day}, {certificate.issued_at.year}",  # CLDR English
        code,
        f"https://11tutors.example/certificates/verify/{code}",
        f"/api/courses/certificates/verify/{code}/",
    ):
        assert expected in text, f"{expected!r} missing from the PDF text:\n{text}"
    assert learner.email not in text


def test_pdf_url_is_null_while_the_pdf_is_being_generated(client_for, learner, course):
    certificate = services.certificate_issue(student=learner, course=course)  # render not run yet
    body = client_for(learner).get(detail_url(certificate)).json()
    assert body["pdf_url"] is None
    assert body["verification_code"] == certificate.verification_code


def test_a_student_without_a_name_gets_a_neutral_name_never_their_email(
    make_user, course, django_capture_on_commit_callbacks
):
    student = make_user(Role.STUDENT, first_name="", last_name="", email="nameless@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(student=student, course=course)
    certificate.refresh_from_db()
    assert certificate.student_name == "11Tutors student"
    text = stored_pdf_text(certificate)
    assert "11Tutors student" in text
    assert "nameless" not in text


def test_a_render_that_lost_a_race_with_a_rename_is_thrown_away(
    learner, course, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(student=learner, course=course)
    certificate.refresh_from_db()
    first_pdf, first_time = certificate.pdf.name, certificate.pdf_generated_at
    real_render = services.certificate_pdf_render

    def render_while_renamed(**kwargs):
        Certificate.objects.filter(pk=certificate.pk).update(student_name="Renamed Meanwhile")
        return real_render(**kwargs)

    monkeypatch.setattr(services, "certificate_pdf_render", render_while_renamed)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificate_render(certificate_id=certificate.pk) is None
    certificate.refresh_from_db()
    assert (certificate.pdf.name, certificate.pdf_generated_at) == (first_pdf, first_time)
    assert default_storage.exists(first_pdf)
    assert sorted(default_storage.listdir("certificates")[1]) == [first_pdf.split("/")[-1]], "no orphan file"


# --- Renaming ------------------------------------------------------------------------------------


def test_a_name_change_updates_the_certificate_and_renders_it_again(
    client_for, learner, lessons, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_for(learner)
    complete(client, lessons, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get()
    old_pdf, old_time = certificate.pdf.name, certificate.pdf_generated_at

    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch("/api/auth/users/me/", {"first_name": "Dilnoza", "last_name": "Rashidova"})
    assert response.status_code == 200, response.content

    certificate.refresh_from_db()
    assert certificate.student_name == "Dilnoza Rashidova"
    assert certificate.pdf_generated_at == later != old_time
    assert certificate.pdf.name != old_pdf
    assert not default_storage.exists(old_pdf), "the stale PDF is deleted"
    text = stored_pdf_text(certificate)
    assert "Dilnoza Rashidova" in text and "Karimova" not in text
    assert client.get(verify_url(certificate.verification_code)).json()["student_name"] == "Dilnoza Rashidova"


def test_a_profile_update_without_a_name_change_renders_nothing(
    client_for, learner, lessons, django_capture_on_commit_callbacks
):
    client = client_for(learner)
    complete(client, lessons, django_capture_on_commit_callbacks)
    before = Certificate.objects.values_list("pdf", "pdf_generated_at").get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch("/api/auth/users/me/", {"first_name": "Dilnoza", "phone": "+998 90 000 00 00"})
    assert response.status_code == 200, response.content
    assert Certificate.objects.values_list("pdf", "pdf_generated_at").get() == before


# --- Listing and detail -------------------------------------------------------------------------------


def test_students_list_and_read_only_their_own_certificates(client_for, learner, course, make_user):
    mine = services.certificate_issue(student=learner, course=course)
    other = make_user(Role.STUDENT)
    theirs = services.certificate_issue(student=other, course=CourseFactory())

    response = client_for(learner).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    assert body["results"] == [
        {
            "id": str(mine.pk),
            "course": {"id": str(course.pk), "slug": course.slug, "title": "Applied Cryptography"},
            "student_name": "Dilnoza Karimova",
            "issued_at": body["results"][0]["issued_at"],
            "verification_code": mine.verification_code,
            "pdf_url": None,
        }
    ]
    assert client_for(learner).get(detail_url(mine)).status_code == 200
    assert client_for(learner).get(detail_url(theirs)).status_code == 404, "another's certificate does not exist"
    assert client_for(other).get(detail_url(mine)).status_code == 404


def test_admins_see_every_certificate(client_for, learner, course, make_user, admin_user):
    services.certificate_issue(student=learner, course=course)
    theirs = services.certificate_issue(student=make_user(Role.STUDENT), course=course)
    assert client_for(admin_user).get(LIST).json()["count"] == 2
    assert client_for(admin_user).get(detail_url(theirs)).status_code == 200


@pytest.mark.parametrize("who", ["user", "tutor"])
def test_people_without_certificates_get_an_empty_list(who, client_for, make_user):
    services.certificate_issue(student=make_user(Role.STUDENT), course=CourseFactory())
    body = client_for(make_user(Role.USER if who == "user" else Role.TUTOR)).get(LIST).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_anonymous_callers_get_401_on_the_list_and_detail(api_client, learner, course):
    certificate = services.certificate_issue(student=learner, course=course)
    for url in (LIST, detail_url(certificate)):
        response = api_client.get(url)
        assert response.status_code == 401, url
        assert response.has_header("WWW-Authenticate")


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1" * 40])
def test_bad_or_unknown_ids_are_404(bad_id, client_for, learner):
    assert client_for(learner).get(f"{LIST}{bad_id}/").status_code == 404


def test_writes_are_not_allowed(client_for, learner, course):
    certificate = services.certificate_issue(student=learner, course=course)
    client = client_for(learner)
    assert client.post(LIST, {}).status_code == 405
    assert client.patch(detail_url(certificate), {"student_name": "Someone Else"}).status_code == 405
    assert client.delete(detail_url(certificate)).status_code == 405
    assert Certificate.objects.get().student_name == "Dilnoza Karimova"


def test_the_list_costs_a_fixed_number_of_queries(client_for, make_user, admin_user):
    """auth, count, page (course joined): the same whatever the number of certificates."""
    student = make_user(Role.STUDENT)

    def measure(client) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(queries)

    services.certificate_issue(student=student, course=CourseFactory())
    small = {"student": measure(client_for(student)), "admin": measure(client_for(admin_user))}
    for _ in range(12):
        course = CourseFactory(tutors=[make_user(Role.TUTOR), make_user(Role.TUTOR)])
        services.certificate_issue(student=student, course=course)
        services.certificate_issue(student=make_user(Role.STUDENT), course=course)
    large = {"student": measure(client_for(student)), "admin": measure(client_for(admin_user))}
    assert client_for(student).get(LIST).json()["count"] == 13
    assert small == large, f"the query count grew with the data: {small} -> {large}"
    assert max(large.values()) <= 3, large


# --- Public verification ---------------------------------------------------------------------------


def test_verification_is_public_and_never_shows_the_email(api_client, learner, course):
    certificate = services.certificate_issue(student=learner, course=course)
    response = api_client.get(verify_url(certificate.verification_code))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "valid": True,
        "student_name": "Dilnoza Karimova",
        "course": {"title": "Applied Cryptography", "slug": course.slug},
        "issued_at": body["issued_at"],
        "verification_code": certificate.verification_code,
    }
    assert body["issued_at"].startswith(f"{certificate.issued_at:%Y-%m-%d}")
    assert learner.email not in response.content.decode()
    assert "dilnoza.k" not in response.content.decode()


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer ", "Token abc", "Bearer a.b.c"])
def test_verification_ignores_any_authorization_header(header, api_client, learner, course):
    certificate = services.certificate_issue(student=learner, course=course)
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get(verify_url(certificate.verification_code))
    assert response.status_code == 200, response.content
    assert response.json()["student_name"] == "Dilnoza Karimova"


def test_verification_accepts_the_code_typed_in_lower_case(api_client, learner, course):
    certificate = services.certificate_issue(student=learner, course=course)
    response = api_client.get(verify_url(certificate.verification_code.lower()))
    assert response.status_code == 200
    assert response.json()["verification_code"] == certificate.verification_code


@pytest.mark.parametrize("code", ["UNKNOWNCODE234567890", "x", "A" * 200, "%00", "abc%20def", "ab-cd"])
def test_unknown_or_malformed_codes_are_404(code, api_client, learner, course):
    services.certificate_issue(student=learner, course=course)
    response = api_client.get(verify_url(code))
    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"]}


def test_verify_url_is_named(learner, course):
    certificate = services.certificate_issue(student=learner, course=course)
    assert reverse("certificate-verify", kwargs={"verification_code": certificate.verification_code}) == (
        verify_url(certificate.verification_code)
    )


# --- Admin -----------------------------------------------------------------------------------------------


def test_admin_lists_and_searches_certificates(admin_client, learner, course):
    certificate = services.certificate_issue(student=learner, course=course)
    url = reverse("admin:learning_certificate_changelist")
    for query in ("", certificate.verification_code, "dilnoza.k@example.com", "Cryptography"):
        response = admin_client.get(url, {"q": query})
        assert response.status_code == 200, query
        assert certificate.verification_code in response.content.decode(), query
    response = admin_client.get(url, {"q": "no such thing"})
    assert certificate.verification_code not in response.content.decode()
    assert admin_client.get(reverse("admin:learning_certificate_change", args=[certificate.pk])).status_code == 200
    assert admin_client.get(reverse("admin:learning_certificate_add")).status_code == 403


def test_admin_action_regenerates_the_pdf(admin_client, learner, course, django_capture_on_commit_callbacks):
    certificate = services.certificate_issue(student=learner, course=course)  # never rendered
    # A rename through the admin's user form bypasses the service: the action catches up.
    type(learner).objects.filter(pk=learner.pk).update(last_name="Yusupova")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:learning_certificate_changelist"),
            {"action": "regenerate_pdf", "_selected_action": [str(certificate.pk)]},
        )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.student_name == "Dilnoza Yusupova"
    assert certificate.pdf_generated_at is not None
    assert "Dilnoza Yusupova" in stored_pdf_text(certificate)
