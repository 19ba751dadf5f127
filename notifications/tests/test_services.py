"""notify(): one row per (recipient, kind, event), in bounded batches, on commit; preferences per
channel; the fan-out's deliveries are idempotent per (notification, channel)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from notifications import kinds, selectors, services, tasks
from notifications.models import Channel, Delivery, DeliveryStatus, Device, Notification, Preference

pytestmark = pytest.mark.django_db


def announce(recipients, *, kind=kinds.THREAD_REPLY, key="event:1", **fields):
    services.notify(recipients=recipients, kind=kind, title="Title", body="Body", url="/x", dedupe_key=key, **fields)


def test_nothing_is_written_before_the_transaction_commits(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        announce([user])
    assert not Notification.objects.exists(), "written on commit, not in the event's transaction"
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(recipient=user).count() == 1


def test_a_rolled_back_event_notifies_nobody(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        announce([user])
        raise RuntimeError("the event failed")
    assert not Notification.objects.exists()


def test_the_same_event_twice_is_one_notification_and_one_email(user, django_capture_on_commit_callbacks):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            announce([user, user.pk])  # the same recipient twice in one call, too
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1, [m.to for m in mail.outbox]
    assert Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.SENT).count() == 1


def test_without_a_dedupe_key_every_call_is_a_new_event(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], kind=kinds.NEW_ENROLMENT, title="a")
        services.notify(recipients=[user], kind=kinds.NEW_ENROLMENT, title="b")
    assert Notification.objects.filter(recipient=user).count() == 2


def test_an_unknown_kind_is_refused_in_the_callers_code(user):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        services.notify(recipients=[user], kind="nonsense", title="x")


def test_1000_recipients_in_bounded_batches_with_a_fixed_number_of_queries_per_batch(
    settings, make_user, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_BATCH_SIZE = 200
    User = type(make_user())
    users = User.objects.bulk_create(
        [User(email=f"n{i}@example.com", first_name=f"N{i}", id=str(10**11 + i)) for i in range(1000)]
    )
    ids = [u.pk for u in users]
    Preference.objects.create(user_id=ids[0], kind=kinds.COURSE_ANNOUNCEMENT, in_app=False, email=False, push=False)

    def run(recipient_ids, key):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            services.notify(
                recipients=recipient_ids,
                kind=kinds.COURSE_ANNOUNCEMENT,
                title=gettext_lazy("New question in “%(course)s”"),  # as the callers do: translated per recipient
                params={"course": "Exam"},
                dedupe_key=key,
            )
        return len(queries)

    one_batch = run(ids[1:201], "small")
    five_batches = run(ids, "large")
    assert Notification.objects.filter(dedupe_key="large").count() == 999, "all but the one who turned it all off"
    assert Notification.objects.filter(dedupe_key="small").count() == 200
    # The same cost per batch: five batches cost five times one batch (writes and the fan-out).
    assert five_batches <= 5 * one_batch, (one_batch, five_batches)
    # SQLite splits an INSERT of 200 rows in three (its 999 parameters): still fixed per batch.
    # 17 = the 16 of a plain text + one query for the recipients' languages (a translated title is
    # rendered once per language in the batch, not per recipient).
    assert one_batch <= 17, (
        f"a batch of 200 (rows, deliveries, WebSocket) should cost at most 17 queries, got {one_batch}"
    )
    assert Delivery.objects.filter(channel=Channel.REALTIME).count() == 1199
    assert not Delivery.objects.filter(channel=Channel.EMAIL).exists(), "community e-mails announcements itself"


def test_preferences_are_respected_per_channel(user, make_user, django_capture_on_commit_callbacks):
    no_inbox = make_user()
    no_email = make_user()
    nothing = make_user()
    Preference.objects.create(user=no_inbox, kind=kinds.THREAD_REPLY, in_app=False, email=True, push=True)
    Preference.objects.create(user=no_email, kind=kinds.THREAD_REPLY, in_app=True, email=False, push=True)
    Preference.objects.create(user=nothing, kind=kinds.THREAD_REPLY, in_app=False, email=False, push=False)
    Device.objects.create(user=user, platform="android", token="t" * 40)

    with django_capture_on_commit_callbacks(execute=True):
        announce([user, no_inbox, no_email, nothing])

    assert sorted(mail.outbox[i].to[0] for i in range(len(mail.outbox))) == sorted([user.email, no_inbox.email])
    assert [n.recipient_id for n in Notification.objects.filter(in_inbox=True).order_by("recipient_id")] == sorted(
        [user.pk, no_email.pk]
    )
    assert not Notification.objects.filter(recipient=nothing).exists()
    assert selectors.notification_list(user=no_inbox).count() == 0, "in_app off: never in the inbox"
    channels = set(Delivery.objects.filter(notification__recipient=user).values_list("channel", flat=True))
    assert channels == {"realtime", "email", "push"}
    assert set(Delivery.objects.filter(notification__recipient=no_inbox).values_list("channel", flat=True)) == {"email"}


def test_a_locked_email_cannot_be_switched_off_and_is_sent_anyway(user, django_capture_on_commit_callbacks):
    Preference.objects.create(user=user, kind=kinds.REFUND_PROCESSED, in_app=True, email=False, push=False)
    with pytest.raises(services.ServiceError):
        services.preferences_update(user=user, changes={kinds.REFUND_PROCESSED: {"email": False}})
    with django_capture_on_commit_callbacks(execute=True):
        announce([user], kind=kinds.REFUND_PROCESSED, data={"amount": "10.00", "currency": "USD"})
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "Your refund of $10.00 has been processed" in mail.outbox[0].body, "money the language's way"
    assert "cannot be switched off" in mail.outbox[0].body


def test_every_emailed_kind_has_its_plain_text_and_html_templates(user):
    for key, definition in kinds.KINDS.items():
        if not definition.sends_email:
            continue
        notification = Notification(recipient=user, kind=key, title="T", body="B", url="/p", data={})
        subject, text, html = services.email_render(notification)
        assert subject == "T"
        assert "http://localhost:3000/p" in text and "<html" in html and "http://localhost:3000/p" in html, key


def test_a_failing_mail_server_leaves_the_delivery_for_a_retry_and_never_sends_twice(
    user, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        announce([user])  # run eagerly: the failure is logged by the queueing helper, not raised
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    assert delivery.status == DeliveryStatus.FAILED and "SMTP down" in delivery.error

    delivery.status = DeliveryStatus.PENDING  # what a worker's retry finds
    delivery.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.deliver_email.delay(delivery.pk)
    tasks.deliver_email.delay(delivery.pk)  # a duplicate task: the delivery is claimed once
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_backoff_grows_and_is_bounded():
    assert 30 <= tasks.backoff(0) <= 37
    assert 60 <= tasks.backoff(1) <= 75
    assert tasks.backoff(20) <= 4500


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP down")
