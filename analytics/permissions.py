"""Role and ownership rules of the statistics API: one class per rule."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courses.permissions import IsCourseManager


class CanSeeCourseStatistics(IsCourseManager):
    """A course's figures are for its tutors and administrators."""

    message = _("Only the course's tutors and administrators may see its statistics.")
