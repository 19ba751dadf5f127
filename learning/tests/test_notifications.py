"""Learning's events in the inboxes: a new review for the course's tutors, a certificate issued."""

from __future__ import annotations

import pytest
from django.core import mail

from courses.tests.factories import CourseFactory, EnrollmentFactory
from learning import services
from notifications import kinds
from notifications.models import Notification
from users.models import Role

pytestmark = pytest.mark.django_db


def test_a_review_notifies_each_tutor_of_the_course_once(make_user, django_capture_on_commit_callbacks):
    tutors = [make_user(Role.TUTOR), make_user(Role.TUTOR)]
    course = CourseFactory(tutors=tutors)
    student = make_user(Role.STUDENT)
    EnrollmentFactory(student=student, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        review = services.review_create(user=student, course=course, rating=4, text="Clear and useful.")
    for tutor in tutors:
        [notification] = Notification.objects.filter(recipient=tutor, kind=kinds.NEW_REVIEW)
        assert notification.data == {"review_id": str(review.pk), "course_title": course.title, "rating": 4}
    assert not Notification.objects.filter(recipient=student).exclude(kind=kinds.ENROLMENT_CONFIRMED).exists()
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(t.email for t in tutors)
    assert "(4/5)" in mail.outbox[0].body


def test_a_certificate_notifies_the_student_once(make_user, django_capture_on_commit_callbacks):
    course = CourseFactory()
    student = make_user(Role.STUDENT)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(student=student, course=course)
        services.certificate_issue(student=student, course=course)
    [notification] = Notification.objects.filter(recipient=student, kind=kinds.CERTIFICATE_ISSUED)
    assert notification.data["certificate_id"] == str(certificate.pk)
