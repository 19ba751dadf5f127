"""Notification use cases: ``notify`` (what every app calls), the fan-out to the channels, the
inbox's writes, preferences and devices."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.exceptions import ServiceError
from core.i18n import format_money, in_language_of, supported
from core.tasks import enqueue_on_commit
from notifications import kinds, realtime, selectors
from notifications.models import Channel, Delivery, DeliveryStatus, Device, Notification, Preference

logger = logging.getLogger(__name__)


# --- Creating notifications ----------------------------------------------------------------


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    data: dict | None = None,
    dedupe_key: str | None = None,
    params: dict | None = None,
) -> None:
    """Notify ``recipients`` (users or their ids) of one event, once the surrounding transaction
    commits (nothing if it rolls back).

    ``title`` and ``body`` are written in each *recipient's* language: pass them as
    ``gettext_lazy`` strings with named placeholders (``_("New reply to “%(thread)s”")``) and
    their values in ``params`` (a value may itself be lazy); each row gets the text rendered in
    its recipient's ``language``, whoever caused the event. A plain ``str`` (what a user wrote)
    is stored as it is.

    ``dedupe_key`` names the event (``payment:42``, ``reply:7``): the same (recipient, kind,
    dedupe_key) is stored once, by a unique constraint, however often the event is announced
    (a webhook delivered twice, a retried task). Without one, every call is a new event.
    Rows are written in batches of ``NOTIFICATIONS_BATCH_SIZE`` at a fixed number of queries
    each; the channels (WebSocket, e-mail, push) are fanned out by a task per batch.
    """
    kinds.get(kind)  # an unknown kind is a programming error: raise now, in the caller's code
    recipient_ids = list(dict.fromkeys(getattr(r, "pk", r) for r in recipients if r is not None))
    if not recipient_ids:
        return
    fields = {
        "kind": kind,
        "title": title,
        "body": body,
        "params": params or {},
        "url": url[:500],
        "data": data or {},
        "dedupe_key": (dedupe_key or uuid.uuid4().hex)[:200],
    }

    def create() -> None:
        try:
            notifications_create(recipient_ids=recipient_ids, **fields)
        except Exception:  # the event itself has happened: never undo or fail it for this
            logger.exception("Could not create the %s notifications of %s", kind, fields["dedupe_key"])

    transaction.on_commit(create)


def _translatable(text, params: dict) -> bool:
    return isinstance(text, Promise) or bool(params)


def notification_text(text, params: dict, language: str) -> str:
    """``text`` (lazy or plain) with ``params`` filled in, in ``language``."""
    if not _translatable(text, params):
        return str(text)
    with translation.override(language):
        values = {key: str(value) if isinstance(value, Promise) else value for key, value in params.items()}
        rendered = str(text)
        return rendered % values if params else rendered


def notifications_create(
    *,
    recipient_ids: list,
    kind: str,
    title,
    body,
    url: str,
    data: dict,
    dedupe_key: str,
    params: dict | None = None,
) -> list[int]:
    """Write the rows, batch by batch (3 queries a batch: the preferences, one INSERT that skips
    the rows already there, the ids; a 4th, the recipients' languages, when the texts are
    translatable), and queue one delivery task per batch. Returns the ids.

    The texts are rendered once per language present in the batch, each row in its recipient's."""
    params = params or {}
    translatable = _translatable(title, params) or _translatable(body, params)
    size = settings.NOTIFICATIONS_BATCH_SIZE
    ids: list[int] = []
    rendered: dict[str, tuple[str, str]] = {}

    def texts(language: str) -> tuple[str, str]:
        if language not in rendered:
            rendered[language] = (
                notification_text(title, params, language)[:200],
                notification_text(body, params, language),
            )
        return rendered[language]

    for start in range(0, len(recipient_ids), size):
        batch = recipient_ids[start : start + size]
        preferences = selectors.preferences_for(user_ids=batch, kind=kind)
        languages = {}
        if translatable:
            languages = dict(get_user_model().objects.filter(pk__in=batch).values_list("pk", "language"))
        default = settings.LANGUAGE_CODE
        now = timezone.now()
        rows = [
            Notification(
                recipient_id=user_id,
                kind=kind,
                title=texts(supported(languages.get(user_id)) or default)[0],
                body=texts(supported(languages.get(user_id)) or default)[1],
                url=url,
                data=data,
                dedupe_key=dedupe_key,
                in_inbox=preferences[user_id]["in_app"],
                created_at=now,
            )
            for user_id in batch
            if any(preferences[user_id].values())
        ]
        if not rows:
            continue
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        batch_ids = list(
            Notification.objects.filter(
                kind=kind, dedupe_key=dedupe_key, recipient_id__in=[row.recipient_id for row in rows]
            ).values_list("pk", flat=True)
        )
        enqueue_on_commit("notifications.tasks.deliver", batch_ids, what=f"the delivery of {kind} {dedupe_key}")
        ids += batch_ids
    return ids


