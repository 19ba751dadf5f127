"""Co-tutoring's events in the inboxes: an invitation received, an invitation accepted."""

from __future__ import annotations

import pytest

from courses import services
from courses.tests.factories import CourseFactory
from notifications import kinds
from notifications.models import Notification
from users.models import Role

pytestmark = pytest.mark.django_db


def test_an_invitation_and_its_acceptance_notify_once_each(make_user, django_capture_on_commit_callbacks):
    owner, invitee = make_user(Role.TUTOR), make_user(Role.TUTOR)
    course = CourseFactory(tutors=[owner])
    with django_capture_on_commit_callbacks(execute=True):
        invitation, created = services.tutor_invitation_create(course=course, invitee=invitee, by=owner)
        again, created_again = services.tutor_invitation_create(course=course, invitee=invitee, by=owner)
    assert (created, created_again, again.pk) == (True, False, invitation.pk)
    [received] = Notification.objects.filter(recipient=invitee, kind=kinds.TUTOR_INVITATION_RECEIVED)
    assert received.url == f"/tutor-invitations?invitation={invitation.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        services.tutor_invitation_accept(invitation=invitation, user=invitee)
    [accepted] = Notification.objects.filter(recipient=owner, kind=kinds.TUTOR_INVITATION_ACCEPTED)
    assert accepted.data["course_title"] == course.title
    assert not Notification.objects.filter(recipient=invitee, kind=kinds.TUTOR_INVITATION_ACCEPTED).exists()
