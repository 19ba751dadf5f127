"""Tutors' earnings: the ledger (exact shares, co-tutors, refunds; a property-based test), the
earnings endpoints and payouts (recorded, or Stripe Connect transfers to the fake Stripe)."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from courses.tests.factories import CourseFactory
from payments import ledger, services
from payments.models import (
    EarningEntry,
    ImmutableEntryError,
    Order,
    OrderItem,
    Payment,
    Payout,
    PayoutAccount,
    Refund,
)
from users.models import Role
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EARNINGS = "/api/auth/tutors/me/earnings/"
ENTRIES = "/api/auth/tutors/me/earnings/entries/"


def sell(student, lines, *, currency="USD", intent="pi_x") -> Payment:
    """A completed payment of an order of ``lines`` [(course, amount)], through the service."""
    total = sum((amount for _, amount in lines), Decimal("0"))
    order = Order.objects.create(user=student, total=total, currency=currency)
    for course, amount in lines:
        OrderItem.objects.create(order=order, course=course, price=amount, amount=amount)
    payment = Payment.objects.create(
        user=student, order=order, amount=total, currency=currency, checkout_session_id=f"cs_{order.pk}"
    )
    session = {
        "id": payment.checkout_session_id,
        "amount_total": int(total * 100),
        "currency": currency.lower(),
        "payment_intent": intent,
        "metadata": {"payment_id": str(payment.pk), "order_id": str(order.pk), "user_id": str(student.pk)},
    }
    assert services.payment_complete(payment_id=payment.pk, session=session).endswith("completed")
    return payment


def balance(tutor, currency="USD") -> Decimal:
    return sum(EarningEntry.objects.filter(tutor=tutor, currency=currency).values_list("amount", flat=True), Decimal(0))


# --- The ledger ---------------------------------------------------------------------------------------


def test_split_is_exact_and_the_remainder_goes_to_the_first_tutors():
    assert ledger.split_equally(Decimal("10.00"), [7, 3, 5], "USD") == {
        3: Decimal("3.34"),
        5: Decimal("3.33"),
        7: Decimal("3.33"),
    }
    assert ledger.split_equally(Decimal("0.01"), [2, 1], "USD") == {1: Decimal("0.01"), 2: Decimal("0.00")}
    assert ledger.split_equally(Decimal("1.00"), [], "USD") == {}


def test_share_is_rounded_half_up_and_configurable(settings):
    assert ledger.tutors_share(Decimal("19.99"), "USD") == Decimal("13.99")  # 13.993
    assert ledger.tutors_share(Decimal("0.05"), "USD") == Decimal("0.04")  # 0.035
    settings.TUTOR_REVENUE_SHARE = Decimal("0.5")
    assert ledger.tutors_share(Decimal("0.05"), "USD") == Decimal("0.03")


def test_entries_are_immutable(student, tutor):
    sell(student, [(CourseFactory(tutors=[tutor]), Decimal("10.00"))])
    entry = EarningEntry.objects.get()
    entry.amount = Decimal("1000")
    with pytest.raises(ImmutableEntryError):
        entry.save()
    with pytest.raises(ImmutableEntryError):
        entry.delete()
    assert EarningEntry.objects.get().amount == Decimal("7.00")


def test_co_tutors_split_and_a_full_refund_debits_exactly(student, make_user):
    tutors = [make_user(Role.TUTOR) for _ in range(3)]
    course = CourseFactory(tutors=tutors)
    payment = sell(student, [(course, Decimal("10.00"))])
    assert sorted(balance(t) for t in tutors) == [Decimal("2.33"), Decimal("2.33"), Decimal("2.34")]
    services.payment_refunded(payment_id=payment.pk)
    services.payment_refunded(payment_id=payment.pk)  # a replay changes nothing
    assert [balance(t) for t in tutors] == [0, 0, 0]
    assert EarningEntry.objects.filter(kind="refund").count() == 3


LINE = st.tuples(
    st.integers(min_value=1, max_value=100_000),  # the line's amount in cents
    st.integers(min_value=1, max_value=4),  # its number of tutors
    st.booleans(),  # refunded on its own (a partial refund)
)


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(LINE, min_size=1, max_size=4),
    share=st.sampled_from([Decimal("0.7"), Decimal("0.5"), Decimal("0.333"), Decimal("1"), Decimal("0.01")]),
    full_refund=st.booleans(),
)
def test_credits_minus_debits_are_the_shares_of_net_revenue(settings, lines, share, full_refund):
    """Property: for every tutor, credits - debits = their equal part of share x (what was paid
    for each line not refunded), exact to the cent; a line's parts add up to its share."""
    settings.TUTOR_REVENUE_SHARE = share
    with transaction.atomic():
        student = UserFactory(role=Role.STUDENT, password=None)
        pool = [UserFactory(role=Role.TUTOR, password=None) for _ in range(4)]
        bought = [
            (CourseFactory(tutors=pool[:n_tutors]), Decimal(cents) / 100, refunded)
            for cents, n_tutors, refunded in lines
        ]
        payment = sell(student, [(course, amount) for course, amount, _ in bought])
        items = {item.course_id: item for item in payment.order.items.all()}
        refunded_amount = Decimal("0")
        for course, amount, refunded in bought:
            if refunded:
                refund = Refund.objects.create(payment=payment, amount=amount, currency="USD")
                refund.items.set([items[course.pk]])
                refunded_amount += amount
        if refunded_amount:
            services.payment_partially_refunded(payment_id=payment.pk, amount_refunded=int(refunded_amount * 100))
        if full_refund:
            services.payment_refunded(payment_id=payment.pk)

        expected = {tutor.pk: Decimal("0") for tutor in pool}
        for course, amount, refunded in bought:
            line_share = (amount * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            tutor_ids = sorted(t.pk for t in pool[: len(course.tutors.all())])
            parts = ledger.split_equally(line_share, tutor_ids, "USD")
            assert sum(parts.values()) == line_share
            assert max(parts.values()) - min(parts.values()) <= Decimal("0.01")
            if not (refunded or full_refund):
                for tutor_id, part in parts.items():
                    expected[tutor_id] += part
        assert {tutor.pk: balance(tutor) for tutor in pool} == expected
        credits = sum(EarningEntry.objects.filter(kind="sale").values_list("amount", flat=True), Decimal(0))
        debits = -sum(EarningEntry.objects.filter(kind="refund").values_list("amount", flat=True), Decimal(0))
        assert credits - debits == sum(expected.values())
        transaction.set_rollback(True)


# --- The endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,expected", [(None, 401), (Role.USER, 403), (Role.STUDENT, 403), (Role.TUTOR, 200), (Role.ADMIN, 200)]
)
@pytest.mark.parametrize("path", [EARNINGS, ENTRIES])
def test_earnings_permission_matrix(client_for, make_user, role, expected, path):
    user = make_user(role) if role is not None else None
    assert client_for(user).get(path).status_code == expected


