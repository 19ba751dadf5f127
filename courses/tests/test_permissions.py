"""The catalog's permission classes and the check for objects named in a request body.

The API-level answers (who gets 401, 403 or 404 where) are specified by
test_permission_matrix.py; these tests pin the building blocks the views use."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from core.api.permissions import check_object_permission
from core.exceptions import ServiceError
from courses import services
from courses.permissions import (
    CanWatchLesson,
    IsCommentAuthor,
    IsCommentAuthorOrCourseManager,
    IsCourseManager,
    IsCourseManagerOrReadOnly,
    course_of,
)
from courses.tests.factories import CommentFactory, CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from users.models import Role
from users.tests.factories import person

pytestmark = pytest.mark.django_db


def request_by(user, method: str = "post"):
    """A DRF request as a view sees it (its authenticators are the project's)."""
    django_request = getattr(APIRequestFactory(), method)("/")
    if user is not None:
        force_authenticate(django_request, user=user)
    view = APIView()
    request = view.initialize_request(django_request)
    view.request = request
    return view, request


@pytest.fixture
def world():
    owner, other, admin, student = (
        person(Role.TUTOR),
        person(Role.TUTOR),
        person(Role.ADMIN),
        person(Role.STUDENT),
    )
    course = CourseFactory(tutors=[owner])
    part = PartFactory(course=course)
    lesson = LessonFactory(part=part)
    comment = CommentFactory(lesson=lesson, user=student)
    return locals()


def test_every_catalog_object_belongs_to_its_course(world):
    for obj in ("course", "part", "lesson", "comment"):
        assert course_of(world[obj]) == world["course"], obj
    with pytest.raises(TypeError):
        course_of(world["owner"])


def test_course_managers_are_its_tutors_and_admins(world):
    rule = IsCourseManager()
    for who, expected in (("owner", True), ("admin", True), ("other", False), ("student", False)):
        view, request = request_by(world[who])
        for obj in ("course", "part", "lesson", "comment"):
            assert rule.has_object_permission(request, view, world[obj]) is expected, (who, obj)


def test_the_manager_rule_governs_writes_only(world):
    rule = IsCourseManagerOrReadOnly()
    for method in ("get", "head", "options"):
        view, request = request_by(world["student"], method)
        assert rule.has_object_permission(request, view, world["part"]), method
    for method in ("post", "patch", "put", "delete"):
        view, request = request_by(world["student"], method)
        assert not rule.has_object_permission(request, view, world["part"]), method
        view, request = request_by(world["owner"], method)
        assert rule.has_object_permission(request, view, world["part"]), method


def test_comment_rules(world):
    view, request = request_by(world["student"])
    assert IsCommentAuthor().has_object_permission(request, view, world["comment"])
    view, request = request_by(world["owner"])
    assert not IsCommentAuthor().has_object_permission(request, view, world["comment"]), "tutors do not edit"
    assert IsCommentAuthorOrCourseManager().has_object_permission(request, view, world["comment"]), "they moderate"
    view, request = request_by(world["other"])
    assert not IsCommentAuthorOrCourseManager().has_object_permission(request, view, world["comment"])


def test_watching_a_lesson_needs_an_active_enrolment(world):
    lesson, student = world["lesson"], world["student"]
    view, request = request_by(student)
    assert not CanWatchLesson().has_object_permission(request, view, lesson)
    EnrollmentFactory(student=student, course=world["course"])
    assert CanWatchLesson().has_object_permission(request, view, lesson)


def test_a_body_object_refusal_is_401_for_anonymous_and_403_with_the_rule_message(world):
    view, request = request_by(None)
    assert isinstance(request.user, AnonymousUser)
    with pytest.raises(NotAuthenticated):
        check_object_permission(view, request, IsCourseManager(), world["course"])
    view, request = request_by(world["other"])
    with pytest.raises(PermissionDenied) as refused:
        check_object_permission(view, request, IsCourseManager(), world["course"])
    assert refused.value.detail == IsCourseManager.message
    view, request = request_by(world["owner"])
    check_object_permission(view, request, IsCourseManager(), world["part"])  # no exception


def test_only_tutors_and_admins_can_teach(world):
    services.course_tutors_validate(tutors=[world["owner"], world["admin"]])
    with pytest.raises(ServiceError) as refused:
        services.course_tutors_validate(tutors=[world["owner"], world["student"]])
    assert refused.value.field == "tutors"
    assert refused.value.message == f"Only tutors and admins can teach a course: {world['student'].pk}."
    with pytest.raises(ServiceError):
        services.course_create(creator=world["owner"], title="Taught by a student", tutors=[world["student"]])
