"""Signal receivers: writes that change tutors' dashboard figures mark them stale
(``analytics.cache``). Connected in ``AnalyticsConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable

from analytics import cache as statistics_cache
from courses.models import Course
from payments.models import OrderItem


def _tutors_of(course_ids: Iterable) -> list:
    return list(Course.tutors.through.objects.filter(course_id__in=list(course_ids)).values_list("user_id", flat=True))


def course_row_changed(sender, instance, **kwargs) -> None:
    """An enrolment, a review or a certificate (anything with a ``course_id``) was saved or deleted."""
    if not statistics_cache.enabled():
        return
    statistics_cache.tutors_changed(_tutors_of([instance.course_id]))


def course_changed(sender, instance, **kwargs) -> None:
    """A course was saved (published, renamed…) or is about to be deleted (its tutors still known)."""
    if not statistics_cache.enabled():
        return
    statistics_cache.tutors_changed(_tutors_of([instance.pk]))


def payment_changed(sender, instance, **kwargs) -> None:
    """A payment was created or changed status: the tutors of every course of its order."""
    if not statistics_cache.enabled():
        return
    course_ids = OrderItem.objects.filter(order_id=instance.order_id).values_list("course_id", flat=True)
    statistics_cache.tutors_changed(_tutors_of(course_ids))


def tutors_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Who teaches a course changed: the tutors before and after, and those added or removed."""
    if action not in ("pre_clear", "post_add", "post_remove", "post_clear") or not statistics_cache.enabled():
        return
    # ``reverse``: ``instance`` is a user and ``pk_set`` holds course ids.
    users = [instance.pk, *_tutors_of(pk_set or ())] if reverse else [*(pk_set or ()), *_tutors_of([instance.pk])]
    statistics_cache.tutors_changed(users)


def ledger_changed(sender, tutor_ids, **kwargs) -> None:
    """Ledger entries were written for these tutors (``payments.signals.ledger_changed``)."""
    if not statistics_cache.enabled():
        return
    statistics_cache.tutors_changed(list(tutor_ids))
