"""Role and ownership rules of the learning API: one class per rule.

Who may review a course at all (enrolled, active students) is a business rule of
``learning.services.review_create``, not a permission: it is answered once the review is valid.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from courses import selectors as course_selectors
from courses.models import Course
from courses.permissions import CanWatchLesson
from learning.models import Review


class CanRecordLessonProgress(CanWatchLesson):
    """Progress is recorded by whoever may watch the lesson."""

    message = _("Only people who may watch this lesson can record progress on it.")


class HasCourseProgress(BasePermission):
    """Enrolled students of a published course, and the course's tutors and admins (their own
    progress while previewing): ``course_selectors.user_has_progress_in``."""

    message = _("Only enrolled students have progress in this course.")

    def has_object_permission(self, request, view, obj: Course) -> bool:
        return course_selectors.user_has_progress_in(request.user, obj)


class IsReviewAuthor(BasePermission):
    message = _("Only the author may edit a review.")

    def has_object_permission(self, request, view, obj: Review) -> bool:
        return obj.user_id == request.user.pk


class IsReviewAuthorOrAdmin(BasePermission):
    message = _("Only the author and administrators may delete a review.")

    def has_object_permission(self, request, view, obj: Review) -> bool:
        return obj.user_id == request.user.pk or request.user.is_admin