def test_earnings_are_the_callers_own_per_currency_with_pending_available_and_paid_out(
    client_for, student, tutor, make_user
):
    usd = CourseFactory(price=Decimal("100.00"), currency="USD", tutors=[tutor])
    eur = CourseFactory(price=Decimal("10.00"), currency="EUR", tutors=[tutor])
    old = sell(student, [(usd, Decimal("100.00"))])
    Payment.objects.filter(pk=old.pk).update(completed_at=timezone.now() - timedelta(days=15))
    sell(make_user(), [(usd, Decimal("50.00"))])  # 3 days later: pending
    sell(student, [(eur, Decimal("10.00"))], currency="EUR")
    sell(student, [(CourseFactory(), Decimal("99.00"))])  # another tutor's sale
    services.payout_create(tutor=tutor, currency="USD", amount=Decimal("20.00"))

    body = client_for(tutor).get(EARNINGS).json()

    assert body == {
        "currencies": [
            {"currency": "EUR", "balance": "7.00", "pending": "7.00", "available": "0.00", "paid_out": "0.00"},
            {"currency": "USD", "balance": "85.00", "pending": "35.00", "available": "50.00", "paid_out": "20.00"},
        ],
        "payout_hold_days": 14,
        "revenue_share": "0.7000",
    }


def test_entries_are_paginated_newest_first_within_a_query_budget(
    client_for, student, tutor, django_assert_max_num_queries
):
    for n in range(6):
        sell(student, [(CourseFactory(tutors=[tutor], title=f"C{n}"), Decimal("10.00"))])

    with django_assert_max_num_queries(4):
        body = client_for(tutor).get(ENTRIES, {"page_size": 4}).json()

    assert body["count"] == 6 and len(body["results"]) == 4 and body["next"]
    first = body["results"][0]
    assert set(first) == {"id", "kind", "amount", "currency", "course", "payment", "payout", "created_at"}
    assert (first["kind"], first["amount"], first["course"]["title"]) == ("sale", "7.00", "C5")


# --- Payouts ------------------------------------------------------------------------------------------


@pytest.fixture
def no_hold(settings):
    """Sales are available at once (the hold is tested with the endpoint above)."""
    settings.PAYOUT_HOLD_DAYS = 0