# --- Fan-out -------------------------------------------------------------------------------


def notification_payload(notification: Notification) -> dict:
    """What the API and the WebSocket show of a notification."""
    from notifications.api.serializers import NotificationSerializer  # the API's shape, one definition

    return dict(NotificationSerializer(notification).data)


def notifications_deliver(*, notification_ids: list[int]) -> dict[str, int]:
    """Decide each notification's channels from the recipient's preferences, record one Delivery
    per channel (once: a unique constraint), push the pending WebSocket ones at once and queue a
    task per pending e-mail and push. A fixed number of queries for the whole batch. Returns how
    many of each channel were started."""
    notifications = list(Notification.objects.filter(pk__in=notification_ids).select_related("recipient"))
    if not notifications:
        return {}
    by_kind: dict[str, list] = defaultdict(list)
    for notification in notifications:
        by_kind[notification.kind].append(notification.recipient_id)
    preferences = {kind: selectors.preferences_for(user_ids=user_ids, kind=kind) for kind, user_ids in by_kind.items()}
    with_devices = set(
        Device.objects.filter(user_id__in=[n.recipient_id for n in notifications]).values_list("user_id", flat=True)
    )
    wanted = []
    for notification in notifications:
        definition = kinds.get(notification.kind)
        chosen = preferences[notification.kind][notification.recipient_id]
        recipient = notification.recipient
        if notification.in_inbox:
            wanted.append(Delivery(notification=notification, channel=Channel.REALTIME))
        if definition.sends_email and chosen["email"] and recipient.is_active and recipient.email:
            wanted.append(Delivery(notification=notification, channel=Channel.EMAIL))
        if chosen["push"] and recipient.is_active and notification.recipient_id in with_devices:
            wanted.append(Delivery(notification=notification, channel=Channel.PUSH))
    Delivery.objects.bulk_create(wanted, ignore_conflicts=True)
    pending = list(
        Delivery.objects.filter(notification_id__in=notification_ids, status=DeliveryStatus.PENDING).values_list(
            "pk", "notification_id", "channel"
        )
    )
    started = {Channel.REALTIME.value: 0, Channel.EMAIL.value: 0, Channel.PUSH.value: 0}
    realtime_ids = {notification_id: pk for pk, notification_id, channel in pending if channel == Channel.REALTIME}
    if realtime_ids:
        Delivery.objects.filter(pk__in=realtime_ids.values(), status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
        )
        live = [n for n in notifications if n.pk in realtime_ids]
        counts = selectors.unread_counts(user_ids={n.recipient_id for n in live})
        realtime.notifications_send(
            [(n.recipient_id, notification_payload(n), counts.get(n.recipient_id, 0)) for n in live]
        )
        started[Channel.REALTIME.value] = len(live)
    for pk, _notification_id, channel in pending:
        if channel == Channel.EMAIL:
            enqueue_on_commit("notifications.tasks.deliver_email", pk, what=f"notification e-mail {pk}")
            started[Channel.EMAIL.value] += 1
        elif channel == Channel.PUSH:
            enqueue_on_commit("notifications.tasks.deliver_push", pk, what=f"notification push {pk}")
            started[Channel.PUSH.value] += 1
    return started


def _delivery_claim(delivery_id: int, channel: str) -> Delivery | None:
    """Take a pending delivery for this task (one task wins: a conditional UPDATE)."""
    claimed = Delivery.objects.filter(pk=delivery_id, channel=channel, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)


def _delivery_finish(delivery: Delivery, status: str, error: str = "") -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, error=error[:500], sent_at=timezone.now() if status == DeliveryStatus.SENT else None
    )


def delivery_release(*, delivery_id: int, error: str, final: bool) -> None:
    """A send failed: pending again for the next attempt, or failed for good."""
    Delivery.objects.filter(pk=delivery_id, status__in=[DeliveryStatus.SENDING, DeliveryStatus.PENDING]).update(
        status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING, error=error[:500]
    )


