"""POST /api/payments/payments/: the checkout, against the fake Stripe server over real HTTP."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from courses.models import Enrollment
from courses.tests.factories import CourseFactory, EnrollmentFactory
from payments.models import Order, Payment, PaymentReason, PaymentStatus
from payments.stripe_gateway import to_minor_units
from payments.tests.urls import PAYMENTS

pytestmark = pytest.mark.django_db


def test_paid_course_creates_order_pending_payment_and_exact_checkout_session(
    fake_stripe, client_for, student, paid_course, settings
):
    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})

    assert response.status_code == 200, response.content
    body = response.json()
    payment = Payment.objects.get()
    assert body["checkout_session_id"] == payment.checkout_session_id
    assert body["checkout_url"] == f"https://checkout.stripe.test/c/pay/{payment.checkout_session_id}"
    assert (payment.status, payment.amount, payment.currency, payment.method) == (
        PaymentStatus.PENDING,
        Decimal("19.99"),
        "USD",
        "STRIPE",
    )
    assert payment.order.total == Decimal("19.99")
    assert list(payment.order.courses.all()) == [paid_course]

    sent = fake_stripe.requests[-1]
    form = sent["form"]
    assert sent["path"] == "/v1/checkout/sessions"
    assert sent["headers"]["Authorization"] == "Bearer sk_test_fake"
    assert sent["headers"]["Idempotency-Key"] == f"checkout-{payment.pk}"
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "1999"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][product_data][name]"] == paid_course.title
    assert form["line_items[0][quantity]"] == "1"
    assert form["customer_email"] == student.email
    assert form["client_reference_id"] == str(payment.pk)
    for key, value in {
        "user_id": student.pk,
        "order_id": str(payment.order_id),
        "payment_id": str(payment.pk),
        "course_id": str(paid_course.pk),
    }.items():
        assert form[f"metadata[{key}]"] == value
        assert form[f"payment_intent_data[metadata][{key}]"] == value
    assert form["cancel_url"] == f"{settings.FRONTEND_URL}/dashboard/payment-cancel"
    success = urlsplit(form["success_url"])
    assert f"{success.scheme}://{success.netloc}{success.path}" == f"{settings.FRONTEND_URL}/dashboard/payment-success"
    assert parse_qs(success.query) == {"course-slug": [paid_course.slug], "session_id": ["{CHECKOUT_SESSION_ID}"]}
    assert int(form["expires_at"]) == int(payment.checkout_expires_at.timestamp())


@pytest.mark.parametrize(
    ("price", "currency", "minor"),
    [("19.99", "USD", 1999), ("0.50", "EUR", 50), ("1990.00", "RUB", 199000), ("250000", "UZS", 25000000)],
)
def test_amount_is_sent_in_the_currencys_smallest_unit_exactly(
    fake_stripe, client_for, student, price, currency, minor
):
    course = CourseFactory(price=Decimal(price), currency=currency)
    assert client_for(student).post(PAYMENTS, {"course_id": str(course.pk)}).status_code == 200
    form = fake_stripe.requests[-1]["form"]
    assert form["line_items[0][price_data][unit_amount]"] == str(minor)
    assert form["line_items[0][price_data][currency]"] == currency.lower()


def test_minor_units_never_go_through_floats():
    assert to_minor_units(Decimal("0.29"), "USD") == 29  # float(0.29) * 100 == 28.999999999999996
    assert to_minor_units(Decimal("1.1"), "EUR") == 110
    with pytest.raises(ValueError):
        to_minor_units(Decimal("1.005"), "USD")


def test_course_can_be_named_by_slug(fake_stripe, client_for, student, paid_course):
    assert client_for(student).post(PAYMENTS, {"course_id": paid_course.slug}).status_code == 200
    assert Payment.objects.get().order.items.get().course == paid_course


def test_open_checkout_is_reused_not_duplicated(fake_stripe, client_for, student, paid_course):
    client = client_for(student)
    first = client.post(PAYMENTS, {"course_id": str(paid_course.pk)}).json()
    second = client.post(PAYMENTS, {"course_id": str(paid_course.pk)}).json()
    assert first["checkout_session_id"] == second["checkout_session_id"]
    assert Payment.objects.count() == 1
    assert len([r for r in fake_stripe.requests if r["method"] == "POST"]) == 1


def test_free_course_enrols_immediately_without_stripe(client_for, student, settings):
    settings.STRIPE_SECRET_KEY = ""
    course = CourseFactory(price=Decimal("0"))
    response = client_for(student).post(PAYMENTS, {"course_id": str(course.pk)})
    assert response.status_code == 200
    assert response.json() == {
        "enrolled": True,
        "course_slug": course.slug,
        "checkout_session_id": None,
        "checkout_url": None,
    }
    assert Enrollment.objects.filter(student=student, course=course, is_active=True).exists()
    assert not Payment.objects.exists()


def test_paid_checkout_without_stripe_configured_is_503(client_for, student, paid_course, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})
    assert response.status_code == 503
    assert response.json() == {"detail": "payments are not configured"}
    assert not Payment.objects.exists()
    russian = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)}, HTTP_ACCEPT_LANGUAGE="ru")
    assert (russian.status_code, russian.json()) == (503, {"detail": "платежи не настроены"})


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (402, {"error": {"type": "card_error", "message": "secret upstream detail"}}),
        (500, {"error": {"type": "api_error", "message": "secret upstream detail"}}),
        (401, {"error": {"type": "invalid_request_error", "message": "secret upstream detail"}}),
    ],
)
def test_stripe_errors_give_502_and_leave_nothing_pending(fake_stripe, client_for, student, paid_course, status, body):
    fake_stripe.fail_with = (status, body)
    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})
    assert response.status_code == 502
    assert "secret upstream detail" not in response.content.decode()
    assert "payment provider" in response.json()["detail"]
    payment = Payment.objects.get()
    assert (payment.status, payment.reason) == (PaymentStatus.FAILED, PaymentReason.OTHER)
    assert not Payment.objects.filter(status=PaymentStatus.PENDING).exists()


def test_stripe_timeout_gives_502_and_failed_rows(fake_stripe, client_for, student, paid_course, settings):
    settings.STRIPE_READ_TIMEOUT = 0.2
    fake_stripe.delay_seconds = 0.6
    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})
    assert response.status_code == 502
    assert Payment.objects.get().status == PaymentStatus.FAILED


def test_stripe_unreachable_gives_502(client_for, student, paid_course, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: connection refused
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})
    assert response.status_code == 502
    assert Payment.objects.get().status == PaymentStatus.FAILED


@pytest.mark.parametrize("course_id", ["", "not a slug!", "../etc", 123, None, ["x"], "a" * 300])
def test_malformed_course_ids_are_400(fake_stripe, client_for, student, course_id):
    response = client_for(student).post(PAYMENTS, {"course_id": course_id}, format="json")
    assert response.status_code == 400, response.content
    assert "course_id" in response.json()


def test_missing_course_id_is_400(client_for, student):
    assert client_for(student).post(PAYMENTS, {}, format="json").status_code == 400


def test_unknown_and_unpublished_courses_are_404(fake_stripe, client_for, student):
    draft = CourseFactory(is_published=False)
    client = client_for(student)
    assert client.post(PAYMENTS, {"course_id": "0f0e0d0c-0b0a-4000-8000-000000000000"}).status_code == 404
    assert client.post(PAYMENTS, {"course_id": "no-such-course"}).status_code == 404
    assert client.post(PAYMENTS, {"course_id": str(draft.pk)}).status_code == 404
    assert not Order.objects.exists()


def test_already_enrolled_is_409(fake_stripe, client_for, student, paid_course):
    EnrollmentFactory(student=student, course=paid_course)
    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})
    assert response.status_code == 409
    assert not Payment.objects.exists()


def test_anonymous_checkout_is_401(api_client, paid_course):
    response = api_client.post(PAYMENTS, {"course_id": str(paid_course.pk)})
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_forged_user_in_body_is_ignored(fake_stripe, client_for, student, make_user, paid_course):
    victim = make_user()
    client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk), "user": victim.pk, "user_id": victim.pk})
    payment = Payment.objects.get()
    assert payment.user == student
    assert fake_stripe.requests[-1]["form"]["metadata[user_id]"] == student.pk
