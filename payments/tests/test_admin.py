"""The payments admin: read-only money records, working search and filters, a refund action."""

import pytest
from django.urls import reverse

from payments.models import Payment, PaymentStatus
from payments.tests.test_payments_api import make_payment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["order", "payment", "webhookevent"])
def test_changelists_search_and_filter(admin_client, student, model):
    make_payment(student)
    url = reverse(f"admin:payments_{model}_changelist")
    for query in ({}, {"q": "test"}, {"q": student.email}):
        assert admin_client.get(url, query).status_code == 200
    if model == "payment":
        assert admin_client.get(url, {"status__exact": PaymentStatus.COMPLETED}).status_code == 200
        assert admin_client.get(url, {"currency__exact": "USD"}).status_code == 200


def test_payments_cannot_be_added_edited_or_deleted_in_the_admin(admin_client, student):
    payment = make_payment(student)
    assert admin_client.get(reverse("admin:payments_payment_add")).status_code == 403
    change = reverse("admin:payments_payment_change", args=[payment.pk])
    assert admin_client.get(change).status_code == 200  # view only
    response = admin_client.post(change, {"amount": "0.01", "status": PaymentStatus.REFUNDED})
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:payments_payment_delete", args=[payment.pk])).status_code == 403
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED


def test_refund_action_asks_stripe(admin_client, student, fake_stripe):
    payment = make_payment(student, stripe_payment_intent="pi_admin")
    response = admin_client.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "refund", "_selected_action": [str(payment.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert [r["form"]["payment_intent"] for r in fake_stripe.requests] == ["pi_admin"]
    assert Payment.objects.get().status == PaymentStatus.COMPLETED  # the webhook finishes the job
