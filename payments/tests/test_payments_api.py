"""Reading payments, admin refunds, reconciliation, and abuse of the payments API."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Enrollment
from courses.tests.factories import CourseFactory
from payments.models import Order, OrderItem, Payment, PaymentReason, PaymentStatus
from payments.tests.conftest import event
from payments.tests.urls import PAYMENTS

pytestmark = pytest.mark.django_db

FIELDS = {"id", "amount", "currency", "status", "status_display", "method", "course", "created_at", "completed_at"}


def make_payment(user, course=None, *, status=PaymentStatus.COMPLETED, **fields) -> Payment:
    course = course or CourseFactory()
    order = Order.objects.create(user=user, total=course.price, currency=course.currency)
    OrderItem.objects.create(order=order, course=course, price=course.price)
    return Payment.objects.create(
        user=user, order=order, amount=course.price, currency=course.currency, status=status, **fields
    )


def test_list_shows_only_the_callers_payments_in_the_contract_shape(client_for, student, make_user):
    mine = make_payment(student)
    make_payment(make_user())
    body = client_for(student).get(PAYMENTS).json()
    assert body["count"] == 1
    item = body["results"][0]
    assert set(item) == FIELDS
    assert item["id"] == str(mine.pk)
    assert item["amount"] == str(mine.amount)
    assert (item["status"], item["status_display"], item["method"]) == (2, "Completed", "STRIPE")
    course = mine.order.items.get().course
    assert item["course"] == {"id": str(course.pk), "slug": course.slug, "title": course.title}


def test_another_users_payment_is_404(client_for, student, make_user):
    theirs = make_payment(make_user())
    assert client_for(student).get(f"{PAYMENTS}{theirs.pk}/").status_code == 404


def test_malformed_payment_id_is_404(client_for, student):
    assert client_for(student).get(f"{PAYMENTS}not-a-uuid/").status_code == 404


def test_admin_sees_all_and_filters(client_for, admin_user, student, make_user):
    other = make_user()
    make_payment(student)
    make_payment(other, status=PaymentStatus.FAILED)
    admin = client_for(admin_user)
    assert admin.get(PAYMENTS).json()["count"] == 2
    assert admin.get(PAYMENTS, {"user": other.pk}).json()["count"] == 1
    assert admin.get(PAYMENTS, {"status": -1}).json()["count"] == 1
    assert admin.get(PAYMENTS, {"status": "bogus"}).status_code == 400


def test_anonymous_is_401(api_client):
    assert api_client.get(PAYMENTS).status_code == 401


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_clients_cannot_modify_payments(client_for, student, admin_user, method):
    payment = make_payment(student)
    for who in (student, admin_user):
        response = getattr(client_for(who), method)(f"{PAYMENTS}{payment.pk}/", {"status": 2, "amount": "0.01"})
        assert response.status_code == 405
    payment.refresh_from_db()
    assert payment.amount != Decimal("0.01")


def test_list_query_count_does_not_grow(client_for, student):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(student).get(PAYMENTS).status_code == 200
        return len(ctx.captured_queries)

    make_payment(student)
    small = count()
    for _ in range(15):
        make_payment(student)
    assert count() == small <= 5


# --- Refunds -------------------------------------------------------------------------------------------


def test_admin_refund_calls_stripe_and_the_webhook_finishes(fake_stripe, client_for, admin_user, student, deliver):
    course = CourseFactory()
    payment = make_payment(student, course, stripe_payment_intent="pi_test_7")
    Enrollment.objects.create(student=student, course=course, source="payment")
    response = client_for(admin_user).post(f"{PAYMENTS}{payment.pk}/refund/")
    assert response.status_code == 202
    sent = fake_stripe.requests[-1]
    assert (sent["path"], sent["form"]["payment_intent"]) == ("/v1/refunds", "pi_test_7")
    assert sent["headers"]["Idempotency-Key"] == f"refund-{payment.pk}"
    assert Payment.objects.get().status == PaymentStatus.COMPLETED, "the webhook, not the request, changes the state"
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_test_7", "refunded": True}
    deliver(event("charge.refunded", charge))
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert not Enrollment.objects.filter(student=student, course=course, is_active=True).exists()


def test_refund_is_admin_only(fake_stripe, client_for, student, tutor):
    payment = make_payment(student, stripe_payment_intent="pi_x")
    assert client_for(student).post(f"{PAYMENTS}{payment.pk}/refund/").status_code == 403
    assert client_for(tutor).post(f"{PAYMENTS}{payment.pk}/refund/").status_code == 403
    assert not fake_stripe.refunds


def test_refunding_a_pending_payment_is_409(fake_stripe, client_for, admin_user, student):
    payment = make_payment(student, status=PaymentStatus.PENDING)
    assert client_for(admin_user).post(f"{PAYMENTS}{payment.pk}/refund/").status_code == 409


def test_refund_when_stripe_fails_is_502(fake_stripe, client_for, admin_user, student):
    payment = make_payment(student, stripe_payment_intent="pi_x")
    fake_stripe.fail_with = (500, {"error": {"type": "api_error", "message": "boom"}})
    assert client_for(admin_user).post(f"{PAYMENTS}{payment.pk}/refund/").status_code == 502
    assert Payment.objects.get().status == PaymentStatus.COMPLETED


# --- Reconciliation --------------------------------------------------------------------------------------------


def start_checkout(client, course) -> Payment:
    assert client.post(PAYMENTS, {"course_id": str(course.pk)}).status_code == 200
    payment = Payment.objects.get(order__items__course=course)
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    return payment


def reconcile(*args) -> str:
    out = io.StringIO()
    call_command("reconcile_payments", *args, stdout=out)
    return out.getvalue()


def test_reconcile_completes_a_paid_checkout_whose_webhook_was_missed(fake_stripe, client_for, student):
    course = CourseFactory()
    payment = start_checkout(client_for(student), course)
    fake_stripe.pay(payment.checkout_session_id)
    output = reconcile("--older-than", "30")
    assert f"payment {payment.pk} completed" in output
    assert Payment.objects.get().status == PaymentStatus.COMPLETED
    assert Enrollment.objects.filter(student=student, course=course, is_active=True).exists()


def test_reconcile_fails_expired_checkouts_and_leaves_open_and_recent_ones(fake_stripe, client_for, student):
    expired_course, open_course, recent_course = CourseFactory(), CourseFactory(), CourseFactory()
    client = client_for(student)
    expired = start_checkout(client, expired_course)
    still_open = start_checkout(client, open_course)
    assert client.post(PAYMENTS, {"course_id": str(recent_course.pk)}).status_code == 200
    fake_stripe.expire(expired.checkout_session_id)
    reconcile("--older-than", "30")
    statuses = dict(Payment.objects.values_list("order__items__course", "status"))
    assert statuses[expired_course.pk] == PaymentStatus.FAILED
    assert Payment.objects.get(pk=expired.pk).reason == PaymentReason.EXPIRED
    assert statuses[open_course.pk] == PaymentStatus.PENDING
    assert statuses[recent_course.pk] == PaymentStatus.PENDING
    assert still_open.pk


def test_reconcile_fails_checkouts_that_were_never_created(student):
    payment = make_payment(student, status=PaymentStatus.PENDING)
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(hours=2))
    reconcile()
    payment.refresh_from_db()
    assert (payment.status, payment.reason) == (PaymentStatus.FAILED, PaymentReason.OTHER)


def test_reconcile_survives_stripe_being_down(fake_stripe, client_for, student):
    payment = start_checkout(client_for(student), CourseFactory())
    fake_stripe.fail_with = (503, {"error": {"type": "api_error", "message": "down"}})
    output = reconcile()
    assert "payment provider" in output
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING


def test_reconcile_task_runs_the_same_code(fake_stripe, client_for, student, settings):
    from payments.tasks import reconcile_payments

    settings.PAYMENT_RECONCILE_AFTER_MINUTES = 30
    payment = start_checkout(client_for(student), CourseFactory())
    fake_stripe.pay(payment.checkout_session_id)
    assert reconcile_payments.delay().get() == [f"payment {payment.pk} completed"]
