"""One definition of earnings: the tutors' figures (course revenue) and the ledger (the tutors'
share of that same revenue) agree under coupons, co-tutors and refunds of chosen courses; and
ledger writes mark the cached figures stale."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from analytics import cache as statistics_cache
from courses.tests.factories import CourseFactory
from payments import ledger, services
from payments.models import EarningEntry, Order, OrderItem, Payment, Refund
from users.models import Role

pytestmark = pytest.mark.django_db

QUICK_URL = "/api/auth/tutors/me/quick_statistics/"


def buy(student, lines) -> Payment:
    """A completed payment, through the service, of [(course, price, discount)]."""
    amounts = [(course, price, discount, price - discount) for course, price, discount in lines]
    total = sum(amount for *_, amount in amounts)
    order = Order.objects.create(
        user=student, total=total, currency="USD", discount=sum(discount for _, _, discount, _ in amounts)
    )
    for course, price, discount, amount in amounts:
        OrderItem.objects.create(order=order, course=course, price=price, discount=discount, amount=amount)
    payment = Payment.objects.create(user=student, order=order, amount=total, currency="USD")
    session = {
        "id": f"cs_{order.pk}",
        "amount_total": int(total * 100),
        "currency": "usd",
        "payment_intent": f"pi_{order.pk}",
        "metadata": {"payment_id": str(payment.pk), "order_id": str(order.pk), "user_id": str(student.pk)},
    }
    services.payment_complete(payment_id=payment.pk, session=session)
    return payment


def test_figures_and_ledger_share_one_definition(client_for, make_user, settings):
    settings.TUTOR_STATISTICS_CACHE_SECONDS = 0
    tutor, co_tutor = make_user(Role.TUTOR), make_user(Role.TUTOR)
    solo = CourseFactory(price=Decimal("40.00"), tutors=[tutor])
    shared = CourseFactory(price=Decimal("25.00"), tutors=[tutor, co_tutor])
    gone = CourseFactory(price=Decimal("9.99"), tutors=[tutor])
    student = make_user(Role.STUDENT)
    # A coupon took 10.00 off the solo course only.
    payment = buy(
        student,
        [(solo, Decimal("40.00"), Decimal("10.00")), (shared, Decimal("25.00"), 0), (gone, Decimal("9.99"), 0)],
    )
    refund = Refund.objects.create(payment=payment, amount=Decimal("9.99"), currency="USD")
    refund.items.set(payment.order.items.filter(course=gone))
    services.payment_partially_refunded(payment_id=payment.pk, amount_refunded=999)

    figures = client_for(tutor).get(QUICK_URL).json()

    revenue = {solo: Decimal("30.00"), shared: Decimal("25.00")}  # the refunded course earns nothing
    assert Decimal(str(figures["total_earnings"])) == sum(revenue.values())
    expected = {tutor.pk: Decimal("0"), co_tutor.pk: Decimal("0")}
    for course, amount in revenue.items():
        parts = ledger.split_equally(
            ledger.tutors_share(amount, "USD"), course.tutors.values_list("pk", flat=True), "USD"
        )
        for tutor_id, part in parts.items():
            expected[tutor_id] += part
    balances = {
        who.pk: sum(EarningEntry.objects.filter(tutor=who).values_list("amount", flat=True), Decimal(0))
        for who in (tutor, co_tutor)
    }
    assert balances == expected == {tutor.pk: Decimal("21.00") + Decimal("8.75"), co_tutor.pk: Decimal("8.75")}


def versions(*users) -> list:
    return [cache.get(statistics_cache._keys(user.pk)[0], 0) for user in users]


def test_ledger_writes_mark_the_tutors_figures_stale(settings, make_user, django_capture_on_commit_callbacks):
    settings.TUTOR_STATISTICS_CACHE_SECONDS = 60
    settings.PAYOUT_HOLD_DAYS = 0
    cache.clear()
    tutor, bystander = make_user(Role.TUTOR), make_user(Role.TUTOR)
    buy(make_user(Role.STUDENT), [(CourseFactory(tutors=[tutor]), Decimal("10.00"), 0)])
    before = versions(tutor, bystander)

    with django_capture_on_commit_callbacks(execute=True):
        services.payout_create(tutor=tutor, currency="USD")  # a payout writes nothing but the ledger

    after = versions(tutor, bystander)
    assert after[0] != before[0] and after[1] == before[1]
