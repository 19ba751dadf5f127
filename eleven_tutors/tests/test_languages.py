"""The API, its e-mails and its certificates in every language of settings.LANGUAGES (issue 17).

Expected texts are the catalog's translations (``expect``), and every non-English one is checked
to differ from the English source: a missing translation fails here.
"""

# Texts in Russian and Uzbek on purpose: their letters are not look-alikes of Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext, ngettext
from pypdf import PdfReader

from courses.models import Course
from courses.tests.factories import CategoryFactory, CourseFactory
from courses.tests.urls import CATEGORIES, COURSES
from learning.pdf import certificate_pdf_render
from users.models import Role, User
from users.tests.factories import PASSWORD
from users.tests.urls import ME_URL, USERS_URL

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ru", "es", "uz"]
RESET_URL = "/api/auth/password/reset/"


def expect(language: str, msgid: str) -> str:
    """``msgid`` in ``language`` (from our catalogs, Django's or the libraries'); never the
    English source in another language."""
    with translation.override(language):
        text = gettext(msgid)
    if language != "en":
        assert text != msgid, f"{msgid!r} has no {language} translation"
    return text


def lang(language: str) -> dict:
    return {"HTTP_ACCEPT_LANGUAGE": language}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- Errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_registration_validation_errors(api_client, make_user, language):
    make_user(Role.USER, email="taken@example.com")
    response = api_client.post(USERS_URL, {"email": "taken@example.com", "password": PASSWORD}, **lang(language))
    assert response.status_code == 400
    assert response["Content-Language"] == language
    assert response.json() == {"email": [expect(language, "A user with this e-mail address already exists.")]}
    # DRF's and Django's own messages too (Uzbek ones come from locale_vendor/).
    response = api_client.post(USERS_URL, {"email": "not-an-address", "password": PASSWORD}, **lang(language))
    assert response.status_code == 400
    with translation.override(language):
        from django.core.validators import EmailValidator

        assert response.json()["email"] == [str(EmailValidator.message)]
    if language != "en":
        assert response.json()["email"] != ["Enter a valid email address."]


@pytest.mark.parametrize("language", LANGUAGES)
def test_401_403_404_details(api_client, client_for, make_user, language):
    response = api_client.get(ME_URL, **lang(language))
    assert response.status_code == 401
    assert response.json()["detail"] == expect(language, "Authentication credentials were not provided.")

    bad_token = api_client.get(ME_URL, HTTP_AUTHORIZATION="Bearer not-a-token", **lang(language))
    assert bad_token.status_code == 401
    assert bad_token.json()["detail"] == expect(language, "Given token not valid for any token type")

    response = client_for(make_user(Role.USER)).get(USERS_URL, **lang(language))
    assert response.status_code == 403
    assert response.json()["detail"] == expect(language, "Only administrators may do this.")

    for url in (f"{COURSES}no-such-course/", "/api/no-such-endpoint/"):
        response = api_client.get(url, **lang(language))
        assert response.status_code == 404
        assert response.json()["detail"] == expect(language, "Not found.")
        assert response["Content-Language"] == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_throttled_429(api_client, settings, language):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "register_email": "1/hour"}
    cache.clear()
    body = {"email": "same@example.com", "password": "x"}
    assert api_client.post(USERS_URL, body, **lang(language)).status_code == 400
    response = api_client.post(USERS_URL, body, **lang(language))
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    with translation.override(language):
        retry = ngettext("Try again in {wait} second.", "Try again in {wait} seconds.", wait).format(wait=wait)
    assert response.json()["detail"] == f"{expect(language, 'Too many registration attempts.')} {retry}"
    if language != "en":
        assert "Try again" not in response.json()["detail"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_drf_own_throttle_is_translated_whole(language):
    from rest_framework.exceptions import Throttled

    from core.api.exceptions import exception_handler

    with translation.override(language):
        response = exception_handler(Throttled(wait=42), {})
        detail = str(response.data["detail"])
    assert detail.startswith(expect(language, "Too many requests."))
    assert "42" in detail
    if language != "en":
        assert "Try again" not in detail and "Expected available" not in detail


# --- E-mails ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_verification_email_in_the_language_of_the_registration(
    api_client, django_capture_on_commit_callbacks, language
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            USERS_URL, {"email": "new@example.com", "password": PASSWORD, "first_name": "Dilnoza"}, **lang(language)
        )
    assert response.status_code == 201, response.content
    assert User.objects.get(email="new@example.com").language == language
    [message] = mail.outbox
    assert message.subject == expect(language, "Confirm your e-mail address")
    with translation.override(language):
        hello = gettext("Hello %(name)s,") % {"name": "Dilnoza"}
    assert message.body.startswith(hello)
    assert expect(language, "Please confirm your e-mail address for 11Tutors by opening this link:") in message.body
    html = message.alternatives[0][0]
    assert expect(language, "Confirm my e-mail") in html
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_reset_email_in_the_account_holders_language(
    api_client, make_user, django_capture_on_commit_callbacks, language
):
    make_user(Role.USER, email="holder@example.com", first_name="Ana", language=language)
    other = "es" if language != "es" else "ru"  # the request's own language does not matter
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET_URL, {"email": "holder@example.com"}, **lang(other))
    assert response.status_code in (200, 202, 204), response.content
    [message] = mail.outbox
    assert message.subject == expect(language, "Reset your 11Tutors password")
    assert (
        expect(
            language,
            "Someone asked to reset the password of your 11Tutors account. To choose a new password, open:",
        )
        in message.body
    )
    assert expect(language, "Choose a new password") in message.alternatives[0][0]


