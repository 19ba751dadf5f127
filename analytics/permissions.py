"""Role and ownership rules of the statistics API: one class per rule."""

from __future__ import annotations

from courses.permissions import IsCourseManager


class CanSeeCourseStatistics(IsCourseManager):
    """A course's figures are for its tutors and administrators."""

    message = "Only the course's tutors and administrators may see its statistics."
