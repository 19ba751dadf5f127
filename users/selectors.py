"""Reads of the accounts app: each returns a queryset with a fixed query cost."""

from __future__ import annotations

from django.db.models import IntegerField, QuerySet, Value

from users.models import OnboardingAnswer, Role, User


def user_list() -> QuerySet[User]:
    return User.objects.all().order_by("-created_at")


def tutor_list() -> QuerySet[User]:
    """Active tutors for the public directory, with how many published courses each teaches.

    Courses do not exist yet (the catalog adds them), so every tutor truthfully teaches 0.
    """
    return (
        User.objects.filter(role=Role.TUTOR, is_active=True)
        .annotate(courses_count=Value(0, output_field=IntegerField()))
        .order_by("first_name", "last_name", "id")
    )


def onboarding_answer_list(*, user: User) -> QuerySet[OnboardingAnswer]:
    return OnboardingAnswer.objects.filter(user=user).select_related("university")
