"""What an order costs: line prices, a coupon's discount, the total. One function, ``quote``,
computes it for ``POST quote/`` and for every checkout, so the quote is what is charged.

Coupon rules (each refusal is a 400 with its reason, on ``coupon``):

- the code is case-insensitive; an unknown or inactive code is refused;
- ``valid_from`` / ``valid_until`` bound when it may be used;
- ``max_redemptions`` counts completed payments that used it; ``per_user_limit`` those of
  the buyer (both checked again, under a lock on the coupon, when the payment completes);
- it must apply to at least one course of the order (its courses, its tutor's courses, or any
  course for a site-wide coupon); it discounts only the courses it applies to;
- ``amount_off`` is in one currency and refused for an order in another; it is spread over the
  courses it applies to in proportion to their prices (exact to the minor unit, the remainder to
  the first lines), and never takes a line below 0;
- ``percent_off`` takes that percentage off each line it applies to, rounded half-up to the
  minor unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.currency import MINOR_UNIT_EXPONENTS
from core.exceptions import ServiceError
from courses.models import Course
from payments.models import Coupon, CouponRedemption, CouponScope


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNIT_EXPONENTS[currency.upper()])


@dataclass(frozen=True)
class QuoteLine:
    course: Course
    price: Decimal
    discount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    currency: str
    coupon: Coupon | None = None
    discount: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    free_lines: list[QuoteLine] = field(default_factory=list)


class CouponInvalid(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="coupon")


def coupon_find(code: str) -> Coupon:
    coupon = Coupon.objects.filter(code__iexact=code.strip()).prefetch_related("courses").first()
    if coupon is None or not coupon.active:
        raise CouponInvalid(_("This coupon does not exist or is no longer active."))
    return coupon


def coupon_applies_to(coupon: Coupon, course: Course, tutor_ids: set | None = None) -> bool:
    if coupon.scope == CouponScope.SITE:
        return True
    if coupon.scope == CouponScope.TUTOR:
        ids = tutor_ids if tutor_ids is not None else {t.pk for t in course.tutors.all()}
        return coupon.tutor_id in ids
    return any(c.pk == course.pk for c in coupon.courses.all())


def coupon_check_limits(coupon: Coupon, *, user) -> None:
    """The limits counted on completed payments (re-checked under a lock at completion)."""
    if coupon.max_redemptions is not None:
        used = CouponRedemption.objects.filter(coupon=coupon).count()
        if used >= coupon.max_redemptions:
            raise CouponInvalid(_("This coupon has been used up."))
    if coupon.per_user_limit is not None and user is not None:
        used = CouponRedemption.objects.filter(coupon=coupon, user=user).count()
        if used >= coupon.per_user_limit:
            raise CouponInvalid(_("You have already used this coupon as many times as allowed."))


def coupon_check(coupon: Coupon, *, user, courses: Sequence[Course], currency: str) -> None:
    now = timezone.now()
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise CouponInvalid(_("This coupon is not valid yet."))
    if coupon.valid_until is not None and now >= coupon.valid_until:
        raise CouponInvalid(_("This coupon has expired."))
    if coupon.amount_off is not None and coupon.currency != currency:
        raise CouponInvalid(
            _("This coupon is in %(coupon_currency)s; this order is in %(currency)s.")
            % {"coupon_currency": coupon.currency, "currency": currency}
        )
    if not any(coupon_applies_to(coupon, course) for course in courses):
        raise CouponInvalid(_("This coupon does not apply to these courses."))
    coupon_check_limits(coupon, user=user)


def _spread(total: Decimal, weights: list[Decimal], unit: Decimal) -> list[Decimal]:
    """``total`` split in proportion to ``weights``, exact to ``unit``; the remainder goes one
    unit at a time to the first lines."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [Decimal("0") for _ in weights]
    parts = [(total * w / weight_sum).quantize(unit, rounding=ROUND_DOWN) for w in weights]
    remainder = total - sum(parts)
    index = 0
    while remainder > 0:
        if parts[index] + unit <= weights[index]:
            parts[index] += unit
            remainder -= unit
        index = (index + 1) % len(parts)
    return parts


def quote(*, user, courses: Sequence[Course], coupon_code: str | None = None) -> Quote:
    """The price of buying ``courses`` (with a coupon): the one computation of checkouts and quotes.

    One currency per order (a mix is a 400 on ``course_ids``). Free courses are listed apart
    (``free_lines``): they are enrolled directly and never reach Stripe.
    """
    if not courses:
        raise ServiceError(_("Choose at least one course."), field="course_ids")
    currencies = {course.currency for course in courses if not course.is_free}
    if len(currencies) > 1:
        raise ServiceError(
            _("One order is paid in one currency; these courses are in %(currencies)s.")
            % {"currencies": ", ".join(sorted(currencies))},
            field="course_ids",
        )
    currency = currencies.pop() if currencies else courses[0].currency
    unit = minor_unit(currency)
    paid = [course for course in courses if not course.is_free]
    free = [
        QuoteLine(course, Decimal("0.00"), Decimal("0.00"), Decimal("0.00")) for course in courses if course.is_free
    ]
    coupon = None
    discounts = [Decimal("0.00") for _ in paid]
    if coupon_code:
        coupon = coupon_find(coupon_code)
        coupon_check(coupon, user=user, courses=paid, currency=currency)
        eligible = [coupon_applies_to(coupon, course) for course in paid]
        if coupon.percent_off is not None:
            rate = coupon.percent_off / 100
            discounts = [
                min(course.price, (course.price * rate).quantize(unit, rounding=ROUND_HALF_UP)) if ok else Decimal("0")
                for course, ok in zip(paid, eligible, strict=True)
            ]
        else:
            weights = [course.price if ok else Decimal("0") for course, ok in zip(paid, eligible, strict=True)]
            discounts = _spread(min(coupon.amount_off, sum(weights)), weights, unit)
    lines = [
        QuoteLine(course, course.price, discount.quantize(unit), (course.price - discount).quantize(unit))
        for course, discount in zip(paid, discounts, strict=True)
    ]
    return Quote(
        lines=lines,
        currency=currency,
        coupon=coupon,
        discount=sum((line.discount for line in lines), Decimal("0")).quantize(unit),
        total=sum((line.amount for line in lines), Decimal("0")).quantize(unit),
        free_lines=free,
    )


def coupons_managed_by(user):
    """The coupons a user manages: admins every one; tutors those they created or that are
    scoped to their courses or to them."""
    queryset = Coupon.objects.all()
    if user.is_admin:
        return queryset
    return queryset.filter(Q(created_by=user) | Q(tutor=user))
