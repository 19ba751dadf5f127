"""Reads: the inbox, the unread count, preferences and devices (a fixed number of queries each)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from notifications import kinds
from notifications.models import Device, Notification, Preference


def notification_list(*, user, unread: bool | None = None, kind: str | None = None) -> QuerySet[Notification]:
    """The user's inbox, newest first (the inbox index: recipient, -created_at, -id)."""
    notifications = Notification.objects.filter(recipient=user, in_inbox=True).order_by("-created_at", "-id")
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    if kind:
        notifications = notifications.filter(kind=kind)
    return notifications


def notification_get(*, user, notification_id) -> Notification | None:
    """One of the user's notifications; None for anyone else's (the API answers 404)."""
    return Notification.objects.filter(recipient=user, in_inbox=True, pk=notification_id).first()


def unread_count(*, user_id) -> int:
    return Notification.objects.filter(recipient_id=user_id, in_inbox=True, read_at__isnull=True).count()


def unread_counts(*, user_ids: Iterable) -> dict:
    """``{user_id: unread}`` for many users in one query (users without any are left out)."""
    rows = (
        Notification.objects.filter(recipient_id__in=list(user_ids), in_inbox=True, read_at__isnull=True)
        .values("recipient_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["recipient_id"]: row["n"] for row in rows}


def preferences_for(*, user_ids: Iterable, kind: str) -> dict:
    """``{user_id: {"in_app", "email", "push"}}``: every user's effective choice for ``kind``,
    in one query (the registry's defaults where they chose nothing)."""
    definition = kinds.get(kind)
    user_ids = list(user_ids)
    chosen = {
        row["user_id"]: row
        for row in Preference.objects.filter(user_id__in=user_ids, kind=kind).values("user_id", *kinds.CHANNELS)
    }
    result = {}
    for user_id in user_ids:
        row = chosen.get(user_id)
        effective = definition.defaults() if row is None else {channel: row[channel] for channel in kinds.CHANNELS}
        if definition.email_locked:
            effective["email"] = definition.email
        result[user_id] = effective
    return result


def preference_table(*, user) -> dict[str, dict]:
    """Every kind with the user's effective choice and whether its e-mail may be switched off."""
    chosen = {pref.kind: pref for pref in Preference.objects.filter(user=user)}
    table = {}
    for key, definition in kinds.KINDS.items():
        pref = chosen.get(key)
        values = definition.defaults() if pref is None else {c: getattr(pref, c) for c in kinds.CHANNELS}
        if definition.email_locked:
            values["email"] = definition.email
        table[key] = {"label": definition.label, **values, "email_locked": definition.email_locked}
    return table


def email_opted_out_ids(*, user_ids: Iterable, kind: str) -> set:
    """Of these users, those who switched the kind's e-mail off (one query): for the apps that
    e-mail a kind themselves (announcements)."""
    if kinds.get(kind).email_locked:
        return set()
    return set(
        Preference.objects.filter(user_id__in=list(user_ids), kind=kind, email=False).values_list("user_id", flat=True)
    )


def device_list(*, user) -> QuerySet[Device]:
    return Device.objects.filter(user=user).order_by("-created_at", "-id")


def device_get(*, user, device_id) -> Device | None:
    return Device.objects.filter(user=user, pk=device_id).first()
