"""Notifications from the apps that cause them are written in the recipient's language, not the
actor's: the inbox row (title, body) and the e-mail (subject, text, HTML)."""

# Texts in Russian on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from courses.tests.factories import CourseFactory, EnrollmentFactory
from learning import services as learning_services
from notifications import kinds
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
