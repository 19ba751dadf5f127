"""The cart: its rules, its checkout (one order, one Stripe session, one line per course), the
webhook enrolling every course, and refunds of all or some of the courses."""

from decimal import Decimal

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from courses.models import Enrollment, EnrollmentSource
from courses.tests.factories import CourseFactory, EnrollmentFactory
from payments.models import CartItem, EarningEntry, Order, Payment, PaymentStatus, Refund, WebhookEvent
from payments.tests.conftest import event
from payments.tests.urls import PAYMENTS

pytestmark = pytest.mark.django_db

CART = "/api/payments/cart/"
ITEMS = "/api/payments/cart/items/"
CHECKOUT = "/api/payments/cart/checkout/"


def add(client, course):
    return client.post(ITEMS, {"course_id": str(course.pk)}, format="json")


def active(student, course) -> bool:
    return Enrollment.objects.filter(student=student, course=course, is_active=True).exists()


@pytest.fixture
def three(db, tutor, make_user):
    co_tutor = make_user(role=2)
    return [
        CourseFactory(title="Algebra", price=Decimal("19.99"), currency="USD", tutors=[tutor]),
        CourseFactory(title="Biology", price=Decimal("10.00"), currency="USD", tutors=[tutor, co_tutor]),
        CourseFactory(title="Chemistry", price=Decimal("0.01"), currency="USD"),
    ]


# --- Cart rules --------------------------------------------------------------------------------------


def test_cart_add_is_idempotent_and_shows_the_contract_shape(client_for, student, three):
    client = client_for(student)
    assert add(client, three[0]).status_code == 201
    again = add(client, three[0])
    assert again.status_code == 200
    assert add(client, three[1]).status_code == 201

    body = client.get(CART).json()

    assert body == {
        "items": [
            {
                "course": {
                    "id": str(c.pk),
                    "slug": c.slug,
                    "title": c.title,
                    "price": str(c.price),
                    "currency": "USD",
                }
            }
            for c in three[:2]
        ],
        "total": "29.99",
        "currency": "USD",
    }
    assert CartItem.objects.filter(user=student).count() == 2


def test_cart_refuses_drafts_owned_and_own_courses(client_for, student, tutor, three):
    draft = CourseFactory(is_published=False)
    EnrollmentFactory(student=student, course=three[0])
    client = client_for(student)

    assert add(client, draft).status_code == 404
    owned = add(client, three[0])
    assert owned.status_code == 409
    assert owned.json() == {"detail": "You are already enrolled in this course."}
    own = add(client_for(tutor), three[0])
    assert own.status_code == 400
    assert "teach" in str(own.json())
    bad = client.post(ITEMS, {"course_id": "not-a-uuid"}, format="json")
    assert bad.status_code == 400 and "course_id" in bad.json()
    assert not CartItem.objects.exists()


def test_remove_from_cart_and_removing_twice_is_404(client_for, student, three):
    client = client_for(student)
    add(client, three[0])
    assert client.delete(f"{ITEMS}{three[0].pk}/").status_code == 204
    assert client.delete(f"{ITEMS}{three[0].pk}/").status_code == 404
    assert client.get(CART).json()["items"] == []


def test_cart_is_per_user_and_survives_logout(client_for, api_client, student, make_user, three):
    add(client_for(student), three[0])
    refresh = RefreshToken.for_user(student)
    client = client_for(student)
    assert client.post("/api/auth/logout/", {"refresh": str(refresh)}, format="json").status_code == 205
    # Signed in again (a new token): the cart is still there; someone else's cart is their own.
    assert [i["course"]["id"] for i in client_for(student).get(CART).json()["items"]] == [str(three[0].pk)]
    assert client_for(make_user()).get(CART).json() == {"items": [], "total": None, "currency": None}


@pytest.mark.parametrize("method,path", [("get", CART), ("post", ITEMS), ("post", CHECKOUT)])
def test_cart_needs_a_login(api_client, method, path):
    assert getattr(api_client, method)(path, {}, format="json").status_code == 401


def test_cart_query_budget(client_for, student, django_assert_max_num_queries):
    client = client_for(student)
    for _ in range(8):
        add(client, CourseFactory())
    with django_assert_max_num_queries(3):
        response = client.get(CART)
    assert len(response.json()["items"]) == 8


