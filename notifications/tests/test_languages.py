"""Notifications are written in each recipient's language, whoever caused them: the inbox row
(title, body) and the e-mail (subject, text, HTML)."""

# Texts in Russian and Uzbek on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.i18n import format_money_lazy
from courses.tests.factories import CourseFactory, EnrollmentFactory
from learning import services as learning_services
from notifications import kinds, services
from notifications.models import Notification
from users import services as user_services
from users.models import Role

pytestmark = pytest.mark.django_db


def test_an_english_speaking_student_reviews_a_russian_tutors_course(make_user, django_capture_on_commit_callbacks):
    tutor = make_user(Role.TUTOR, language="ru")
    course = CourseFactory(tutors=[tutor], title="Python с нуля")
    student = make_user(Role.STUDENT, language="en")
    EnrollmentFactory(student=student, course=course)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        learning_services.review_create(user=student, course=course, rating=5, text="Great course")
    [notification] = Notification.objects.filter(recipient=tutor, kind=kinds.NEW_REVIEW)
    assert notification.title == "Новый отзыв о курсе «Python с нуля»: 5/5"
    assert notification.body == "Great course", "what the student wrote stays as written"


def test_one_batch_renders_each_recipients_language_at_one_more_query(
    make_user, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_BATCH_SIZE = 200
    people = [make_user(language=code) for code in ("ru", "es", "uz", "", "en", "ru")]

    def run(title, key, **fields) -> int:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=people, kind=kinds.COURSE_ANNOUNCEMENT, title=title, dedupe_key=key, **fields)
        return len(queries)

    plain = run("Exam", "plain")
    translated = run(_("New question in “%(course)s”"), "translated", params={"course": "Álgebra"})
    assert translated == plain + 1, "the recipients' languages: one query for the batch"
    titles = dict(Notification.objects.filter(dedupe_key="translated").values_list("recipient_id", "title"))
    assert [titles[person.pk] for person in people] == [
        "Новый вопрос в курсе «Álgebra»",
        "Nueva pregunta en «Álgebra»",
        "“Álgebra” kursida yangi savol",
        "New question in “Álgebra”",  # no choice: the default
        "New question in “Álgebra”",
        "Новый вопрос в курсе «Álgebra»",
    ]
    assert set(Notification.objects.filter(dedupe_key="plain").values_list("title", flat=True)) == {"Exam"}


def test_a_lazy_parameter_is_written_in_the_recipients_language(make_user, django_capture_on_commit_callbacks):
    russian, spanish = make_user(language="ru"), make_user(language="es")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[russian, spanish],
            kind=kinds.REFUND_PROCESSED,
            title=_("Your refund was processed"),
            body=_("%(amount)s will be back on your card within a few days."),
            params={"amount": format_money_lazy("1200", "RUB")},
            dedupe_key="refund:1",
        )
    by_recipient = {n.recipient_id: n for n in Notification.objects.filter(dedupe_key="refund:1")}
    assert by_recipient[russian.pk].title == "Возврат средств выполнен"
    assert (
        by_recipient[russian.pk].body.replace("\xa0", " ")
        == "1 200,00 ₽ вернутся на вашу карту в течение нескольких дней."
    )
    assert by_recipient[spanish.pk].body.replace("\xa0", " ") == "1.200,00 RUB volverán a tu tarjeta en unos días."


def test_the_email_change_notice_is_a_russian_email_for_a_russian_user(make_user, django_capture_on_commit_callbacks):
    user = make_user(email="old@example.com", language="ru", first_name="Ольга")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        user_services.user_update(user=user, data={"email": "new@example.com"})
    [notification] = Notification.objects.filter(recipient=user, kind=kinds.EMAIL_CHANGED)
    assert notification.title == "Ваш адрес электронной почты изменён"
    assert notification.body == (
        "Адрес электронной почты вашего аккаунта теперь new@example.com. Это были не вы? Сбросьте пароль."
    )
    [notice] = [m for m in mail.outbox if m.to == ["old@example.com", "new@example.com"]]
    assert notice.subject == "Ваш адрес электронной почты изменён"
    assert "изменён с old@example.com на new@example.com" in notice.body
    assert "его нельзя отключить" in notice.body
    html = notice.alternatives[0][0]
    assert '<html lang="ru">' in html and "Проверить аккаунт" in html