def test_a_russian_tutor_gets_a_russian_email_caused_by_a_spanish_speaker(
    client_for, make_user, django_capture_on_commit_callbacks
):
    """The recipient's language, never the requester's: a Spanish-speaking tutor adds a Russian
    co-tutor to her course; the invitation e-mail is Russian."""
    spanish = make_user(Role.TUTOR, first_name="Lucía", last_name="García", language="es")
    russian = make_user(Role.TUTOR, first_name="Иван", language="ru")
    course = CourseFactory(tutors=[spanish], title="Álgebra")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(spanish).patch(
            f"{COURSES}{course.slug}/", {"tutors": [spanish.pk, russian.pk]}, format="json", **lang("es")
        )
    assert response.status_code == 200, response.content
    assert response["Content-Language"] == "es"
    [message] = mail.outbox
    assert message.to == [russian.email]
    assert message.subject == "Lucía García приглашает вас преподавать курс «Álgebra» на 11Tutors"
    assert message.body.startswith("Здравствуйте, Иван!")
    assert "Вы станете преподавателем курса, только если примете приглашение." in message.body


def test_a_spanish_students_reset_request_for_a_russian_account(
    api_client, make_user, django_capture_on_commit_callbacks
):
    make_user(Role.TUTOR, email="tutor.ru@example.com", first_name="Ольга", language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(RESET_URL, {"email": "tutor.ru@example.com"}, **lang("es"))
    [message] = mail.outbox
    assert message.subject == "Сброс пароля 11Tutors"
    assert message.body.startswith("Здравствуйте, Ольга!")


def test_users_without_a_language_get_the_default(make_user, api_client, django_capture_on_commit_callbacks):
    make_user(Role.USER, email="nolang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(RESET_URL, {"email": "nolang@example.com"}, **lang("uz"))
    assert mail.outbox[0].subject == "Reset your 11Tutors password"


# --- Certificates -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_certificate_pdf_text(language):
    issued = datetime(2026, 3, 5, 12, tzinfo=UTC)
    data = certificate_pdf_render(
        student_name="Дилноза Каримова",
        course_title="Oʻzbek tili",
        tutors=["Ana López", "Иван Петров"],
        issued_at=issued,
        verification_code="ABCD1234",
        verify_url="https://11tutors.example/certificates/ABCD1234",
        verify_api_path="/api/courses/certificates/verify/ABCD1234/",
        language=language,
    )
    text = " ".join(pdf_text(data).split())
    expected_date = {"en": "March 5, 2026", "ru": "5 марта 2026 г.", "es": "5 de marzo de 2026", "uz": "5-mart, 2026"}
    with translation.override(language):
        tutors = ngettext("Tutor: %(names)s", "Tutors: %(names)s", 2) % {"names": "Ana López, Иван Петров"}
        issued_on = gettext("Issued on %(date)s") % {"date": expected_date[language]}
    for expected in (
        expect(language, "Certificate of Completion"),
        expect(language, "This certifies that"),
        expect(language, "has successfully completed the course"),
        "Дилноза Каримова",  # Cyrillic, with the font shipped in learning/fonts/
        "Oʻzbek tili",
        tutors,
        " ".join(issued_on.split()),
        "ABCD1234",
    ):
        assert " ".join(expected.split()) in text, f"{expected!r} missing from the {language} PDF:\n{text}"


def test_a_certificate_is_rendered_in_its_students_language(make_user):
    from learning.models import Certificate
    from learning.services import certificate_render

    student = make_user(Role.STUDENT, first_name="Aziz", last_name="Karimov", language="uz")
    course = CourseFactory(title="Matematika")
    certificate = Certificate.objects.create(student=student, course=course, student_name="Aziz Karimov")
    certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        text = pdf_text(handle.read())
    assert "Tamomlaganlik sertifikati" in text and "Certificate of Completion" not in text


# --- Content: categories and courses ----------------------------------------------------------

CATEGORY_NAMES = {"en": "Mathematics", "ru": "Математика", "es": "Matemáticas", "uz": "Matematika"}


def translated_category():
    return CategoryFactory(
        name="Mathematics",
        description="Numbers.",
        translations={
            "ru": {"name": "Математика", "description": "Числа."},
            "es": {"name": "Matemáticas"},  # no description: the default's
            "uz": {"name": "Matematika", "description": "Sonlar."},
        },
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_category_names_in_the_request_language(api_client, client_for, make_user, language):
    category = translated_category()
    CourseFactory(category=category)
    listing = api_client.get(CATEGORIES, **lang(language))
    assert listing["Content-Language"] == language
    [item] = listing.json()["results"] if "results" in listing.json() else listing.json()
    assert item["name"] == CATEGORY_NAMES[language]
    expected_description = {"en": "Numbers.", "ru": "Числа.", "es": "Numbers.", "uz": "Sonlar."}
    assert item["description"] == expected_description[language]
    courses = api_client.get(COURSES, **lang(language)).json()["results"]
    assert courses[0]["category"]["name"] == CATEGORY_NAMES[language]
    # A signed-in user's own language wins over the header.
    reader = make_user(Role.USER, language=language)
    courses = client_for(reader).get(COURSES, **lang("en" if language != "en" else "ru")).json()["results"]
    assert courses[0]["category"]["name"] == CATEGORY_NAMES[language]


def test_a_language_without_translation_falls_back_to_the_default(api_client):
    CategoryFactory(name="Physics", translations={"ru": {"name": "Физика"}})
    names = {lang_: api_client.get(CATEGORIES, **lang(lang_)).json() for lang_ in ("ru", "uz")}
    flat = {k: v.get("results", v)[0]["name"] for k, v in names.items()}
    assert flat == {"ru": "Физика", "uz": "Physics"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("catalog_cache_on")
def test_the_catalog_cache_keeps_one_body_per_language(api_client):
    category = translated_category()
    course = CourseFactory(category=category)
    seen = {}
    for _round in range(2):  # the second round is served from the cache
        for language in LANGUAGES:
            listing = api_client.get(COURSES, **lang(language))
            detail = api_client.get(f"{COURSES}{course.slug}/", **lang(language))
            assert listing.json()["results"][0]["category"]["name"] == CATEGORY_NAMES[language]
            assert detail.json()["category"]["name"] == CATEGORY_NAMES[language]
            assert "Accept-Language" in listing["Vary"] and listing["Content-Language"] == language
            seen.setdefault(language, listing["ETag"])
            assert listing["ETag"] == seen[language]
    assert len(set(seen.values())) == len(LANGUAGES), "each language has its own body and tag"
    # An edit of the translations shows at once in every language.
    category.translations = {**category.translations, "ru": {"name": "Алгебра"}}
    category.save()
    assert api_client.get(COURSES, **lang("ru")).json()["results"][0]["category"]["name"] == "Алгебра"


def test_courses_have_a_language_tutors_edit_and_lists_filter(api_client, client_for, make_user, settings):
    tutor = make_user(Role.TUTOR)
    created = client_for(tutor).post(COURSES, {"title": "Default"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["language"] == settings.LANGUAGE_CODE == "en"
    russian = client_for(tutor).post(COURSES, {"title": "Русский курс", "language": "ru"}, format="json").json()
    assert russian["language"] == "ru"
    Course.objects.update(is_published=True)
    patched = client_for(tutor).patch(f"{COURSES}{created.json()['slug']}/", {"language": "uz"}, format="json")
    assert patched.status_code == 200 and patched.json()["language"] == "uz"

    refused = client_for(tutor).patch(f"{COURSES}{created.json()['slug']}/", {"language": "de"}, **lang("ru"))
    assert refused.status_code == 400 and set(refused.json()) == {"language"}
    assert "de" in refused.json()["language"][0] and "valid" not in refused.json()["language"][0]

    def slugs(language: str) -> list[str]:
        response = api_client.get(COURSES, {"language": language})
        assert response.status_code == 200, response.content
        return [course["slug"] for course in response.json()["results"]]

    assert slugs("ru") == [russian["slug"]]
    assert slugs("uz") == [created.json()["slug"]]
    assert slugs("es") == []
    assert api_client.get(COURSES, {"language": "klingon"}).status_code == 400
    detail = api_client.get(f"{COURSES}{russian['slug']}/").json()
    assert detail["language"] == "ru"


def test_someone_elses_course_language_is_not_theirs_to_change(client_for, make_user):
    course = CourseFactory(language="es")
    stranger = make_user(Role.TUTOR)
    response = client_for(stranger).patch(f"{COURSES}{course.slug}/", {"language": "ru"}, format="json")
    assert response.status_code in (403, 404)
    course.refresh_from_db()
    assert course.language == "es"


def test_the_receipt_writes_money_and_dates_the_recipients_way(make_user, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from payments.models import Order, Payment, PaymentStatus
    from payments.services import _send_receipt

    student = make_user(Role.STUDENT, first_name="Мария", language="ru")
    course = CourseFactory(title="Физика", price=Decimal("1200.00"), currency="RUB")
    order = Order.objects.create(user=student, total=Decimal("1200.00"), currency="RUB")
    payment = Payment.objects.create(
        order=order,
        user=student,
        amount=Decimal("1200.00"),
        currency="RUB",
        status=PaymentStatus.COMPLETED,
        completed_at=datetime(2026, 3, 5, 10, tzinfo=UTC),
    )
    with django_capture_on_commit_callbacks(execute=True):
        _send_receipt(payment, [course])
    [message] = mail.outbox
    body = message.body.replace("\xa0", " ").replace("\u202f", " ")
    assert message.subject == "Ваш чек 11Tutors"
    assert f"Мы получили 1 200,00 ₽ (платёж {payment.pk})." in body
    assert "Дата оплаты: 5 марта 2026 г." in body
    assert "Ваш курс:" in body and "Приятной учёбы!" in body


def test_an_announcement_reaches_each_student_in_their_own_language(make_user):
    from community.models import Announcement
    from community.services import announcement_send_batch
    from courses.tests.factories import EnrollmentFactory

    tutor = make_user(Role.TUTOR, first_name="Lucía", last_name="García", language="es")
    course = CourseFactory(tutors=[tutor], title="Química")
    students = {
        language: EnrollmentFactory(course=course, student=make_user(Role.STUDENT, language=language)).student
        for language in ("ru", "uz", "")
    }
    announcement = Announcement.objects.create(
        course=course, author=tutor, title="Examen", body="El lunes.", body_html="<p>El lunes.</p>"
    )
    sent = announcement_send_batch(announcement_id=announcement.pk, student_ids=[s.pk for s in students.values()])
    assert sent == 3
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Lucía García, преподаватель курса «Química»" in bodies[students["ru"].email]
    assert "Lucía García, “Química” kursi oʻqituvchisi" in bodies[students["uz"].email]
    assert "Lucía García, tutor of “Química”" in bodies[students[""].email]


def test_choosing_another_language_prints_the_certificates_again_in_it(
    client_for, make_user, django_capture_on_commit_callbacks
):
    from learning.models import Certificate
    from learning.services import certificate_render

    student = make_user(Role.STUDENT, first_name="Aziz", last_name="Karimov")
    certificate = Certificate.objects.create(
        student=student, course=CourseFactory(title="Algebra"), student_name="Aziz Karimov"
    )
    certificate_render(certificate_id=certificate.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(student).patch(ME_URL, {"language": "es"}, format="json")
    assert response.status_code == 200
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        text = pdf_text(handle.read())
    assert "Certificado de finalización" in text