def email_render(notification: Notification) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a notification's e-mail: the kind's own templates."""
    recipient = notification.recipient
    with in_language_of(recipient):
        return _email_render(notification, recipient)


def _email_render(notification: Notification, recipient) -> tuple[str, str, str]:
    context = {
        "name": recipient.first_name or recipient.email,
        "notification": notification,
        "data": notification.data,
        "link": f"{settings.FRONTEND_URL}{notification.url}" if notification.url else settings.FRONTEND_URL,
        "preferences_link": f"{settings.FRONTEND_URL}/settings/notifications",
        "frontend_url": settings.FRONTEND_URL,
    }
    data = notification.data or {}
    if data.get("amount") and data.get("currency"):
        try:
            context["amount"] = format_money(data["amount"], data["currency"])
        except (ArithmeticError, ValueError):  # never fail an e-mail for a malformed amount
            context["amount"] = f"{data['amount']} {data['currency']}"
    text = render_to_string(f"notifications/emails/{notification.kind}.txt", context)
    html = render_to_string(f"notifications/emails/{notification.kind}.html", context)
    return notification.title, text, html


def delivery_email_send(*, delivery_id: int) -> bool:
    """Send one notification's e-mail (if it is still pending); True when sent by this call.
    A changed e-mail address is reported to the previous address too."""
    delivery = _delivery_claim(delivery_id, Channel.EMAIL)
    if delivery is None:
        return False
    notification = delivery.notification
    to = [notification.recipient.email]
    if notification.kind == kinds.EMAIL_CHANGED and notification.data.get("previous_email"):
        to = [notification.data["previous_email"], *to]
    subject, text, html = email_render(notification)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:
        delivery_release(delivery_id=delivery.pk, error=f"{exc.__class__.__name__}: {exc}", final=False)
        raise
    _delivery_finish(delivery, DeliveryStatus.SENT)
    return True


def delivery_push_send(*, delivery_id: int) -> str:
    """Send one notification to every device of its recipient; tokens the provider calls
    invalid are deleted. Returns the delivery's status. A provider's transient failure is
    raised (the task retries) once the other devices were tried."""
    from notifications import push  # the providers' clients

    delivery = _delivery_claim(delivery_id, Channel.PUSH)
    if delivery is None:
        return ""
    notification = delivery.notification
    devices = list(Device.objects.filter(user_id=notification.recipient_id))
    message = push.PushMessage(
        title=notification.title,
        body=notification.body[:500],
        data={"notification_id": str(notification.pk), "kind": notification.kind, "url": notification.url},
    )
    sent, invalid, failures = 0, [], []
    for device in devices:
        try:
            outcome = push.send(device=device, message=message)
        except push.PushError as exc:
            failures.append(f"{device.platform}: {exc}")
            continue
        if outcome == push.SENT:
            sent += 1
        elif outcome == push.INVALID_TOKEN:
            invalid.append(device.pk)
    if invalid:
        Device.objects.filter(pk__in=invalid).delete()
    if failures:
        delivery_release(delivery_id=delivery.pk, error="; ".join(failures), final=False)
        raise push.PushError("; ".join(failures))
    status = DeliveryStatus.SENT if sent else DeliveryStatus.SKIPPED
    _delivery_finish(delivery, status, "" if sent else "no device took the message")
    return status


# --- The inbox -----------------------------------------------------------------------------


def _unread_changed(user_id) -> None:
    transaction.on_commit(
        lambda: realtime.unread_count_send(user_id=user_id, unread_count=selectors.unread_count(user_id=user_id))
    )


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        if updated:
            _unread_changed(notification.recipient_id)
    return notification


def notifications_mark_all_read(*, user) -> int:
    updated = Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if updated:
        _unread_changed(user.pk)
    return updated


def notification_delete(*, notification: Notification) -> None:
    unread = notification.read_at is None
    notification.delete()
    if unread:
        _unread_changed(notification.recipient_id)


# --- Preferences ---------------------------------------------------------------------------


@transaction.atomic
def preferences_update(*, user, changes: dict[str, dict[str, bool]]) -> dict[str, dict]:
    """Apply ``{kind: {channel: bool}}`` (partial) on top of the current choices."""
    for kind, values in changes.items():
        definition = kinds.get(kind)
        if definition.email_locked and values.get("email") is False:
            raise ServiceError(
                _("The e-mail of “%(kind)s” cannot be switched off (payments and account security).") % {"kind": kind},
                field=kind,
            )
    current = {pref.kind: pref for pref in Preference.objects.select_for_update().filter(user=user)}
    for kind, values in changes.items():
        pref = current.get(kind)
        if pref is None:
            pref = Preference(user=user, kind=kind, **kinds.get(kind).defaults())
        for channel in kinds.CHANNELS:
            if channel in values:
                setattr(pref, channel, values[channel])
        pref.save()
    return selectors.preference_table(user=user)


# --- Devices -------------------------------------------------------------------------------


def device_register(*, user, platform: str, token: str) -> tuple[Device, bool]:
    """Register a push token for ``user``; a token another user registered moves to this one
    (a phone changes hands, or accounts on one phone). Returns ``(device, created)``."""
    try:
        with transaction.atomic():
            device, created = Device.objects.get_or_create(token=token, defaults={"user": user, "platform": platform})
    except IntegrityError:  # a concurrent registration of the same token
        device, created = Device.objects.get(token=token), False
    if not created and (device.user_id != user.pk or device.platform != platform):
        device.user = user
        device.platform = platform
        device.save(update_fields=["user", "platform", "updated_at"])
    return device, created


def device_delete(*, device: Device) -> None:
    device.delete()


# --- Sockets ---------------------------------------------------------------------------------


def user_sockets_close(*, user_id, reason: str) -> None:
    """Once the transaction commits: close the user's WebSockets (their tokens were revoked)."""
    transaction.on_commit(lambda: realtime.sockets_close(user_id=user_id, reason=reason))
