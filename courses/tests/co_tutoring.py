"""Helpers for the co-tutor tests of the catalog and of the videos: a course's tutors, invitations
and the answers to them. (The ``b_course`` fixture: courses/tests/conftest.py.)"""

from __future__ import annotations

from courses.models import Course, TutorInvitation, TutorInvitationStatus
from courses.tests.urls import COURSES, INVITATIONS


def tutor_ids(course: Course) -> set[str]:
    return set(Course.objects.get(pk=course.pk).tutors.values_list("pk", flat=True))


def set_tutors(client, course: Course, *users):
    return client.patch(f"{COURSES}{course.slug}/", {"tutors": [u.pk for u in users]}, format="json")


def pending(course: Course, invitee) -> TutorInvitation:
    return TutorInvitation.objects.get(course=course, invitee=invitee, status=TutorInvitationStatus.PENDING)


def answer(client, invitation: TutorInvitation, verb: str):
    return client.post(f"{INVITATIONS}{invitation.pk}/{verb}/")
