"""Role and ownership rules of the community API: one class per rule.

Whether a course can be seen at all (404) is the selectors' question; these rules refuse
(403) callers who can see the course but may not do what they ask. The questions themselves
are the catalog's (``courses.selectors``): who takes part in a course, who manages it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from community.models import Announcement, Reply, Report, Thread
from courses import selectors as course_selectors
from courses.models import Course


def course_of(obj: Course | Thread | Reply | Report | Announcement) -> Course:
    """The course an object of the community belongs to (its relations are select_related)."""
    if isinstance(obj, Course):
        return obj
    if isinstance(obj, Reply):
        return obj.thread.course
    if isinstance(obj, (Thread, Report, Announcement)):
        return obj.course
    raise TypeError(f"{type(obj).__name__} belongs to no course")


def moderates(user, obj) -> bool:
    """The course's tutors and administrators moderate its community."""
    return course_selectors.user_manages_course(user, course_of(obj))


class TakesPartInCourse(BasePermission):
    """The course's active students (enrolled, not refunded), its tutors and administrators."""

    message = _("Only the course's students, its tutors and administrators take part in its community.")

    def has_object_permission(self, request, view, obj) -> bool:
        return course_selectors.user_takes_part_in(request.user, course_of(obj))


class IsCourseModerator(BasePermission):
    message = _("Only the course's tutors and administrators may do this.")

    def has_object_permission(self, request, view, obj) -> bool:
        return moderates(request.user, obj)


class IsPostAuthor(BasePermission):
    message = _("Only the author may edit a post.")

    def has_object_permission(self, request, view, obj: Thread | Reply) -> bool:
        return obj.author_id is not None and obj.author_id == request.user.pk


class IsPostAuthorOrModerator(BasePermission):
    message = _("Only the author, the course's tutors and administrators may delete a post.")

    def has_object_permission(self, request, view, obj: Thread | Reply) -> bool:
        return (obj.author_id is not None and obj.author_id == request.user.pk) or moderates(request.user, obj)


class CanAcceptAnswer(BasePermission):
    message = _("Only the question's author, the course's tutors and administrators may accept an answer.")

    def has_object_permission(self, request, view, obj: Thread) -> bool:
        return (obj.author_id is not None and obj.author_id == request.user.pk) or moderates(request.user, obj)