def test_mixed_currencies_are_refused_at_checkout(fake_stripe, client_for, student):
    client = client_for(student)
    add(client, CourseFactory(price=Decimal("5.00"), currency="USD"))
    add(client, CourseFactory(price=Decimal("5.00"), currency="EUR"))

    response = client.post(CHECKOUT, {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"course_ids": ["One order is paid in one currency; these courses are in EUR, USD."]}
    assert client.get(CART).json()["total"] is None
    assert not Payment.objects.exists() and fake_stripe.requests == []


def test_empty_cart_checkout_is_400(fake_stripe, client_for, student):
    response = client_for(student).post(CHECKOUT, {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Your cart is empty."}


# --- Checkout, webhook, refunds ----------------------------------------------------------------------


@pytest.fixture
def cart_checkout(fake_stripe, client_for, student, three):
    """The student checked out the three courses: (payment, session)."""
    client = client_for(student)
    for course in three:
        add(client, course)
    response = client.post(CHECKOUT, {}, format="json")
    assert response.status_code == 200, response.content
    payment = Payment.objects.get()
    assert response.json() == {
        "enrolled": False,
        "checkout_session_id": payment.checkout_session_id,
        "checkout_url": fake_stripe.sessions[payment.checkout_session_id]["url"],
    }
    return payment, fake_stripe.sessions[payment.checkout_session_id]


def test_cart_checkout_is_one_order_and_one_session_with_a_line_per_course(cart_checkout, fake_stripe, three):
    payment, session = cart_checkout
    order = payment.order
    assert (order.total, payment.amount, session["amount_total"]) == (Decimal("30.00"), Decimal("30.00"), 3000)
    assert sorted(order.items.values_list("course_id", "price", "amount")) == sorted(
        (c.pk, c.price, c.price) for c in three
    )
    form = fake_stripe.requests[-1]["form"]
    lines = [
        (
            form[f"line_items[{i}][price_data][product_data][name]"],
            form[f"line_items[{i}][price_data][unit_amount]"],
            form[f"line_items[{i}][price_data][currency]"],
            form[f"line_items[{i}][quantity]"],
        )
        for i in range(3)
    ]
    assert lines == [("Algebra", "1999", "usd", "1"), ("Biology", "1000", "usd", "1"), ("Chemistry", "1", "usd", "1")]
    assert "line_items[3][quantity]" not in form
    assert "metadata[course_id]" not in form  # the order names the courses
    assert form["metadata[order_id]"] == str(order.pk)


def test_checkout_again_reuses_the_open_session_and_keeps_the_cart(cart_checkout, client_for, student, fake_stripe):
    payment, _ = cart_checkout
    again = client_for(student).post(CHECKOUT, {}, format="json")
    assert again.json()["checkout_session_id"] == payment.checkout_session_id
    assert len(fake_stripe.sessions) == 1
    assert CartItem.objects.filter(user=student).count() == 3  # emptied only when the payment completes


def test_webhook_enrols_every_course_empties_the_cart_and_replays_once(
    cart_checkout, fake_stripe, deliver, student, three, tutor
):
    payment, _ = cart_checkout
    payload = event("checkout.session.completed", fake_stripe.pay(payment.checkout_session_id, payment_intent="pi_c"))

    first = deliver(payload)
    replay = deliver(payload)

    assert first.status_code == replay.status_code == 200
    assert replay.json()["outcome"] == "duplicate"
    assert all(active(student, c) for c in three)
    assert Enrollment.objects.filter(student=student, source=EnrollmentSource.PAYMENT).count() == 3
    assert not CartItem.objects.filter(user=student).exists()
    assert WebhookEvent.objects.count() == 1
    # 0.7 of each line, Biology's split between its two tutors: once, despite the replay.
    assert list(EarningEntry.objects.filter(tutor=tutor).order_by("amount").values_list("amount", flat=True)) == [
        Decimal("3.50"),
        Decimal("13.99"),
    ]
    assert EarningEntry.objects.count() == 4  # Algebra, Biology x2, Chemistry (0.01 → 0.01)


def test_free_courses_in_the_cart_are_enrolled_directly(fake_stripe, client_for, student, three):
    free = CourseFactory(price=Decimal("0"), currency="EUR")
    client = client_for(student)
    add(client, free)
    add(client, three[0])

    response = client.post(CHECKOUT, {}, format="json")

    assert response.status_code == 200
    assert active(student, free) and not active(student, three[0])
    assert list(CartItem.objects.filter(user=student).values_list("course", flat=True)) == [three[0].pk]
    assert list(Payment.objects.get().order.items.values_list("course", flat=True)) == [three[0].pk]


def test_only_free_courses_enrol_without_stripe(client_for, student):
    free = CourseFactory(price=Decimal("0"))
    client = client_for(student)
    add(client, free)
    response = client.post(CHECKOUT, {}, format="json")
    assert response.status_code == 200
    assert response.json() == {"enrolled": True, "checkout_session_id": None, "checkout_url": None}
    assert active(student, free)


@pytest.fixture
def paid_cart(cart_checkout, fake_stripe, deliver):
    payment, _ = cart_checkout
    deliver(event("checkout.session.completed", fake_stripe.pay(payment.checkout_session_id, payment_intent="pi_c")))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    return payment


def test_full_refund_revokes_every_course_and_debits_every_credit(paid_cart, deliver, student, three):
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_c", "amount": 3000, "amount_refunded": 3000}
    deliver(event("charge.refunded", {**charge, "refunded": True}))

    paid_cart.refresh_from_db()
    assert paid_cart.status == PaymentStatus.REFUNDED
    assert not any(active(student, c) for c in three)
    assert sum(EarningEntry.objects.values_list("amount", flat=True)) == 0
    assert EarningEntry.objects.filter(kind="refund").count() == 4


def test_partial_refund_revokes_the_courses_the_admin_chose(
    paid_cart, fake_stripe, client_for, admin_user, deliver, student, three
):
    response = client_for(admin_user).post(
        f"{PAYMENTS}{paid_cart.pk}/refund/", {"course_ids": [str(three[1].pk)]}, format="json"
    )

    assert response.status_code == 202, response.content
    sent = fake_stripe.requests[-1]
    refund = Refund.objects.get()
    assert (sent["path"], sent["form"]["amount"], sent["form"]["payment_intent"]) == ("/v1/refunds", "1000", "pi_c")
    assert sent["headers"]["Idempotency-Key"] == f"refund-{refund.pk}"
    assert active(student, three[1])  # until Stripe confirms

    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_c", "amount": 3000, "amount_refunded": 1000}
    payload = event("charge.refunded", {**charge, "refunded": False})
    deliver(payload)
    deliver(event("charge.refunded", {**charge, "refunded": False}))  # another event, same running total

    paid_cart.refresh_from_db()
    assert paid_cart.status == PaymentStatus.COMPLETED
    assert [active(student, c) for c in three] == [True, False, True]
    biology = EarningEntry.objects.filter(course=three[1])
    assert sum(biology.values_list("amount", flat=True)) == 0 and biology.count() == 4
    assert sum(EarningEntry.objects.values_list("amount", flat=True)) == Decimal("13.99") + Decimal("0.01")

    # The same course again: 409; a course not in the order: 400.
    again = client_for(admin_user).post(
        f"{PAYMENTS}{paid_cart.pk}/refund/", {"course_ids": [str(three[1].pk)]}, format="json"
    )
    assert again.status_code == 409
    other = client_for(admin_user).post(
        f"{PAYMENTS}{paid_cart.pk}/refund/", {"course_ids": [str(CourseFactory().pk)]}, format="json"
    )
    assert other.status_code == 400 and "course_ids" in other.json()

    # Then the rest in full: everything revoked, every credit debited once.
    deliver(event("charge.refunded", {**charge, "amount_refunded": 3000, "refunded": True}))
    assert not any(active(student, c) for c in three)
    assert sum(EarningEntry.objects.values_list("amount", flat=True)) == 0


def test_partial_refund_of_a_stripe_failure_leaves_nothing_behind(
    paid_cart, fake_stripe, client_for, admin_user, three
):
    fake_stripe.fail_with = (500, {"error": {"type": "api_error", "message": "boom"}})
    response = client_for(admin_user).post(
        f"{PAYMENTS}{paid_cart.pk}/refund/", {"course_ids": [str(three[0].pk)]}, format="json"
    )
    assert response.status_code == 502
    assert not Refund.objects.exists()


def test_orders_keep_what_was_bought(paid_cart):
    assert Order.objects.get().discount == 0


@pytest.mark.parametrize("role", [4, 3, 2, 1])  # user, student, tutor, admin: everyone has a cart of their own
def test_every_signed_in_role_has_its_own_cart(client_for, make_user, role):
    owner, other = make_user(role), make_user(role)
    course = CourseFactory()
    client = client_for(owner)
    assert add(client, course).status_code == 201
    assert [i["course"]["id"] for i in client.get(CART).json()["items"]] == [str(course.pk)]
    assert client_for(other).get(CART).json()["items"] == []
    assert client_for(other).delete(f"{ITEMS}{course.pk}/").status_code == 404  # not theirs to remove
    assert CartItem.objects.filter(user=owner).exists()
