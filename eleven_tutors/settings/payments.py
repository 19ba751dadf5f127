"""Payments (Stripe, section 6 of the contract) and the currency of new courses."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core.currency import Currency
from eleven_tutors.settings.base import DEBUG, env, errors

DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default=env.str("STRIPE_CURRENCY", default="USD")).upper()
if DEFAULT_CURRENCY not in Currency.values:
    errors.add("DEFAULT_CURRENCY", f"must be one of {', '.join(Currency.values)}")

# Without STRIPE_SECRET_KEY paid checkouts answer 503 "payments are not configured".
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLIC_KEY = env.str("STRIPE_PUBLIC_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
STRIPE_CONNECT_TIMEOUT = errors.get(env.float, "STRIPE_CONNECT_TIMEOUT", default=3.0)
STRIPE_READ_TIMEOUT = errors.get(env.float, "STRIPE_READ_TIMEOUT", default=10.0)
STRIPE_MAX_NETWORK_RETRIES = errors.get(env.int, "STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_WEBHOOK_TOLERANCE = errors.get(env.int, "STRIPE_WEBHOOK_TOLERANCE", default=300)
# Stripe accepts 30 minutes to 24 hours.
STRIPE_CHECKOUT_EXPIRES_MINUTES = errors.get(env.int, "STRIPE_CHECKOUT_EXPIRES_MINUTES", default=30)
if not 30 <= STRIPE_CHECKOUT_EXPIRES_MINUTES <= 24 * 60:
    errors.add("STRIPE_CHECKOUT_EXPIRES_MINUTES", "must be between 30 and 1440")
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET and not DEBUG:
    errors.require("STRIPE_WEBHOOK_SECRET", "is required when STRIPE_SECRET_KEY is set")
# reconcile_payments asks Stripe about PENDING payments older than this (celery.py runs it).
PAYMENT_RECONCILE_AFTER_MINUTES = errors.get(env.int, "PAYMENT_RECONCILE_AFTER_MINUTES", default=15)

# Tutors' earnings (payments/ledger.py): the tutors' part of what a course sells for, split
# equally among its tutors; credits younger than PAYOUT_HOLD_DAYS are pending, not available.
try:
    TUTOR_REVENUE_SHARE = Decimal(env.str("TUTOR_REVENUE_SHARE", default="0.7").strip())
    if not TUTOR_REVENUE_SHARE.is_finite():
        raise InvalidOperation
except InvalidOperation:
    TUTOR_REVENUE_SHARE = Decimal("0.7")
    errors.add("TUTOR_REVENUE_SHARE", "is malformed: expected a decimal number such as 0.7")
if not 0 <= TUTOR_REVENUE_SHARE <= 1:
    errors.add("TUTOR_REVENUE_SHARE", "must be between 0 and 1 (e.g. 0.7)")
PAYOUT_HOLD_DAYS = errors.get(env.int, "PAYOUT_HOLD_DAYS", default=14)
if PAYOUT_HOLD_DAYS < 0:
    errors.add("PAYOUT_HOLD_DAYS", "must be 0 or more days")
# Payouts as Stripe Connect transfers to the tutor's connected account (else recorded only).
STRIPE_CONNECT_ENABLED = errors.get(env.bool, "STRIPE_CONNECT_ENABLED", default=False)
