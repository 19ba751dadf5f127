"""Tutors' earnings: the ledger, the one definition of earnings.

Definition
----------
- A course line of a completed payment earns its tutors ``TUTOR_REVENUE_SHARE`` (0.7) of what
  the student paid for that line (``OrderItem.amount``: the price less the coupon's part),
  rounded half-up to the currency's minor unit: the *tutors' share* of the line.
- The share is split equally among the course's tutors at the moment the payment completes,
  exact to the minor unit: each gets ``floor(share / n)`` and the remaining minor units go one
  each to the first tutors by user id (deterministic).
- A refund of a line (a full refund covers every line not yet refunded) debits exactly what that
  line credited, tutor by tutor. So for every tutor: credits - debits = their shares of the lines
  still paid for (the net revenue).
- A payout debits the amount paid to the tutor.
- Every figure is per currency, ``Decimal`` with 2 places; nothing is ever converted.

``balance`` = every entry summed; ``paid_out`` = the payouts; ``pending`` = the sale credits
(less their refunds) of payments completed less than ``PAYOUT_HOLD_DAYS`` ago; ``available`` =
balance - pending (what a payout may take). Entries are immutable (``EarningEntry``).

Analytics (quick statistics and the course figures) report course *revenue*: the same lines'
``amount`` on completed payments, refunded lines excluded (``analytics.selectors.earning_lines``);
a tutor's ledger credits for a line are always ``share * that revenue`` split as above.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from payments.models import EarningEntry, EntryKind, OrderItem, Payment, Payout
from payments.pricing import minor_unit

ZERO = Decimal("0.00")


def tutors_share(amount: Decimal, currency: str, *, share: Decimal | None = None) -> Decimal:
    """The tutors' part of a line's amount, rounded half-up to the minor unit."""
    share = settings.TUTOR_REVENUE_SHARE if share is None else share
    return (amount * share).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def split_equally(total: Decimal, tutor_ids: Iterable, currency: str) -> dict:
    """``total`` split equally among the tutors, exact: the leftover minor units go one each to
    the first tutors in id order. No tutors: nothing."""
    ordered = sorted(set(tutor_ids))
    if not ordered:
        return {}
    unit = minor_unit(currency)
    base = (total / len(ordered)).quantize(unit, rounding=ROUND_DOWN)
    leftover = int((total - base * len(ordered)) / unit)
    return {tutor_id: base + (unit if index < leftover else 0) for index, tutor_id in enumerate(ordered)}


def credit_payment(*, payment: Payment, items: list[OrderItem], tutors_by_course: dict) -> list[EarningEntry]:
    """The sale credits of a completed payment (called once, under the payment's lock)."""
    entries = []
    for item in items:
        shares = split_equally(
            tutors_share(item.amount, payment.currency), tutors_by_course.get(item.course_id, ()), payment.currency
        )
        for tutor_id, amount in shares.items():
            if amount > 0:
                entries.append(
                    EarningEntry(
                        tutor_id=tutor_id,
                        kind=EntryKind.SALE,
                        amount=amount,
                        currency=payment.currency,
                        payment=payment,
                        order_item=item,
                        course_id=item.course_id,
                    )
                )
    return EarningEntry.objects.bulk_create(entries)


def debit_items(*, payment: Payment, items: list[OrderItem]) -> list[EarningEntry]:
    """Reverse the credits of these lines, tutor by tutor (once: a line already debited is skipped)."""
    item_ids = [item.pk for item in items]
    debited = set(
        EarningEntry.objects.filter(order_item__in=item_ids, kind=EntryKind.REFUND).values_list(
            "tutor_id", "order_item_id"
        )
    )
    entries = [
        EarningEntry(
            tutor_id=credit.tutor_id,
            kind=EntryKind.REFUND,
            amount=-credit.amount,
            currency=credit.currency,
            payment=payment,
            order_item_id=credit.order_item_id,
            course_id=credit.course_id,
        )
        for credit in EarningEntry.objects.filter(order_item__in=item_ids, kind=EntryKind.SALE).order_by("pk")
        if (credit.tutor_id, credit.order_item_id) not in debited
    ]
    return EarningEntry.objects.bulk_create(entries)


def payout_entry(*, payout: Payout) -> EarningEntry:
    return EarningEntry.objects.create(
        tutor_id=payout.tutor_id,
        kind=EntryKind.PAYOUT,
        amount=-payout.amount,
        currency=payout.currency,
        payout=payout,
    )


def tutor_earnings(*, tutor_id, now=None) -> list[dict]:
    """``[{currency, balance, pending, available, paid_out}]`` (2 queries), sorted by currency."""
    now = now or timezone.now()
    hold_since = now - timedelta(days=settings.PAYOUT_HOLD_DAYS)
    rows = (
        EarningEntry.objects.filter(tutor_id=tutor_id)
        .order_by()
        .values("currency")
        .annotate(
            balance=Sum("amount"),
            paid_out=Sum("amount", filter=Q(kind=EntryKind.PAYOUT)),
            pending=Sum(
                "amount",
                filter=Q(kind__in=[EntryKind.SALE, EntryKind.REFUND], payment__completed_at__gt=hold_since),
            ),
        )
    )
    figures = defaultdict(dict)
    for row in rows:
        balance = row["balance"] or ZERO
        pending = max(row["pending"] or ZERO, ZERO)
        figures[row["currency"]] = {
            "currency": row["currency"],
            "balance": _money(balance),
            "pending": _money(pending),
            "available": _money(balance - pending),
            "paid_out": _money(-(row["paid_out"] or ZERO)),
        }
    return [figures[currency] for currency in sorted(figures)]


def available_balance(*, tutor_id, currency: str) -> Decimal:
    for row in tutor_earnings(tutor_id=tutor_id):
        if row["currency"] == currency:
            return row["available"]
    return ZERO


def _money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))
