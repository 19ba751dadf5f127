"""The one place that talks to Stripe (official SDK). Everything else calls these functions.

Every call has connect/read timeouts and a bounded number of network retries (Stripe's
SDK retries only what is safe, and every POST carries an idempotency key). Errors are
mapped to :class:`GatewayError`, whose detail is safe to show; Stripe's body is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.api.parsers import MALFORMED_JSON_TOO_DEEP
from core.currency import MINOR_UNIT_EXPONENTS
from core.exceptions import ServiceError

logger = logging.getLogger(__name__)


class GatewayError(ServiceError):
    """Stripe is unreachable or refused the call: 502 with a clear, safe detail."""

    status = 502


# API.md's words for a paid checkout without Stripe (503), in the request's language.
NOT_CONFIGURED = _("payments are not configured")


class NotConfigured(ServiceError):
    status = 503


class InvalidWebhook(ServiceError):
    """A webhook whose payload or signature does not verify."""


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The amount in the currency's smallest unit, converted exactly (never through a float)."""
    exponent = MINOR_UNIT_EXPONENTS[currency.upper()]
    scaled = amount * (10**exponent)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more precision than the currency allows")
    return int(scaled)


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise NotConfigured(NOT_CONFIGURED)
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=(settings.STRIPE_CONNECT_TIMEOUT, settings.STRIPE_READ_TIMEOUT)),
    )


# What the caller is told when the provider fails, per action (the log says which action).
FAILURES = {
    "start the checkout": _("The payment provider could not start the checkout; please try again."),
    "look up the checkout": _("The payment provider could not look up the checkout; please try again."),
    "refund the payment": _("The payment provider could not refund the payment; please try again."),
    "transfer the payout": _("The payment provider could not transfer the payout; please try again."),
}


def _call(action: str, function, *args, **kwargs) -> dict[str, Any]:
    try:
        result = function(*args, **kwargs)
    except stripe.StripeError as exc:
        logger.error("Stripe %s failed: %s (HTTP %s) %s", action, type(exc).__name__, exc.http_status, exc.http_body)
        raise GatewayError(FAILURES[action]) from exc
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


@dataclass(frozen=True)
class CheckoutLine:
    """One course of the order, at what the student pays for it."""

    name: str
    amount: Decimal


@dataclass(frozen=True)
class CheckoutRequest:
    payment_id: str
    order_id: str
    user_id: str
    course_slug: str
    lines: tuple[CheckoutLine, ...]
    currency: str
    customer_email: str
    expires_at: int
    course_id: str = ""  # single-course orders (the metadata keeps naming the course)


def checkout_session_create(request: CheckoutRequest) -> dict[str, Any]:
    """Create a Checkout Session, one line item per course (exact minor units); idempotent per payment."""
    metadata = {"user_id": request.user_id, "order_id": request.order_id, "payment_id": request.payment_id}
    if request.course_id:
        metadata["course_id"] = request.course_id
    frontend = settings.FRONTEND_URL
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": request.currency.lower(),
                    "unit_amount": to_minor_units(line.amount, request.currency),
                    "product_data": {"name": line.name},
                },
            }
            for line in request.lines
        ],
        "customer_email": request.customer_email,
        "client_reference_id": request.payment_id,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "expires_at": request.expires_at,
        "success_url": (
            f"{frontend}/dashboard/payment-success?course-slug={request.course_slug}&session_id={{CHECKOUT_SESSION_ID}}"
        ),
        "cancel_url": f"{frontend}/dashboard/payment-cancel",
    }
    client = _client()
    return _call(
        "start the checkout",
        client.v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": f"checkout-{request.payment_id}"},
    )


def checkout_session_retrieve(session_id: str) -> dict[str, Any]:
    client = _client()
    return _call("look up the checkout", client.v1.checkout.sessions.retrieve, session_id)


def refund_create(
    *, payment_intent: str, payment_id: str, amount: int | None = None, idempotency_key: str | None = None
) -> dict[str, Any]:
    """A refund of the payment's intent: in full, or ``amount`` minor units; idempotent per
    payment (full) or per ``idempotency_key`` (our Refund row)."""
    client = _client()
    params: dict[str, Any] = {"payment_intent": payment_intent, "metadata": {"payment_id": payment_id}}
    if amount is not None:
        params["amount"] = amount
    return _call(
        "refund the payment",
        client.v1.refunds.create,
        params=params,
        options={"idempotency_key": idempotency_key or f"refund-{payment_id}"},
    )


def transfer_create(*, amount: Decimal, currency: str, destination: str, payout_id: str) -> dict[str, Any]:
    """A Stripe Connect transfer to a tutor's connected account; idempotent per payout."""
    client = _client()
    return _call(
        "transfer the payout",
        client.v1.transfers.create,
        params={
            "amount": to_minor_units(amount, currency),
            "currency": currency.lower(),
            "destination": destination,
            "metadata": {"payout_id": payout_id},
        },
        options={"idempotency_key": f"payout-{payout_id}"},
    )


def webhook_event_verify(payload: bytes, signature: str | None) -> dict[str, Any]:
    """Check the Stripe-Signature header against STRIPE_WEBHOOK_SECRET (with Stripe's tolerance)."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise NotConfigured(NOT_CONFIGURED)
    if not signature:
        raise InvalidWebhook("Missing Stripe-Signature header.")
    try:
        # The signature is checked first; only then is the body parsed (json.loads) and
        # converted, both recursive: JSON nested too deep for them is malformed input, a 400.
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE
        )
        return event.to_dict()
    except stripe.SignatureVerificationError:
        raise InvalidWebhook("Invalid Stripe signature.") from None
    except RecursionError:
        raise InvalidWebhook(MALFORMED_JSON_TOO_DEEP) from None
    except ValueError:
        raise InvalidWebhook("Invalid webhook payload.") from None
