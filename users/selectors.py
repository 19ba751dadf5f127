"""Reads of the accounts app: each returns a queryset with a fixed query cost."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Q, QuerySet

from core.cache import Stamped
from users.models import OnboardingAnswer, Role, User

_BY_ID_SQL: dict[str, str] = {}

# The account row behind every Bearer token (core.cache: replaced by every save or delete of the
# user, users.apps).
accounts = Stamped("account")
# The viewer's facts that apps above register to come along with the account in one cache round
# trip (courses: the viewer's enrolments).
viewer_facts: list[Stamped] = []


def user_by_id(user_id) -> User | None:
    """The user with this id, or None. Every authenticated request asks this: from the cache
    while the account is unchanged, else one query compiled once per database (the ORM would
    build the same SQL again each time, which costs more than running it)."""
    user_id = User._meta.pk.to_python(user_id)

    def load() -> User | None:
        sql = _BY_ID_SQL.get(connection.vendor)
        if sql is None:
            sql, _ = User.objects.filter(pk="").query.sql_with_params()
            _BY_ID_SQL[connection.vendor] = sql
        return next(iter(User.objects.raw(sql, [user_id])), None)

    return accounts.get(user_id, load, along=viewer_facts)


def user_list() -> QuerySet[User]:
    return User.objects.all().order_by("-created_at")


def user_visible_list(*, viewer: User) -> QuerySet[User]:
    """The user records ``viewer`` may open: all for admins, else only their own."""
    return user_list() if viewer.is_admin else User.objects.filter(pk=viewer.pk)


def tutor_list() -> QuerySet[User]:
    """Active tutors for the public directory, with how many published courses each teaches."""
    return (
        User.objects.filter(role=Role.TUTOR, is_active=True)
        .annotate(courses_count=Count("taught_courses", filter=Q(taught_courses__is_published=True), distinct=True))
        .order_by("first_name", "last_name", "id")
    )


def onboarding_answer_list(*, user: User) -> QuerySet[OnboardingAnswer]:
    return OnboardingAnswer.objects.filter(user=user).select_related("university")