def test_payout_takes_the_available_balance_only(no_hold, student, tutor):
    sell(student, [(CourseFactory(tutors=[tutor]), Decimal("10.00"))])
    with pytest.raises(services.ServiceError, match=r"Only \$7\.00 is available"):
        services.payout_create(tutor=tutor, currency="USD", amount=Decimal("7.01"))
    payout = services.payout_create(tutor=tutor, currency="USD")
    assert (payout.amount, payout.stripe_transfer_id) == (Decimal("7.00"), "")
    assert balance(tutor) == 0
    with pytest.raises(services.ServiceError, match="Nothing available"):
        services.payout_create(tutor=tutor, currency="USD")


def test_stripe_connect_payout_is_a_transfer_to_the_connected_account(no_hold, fake_stripe, settings, student, tutor):
    settings.STRIPE_CONNECT_ENABLED = True
    sell(student, [(CourseFactory(tutors=[tutor]), Decimal("19.99"))])
    with pytest.raises(services.ServiceError, match="no Stripe connected account"):
        services.payout_create(tutor=tutor, currency="USD")
    assert not Payout.objects.exists()
    PayoutAccount.objects.create(tutor=tutor, stripe_account_id="acct_tutor1")

    payout = services.payout_create(tutor=tutor, currency="USD")

    sent = fake_stripe.requests[-1]
    assert sent["path"] == "/v1/transfers"
    assert sent["form"] == {
        "amount": "1399",
        "currency": "usd",
        "destination": "acct_tutor1",
        "metadata[payout_id]": str(payout.pk),
    }
    assert sent["headers"]["Idempotency-Key"] == f"payout-{payout.pk}"
    assert payout.stripe_transfer_id == fake_stripe.transfers[0]["id"]
    assert EarningEntry.objects.get(kind="payout").amount == Decimal("-13.99")


def test_a_failed_payout_transfer_records_nothing(no_hold, fake_stripe, settings, student, tutor):
    settings.STRIPE_CONNECT_ENABLED = True
    PayoutAccount.objects.create(tutor=tutor, stripe_account_id="acct_tutor1")
    sell(student, [(CourseFactory(tutors=[tutor]), Decimal("10.00"))])
    fake_stripe.fail_with = (500, {"error": {"type": "api_error", "message": "boom"}})
    with pytest.raises(services.stripe_gateway.GatewayError):
        services.payout_create(tutor=tutor, currency="USD")
    assert not Payout.objects.exists() and balance(tutor) == Decimal("7.00")


def test_admin_records_a_payout_and_pays_out_connected_accounts(
    no_hold, admin_client, student, tutor, fake_stripe, settings
):
    sell(student, [(CourseFactory(tutors=[tutor]), Decimal("10.00"))])
    add = reverse("admin:payments_payout_add")
    too_much = admin_client.post(add, {"tutor": tutor.pk, "currency": "USD", "amount": "8.00", "note": ""})
    assert too_much.status_code == 200 and b"7.00 USD is available" in too_much.content
    response = admin_client.post(add, {"tutor": tutor.pk, "currency": "USD", "amount": "3.00", "note": "bank"})
    assert response.status_code == 302
    assert list(Payout.objects.values_list("amount", "note")) == [(Decimal("3.00"), "bank")]

    settings.STRIPE_CONNECT_ENABLED = True
    account = PayoutAccount.objects.create(tutor=tutor, stripe_account_id="acct_t")
    admin_client.post(
        reverse("admin:payments_payoutaccount_changelist"),
        {"action": "pay_out", "_selected_action": [str(account.pk)]},
        follow=True,
    )
    assert [t["amount"] for t in fake_stripe.transfers] == [400]
    assert balance(tutor) == 0
    for model in ("payout", "earningentry", "coupon", "couponredemption", "refund", "payoutaccount"):
        assert admin_client.get(reverse(f"admin:payments_{model}_changelist"), {"q": "x"}).status_code == 200


def test_admin_payout_when_stripe_refuses_the_transfer_records_nothing(
    no_hold, admin_client, student, tutor, fake_stripe, settings
):
    settings.STRIPE_CONNECT_ENABLED = True
    PayoutAccount.objects.create(tutor=tutor, stripe_account_id="acct_t")
    sell(student, [(CourseFactory(tutors=[tutor]), Decimal("10.00"))])
    fake_stripe.fail_with = (500, {"error": {"type": "api_error", "message": "boom"}})

    response = admin_client.post(
        reverse("admin:payments_payout_add"),
        {"tutor": tutor.pk, "currency": "USD", "amount": "", "note": ""},
        follow=True,
    )

    assert response.status_code == 200
    assert b"No payout: The payment provider could not transfer the payout" in response.content
    assert not Payout.objects.exists() and balance(tutor) == Decimal("7.00")
