"""A local fake of the Stripe API (the paths we use) and Stripe's webhook signature scheme.

The real ``stripe`` SDK is pointed at the fake through STRIPE_API_BASE, so the requests
it sends (form-encoded, with idempotency keys) are exactly what Stripe would receive.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from werkzeug import Request, Response

from courses.tests.factories import CourseFactory

WEBHOOK_SECRET = "whsec_test_secret"
_counter = itertools.count(1)


@dataclass
class FakeStripe:
    """Holds the sessions it created and every request it received."""

    base_url: str
    sessions: dict[str, dict] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    fail_with: tuple[int, dict] | None = None
    delay_seconds: float = 0.0

    def _record(self, request: Request) -> dict:
        entry = {
            "method": request.method,
            "path": request.path,
            "form": request.form.to_dict(),
            "headers": dict(request.headers),
        }
        self.requests.append(entry)
        return entry

    def _maybe_fail(self) -> Response | None:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if self.fail_with is not None:
            status, body = self.fail_with
            return Response(json.dumps(body), status=status, content_type="application/json")
        return None

    def create_session(self, request: Request) -> Response:
        entry = self._record(request)
        if (failure := self._maybe_fail()) is not None:
            return failure
        form = entry["form"]
        session_id = f"cs_test_{next(_counter)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "mode": form.get("mode"),
            "amount_total": sum(
                int(form[f"line_items[{i}][price_data][unit_amount]"]) * int(form[f"line_items[{i}][quantity]"])
                for i in itertools.takewhile(lambda i: f"line_items[{i}][quantity]" in form, itertools.count())
            ),
            "currency": form["line_items[0][price_data][currency]"],
            "client_reference_id": form.get("client_reference_id"),
            "customer_email": form.get("customer_email"),
            "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "expires_at": int(form["expires_at"]),
        }
        self.sessions[session_id] = session
        return Response(json.dumps(session), content_type="application/json")

    def retrieve_session(self, request: Request) -> Response:
        self._record(request)
        if (failure := self._maybe_fail()) is not None:
            return failure
        session = self.sessions.get(request.path.rsplit("/", 1)[-1])
        if session is None:
            error = {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}}
            return Response(json.dumps(error), status=404, content_type="application/json")
        return Response(json.dumps(session), content_type="application/json")

    def create_refund(self, request: Request) -> Response:
        entry = self._record(request)
        if (failure := self._maybe_fail()) is not None:
            return failure
        refund = {
            "id": f"re_test_{next(_counter)}",
            "object": "refund",
            "status": "succeeded",
            "payment_intent": entry["form"].get("payment_intent"),
            "amount": int(entry["form"]["amount"]) if "amount" in entry["form"] else None,
        }
        self.refunds.append(refund)
        return Response(json.dumps(refund), content_type="application/json")

    def create_transfer(self, request: Request) -> Response:
        entry = self._record(request)
        if (failure := self._maybe_fail()) is not None:
            return failure
        form = entry["form"]
        if not form.get("destination", "").startswith("acct_"):
            error = {"error": {"type": "invalid_request_error", "message": "No such destination"}}
            return Response(json.dumps(error), status=400, content_type="application/json")
        transfer = {
            "id": f"tr_test_{next(_counter)}",
            "object": "transfer",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "destination": form["destination"],
            "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
        }
        self.transfers.append(transfer)
        return Response(json.dumps(transfer), content_type="application/json")

    # --- Helpers for tests ---------------------------------------------------------------

    def pay(self, session_id: str, *, payment_intent: str = "pi_test_1") -> dict:
        """What Stripe's session looks like once the customer has paid."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid", payment_intent=payment_intent)
        return session

    def expire(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        session.update(status="expired")
        return session


@pytest.fixture
def fake_stripe(httpserver, settings) -> FakeStripe:
    fake = FakeStripe(base_url=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_handler(fake.create_session)
    httpserver.expect_request(re.compile(r"^/v1/checkout/sessions/[^/]+$"), method="GET").respond_with_handler(
        fake.retrieve_session
    )
    httpserver.expect_request("/v1/refunds", method="POST").respond_with_handler(fake.create_refund)
    httpserver.expect_request("/v1/transfers", method="POST").respond_with_handler(fake.create_transfer)
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.base_url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_READ_TIMEOUT = 2.0
    return fake


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> bytes:
    body = {
        "id": event_id or f"evt_test_{next(_counter)}",
        "object": "event",
        "type": event_type,
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(body).encode()


@pytest.fixture
def deliver(api_client):
    """POST a signed event to the webhook; returns the response."""

    def send(payload: bytes, *, path: str = "/api/payments/stripe/webhook/", signature: str | None = None):
        header = sign(payload) if signature is None else signature
        return api_client.post(path, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)

    return send


@pytest.fixture
def paid_course(db):
    return CourseFactory(price=Decimal("19.99"), currency="USD", is_published=True)


# ``sqlite_server`` (a real threaded runserver on an SQLite file, payments/tests/live_sqlite.py)
# is in the root conftest: the live concurrency tests of other apps share the one per session.
