"""Role rules of the live-session API: one class per rule.

Whether a session can be seen at all (404) is the selectors' question (``session_visible_filter``);
these rules refuse (403) callers who can see it but may not do what they ask.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from courses import selectors as course_selectors
from live import selectors


class ManagesCourse(BasePermission):
    """The course's tutors and administrators (the object is a course or a session)."""

    message = _("Only the course's tutors and administrators may do this.")

    def has_object_permission(self, request, view, obj) -> bool:
        course = getattr(obj, "course", obj)
        return course_selectors.user_manages_course(request.user, course)


class IsActiveStudent(BasePermission):
    message = _("Only the course's active students register for its live sessions.")

    def has_object_permission(self, request, view, obj) -> bool:
        return selectors.user_is_active_student(request.user, obj)
