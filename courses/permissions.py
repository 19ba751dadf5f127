"""Role and ownership rules of the catalog API: one class per rule.

The questions themselves (who manages a course, who may watch a lesson) are answered by
``courses.selectors``; these classes put them to DRF, with the message each refusal carries.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.api.permissions import WritesOnly
from courses import selectors
from courses.models import Comment, Course, CoursePart, Lesson


def course_of(obj: Course | CoursePart | Lesson | Comment) -> Course:
    """The course an object of the catalog belongs to (its relations are select_related)."""
    if isinstance(obj, Course):
        return obj
    if isinstance(obj, CoursePart):
        return obj.course
    if isinstance(obj, Lesson):
        return obj.part.course
    if isinstance(obj, Comment):
        return obj.lesson.part.course
    raise TypeError(f"{type(obj).__name__} belongs to no course")


class IsCourseManager(BasePermission):
    """The course's tutors and administrators. The object is a course, or a part, lesson or
    comment of one."""

    message = _("Only the course's tutors and administrators may do this.")

    def has_object_permission(self, request, view, obj) -> bool:
        return selectors.user_manages_course(request.user, course_of(obj))


class IsCourseManagerOrReadOnly(WritesOnly, IsCourseManager):
    """Reads follow the course's visibility (the view's queryset); writes to an existing object
    need the right to manage its course, checked before the body is read."""


class CanWatchLesson(BasePermission):
    """Whoever may watch the lesson (``selectors.user_may_watch``); a lesson's comments are
    theirs alone."""

    message = _("Only people who may watch this lesson can read and write its comments.")

    def has_object_permission(self, request, view, obj: Lesson) -> bool:
        return selectors.user_may_watch(request.user, obj)


class IsCommentAuthor(BasePermission):
    message = _("Only the author may edit a comment.")

    def has_object_permission(self, request, view, obj: Comment) -> bool:
        return obj.user_id == request.user.pk


class IsCommentAuthorOrCourseManager(BasePermission):
    """A comment's author, or whoever manages the course (moderation)."""

    message = _("Only the author, the course's tutors and administrators may delete a comment.")

    def has_object_permission(self, request, view, obj: Comment) -> bool:
        return obj.user_id == request.user.pk or selectors.user_manages_course(request.user, course_of(obj))
