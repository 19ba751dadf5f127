"""Commerce speaks the buyer's language: coupon refusals, cart and checkout errors."""

# Texts in Russian and Uzbek on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.tests.factories import CourseFactory
from payments.models import Coupon, CouponScope, Payment
from users.models import Role

pytestmark = pytest.mark.django_db

QUOTE = "/api/payments/quote/"
ITEMS = "/api/payments/cart/items/"
CHECKOUT = "/api/payments/cart/checkout/"


@pytest.fixture
def course(make_user):
    return CourseFactory(tutors=[make_user(Role.TUTOR)], price=Decimal("30.00"), currency="USD")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"valid_until": timezone.now() - timedelta(seconds=1)}, "Bu kuponning amal qilish muddati tugagan."),
        ({"active": False}, "Bunday kupon yoʻq yoki u endi faol emas."),
        (
            {"amount_off": Decimal("5"), "currency": "EUR", "percent_off": None},
            "Bu kupon EUR valyutasida, buyurtma esa USD valyutasida.",
        ),
    ],
)
def test_a_coupon_refusal_is_an_uzbek_400_for_an_uzbek_buyer(client_for, make_user, course, fields, reason):
    fields = {"percent_off": Decimal("10"), "scope": CouponScope.SITE, **fields}
    Coupon.objects.create(code="BAHOR", **fields)
    buyer = make_user(Role.STUDENT, language="uz")
    response = client_for(buyer).post(QUOTE, {"course_ids": [str(course.pk)], "coupon": "BAHOR"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"coupon": [reason]}
    assert response["Content-Language"] == "uz"


def test_the_accept_language_header_chooses_when_the_buyer_did_not(client_for, make_user, course):
    buyer = make_user(Role.STUDENT, language="")
    response = client_for(buyer).post(
        QUOTE, {"course_ids": [str(course.pk)], "coupon": "NOPE"}, format="json", HTTP_ACCEPT_LANGUAGE="uz"
    )
    assert response.json() == {"coupon": ["Bunday kupon yoʻq yoki u endi faol emas."]}


def test_cart_and_checkout_errors_in_russian(fake_stripe, client_for, make_user, course):
    buyer = make_user(Role.STUDENT, language="ru")
    client = client_for(buyer)
    response = client.post(CHECKOUT, {}, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": "Ваша корзина пуста."})

    euros = CourseFactory(tutors=[make_user(Role.TUTOR)], price=Decimal("20.00"), currency="EUR")
    assert client.post(ITEMS, {"course_id": str(course.pk)}, format="json").status_code == 201
    assert client.post(ITEMS, {"course_id": str(euros.pk)}, format="json").status_code == 201
    response = client.post(CHECKOUT, {}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "course_ids": ["Один заказ оплачивается в одной валюте, а цены этих курсов указаны в EUR, USD."]
    }
    teacher = course.tutors.get()
    teacher.language = "ru"
    teacher.save(update_fields=["language"])
    response = client_for(teacher).post(ITEMS, {"course_id": str(course.pk)}, format="json")
    assert response.status_code == 400
    assert response.json() == {"course_id": ["Вы ведёте этот курс, поэтому его нельзя добавить в корзину."]}
    draft = CourseFactory(tutors=[teacher], is_published=False)
    response = client.post(ITEMS, {"course_id": str(draft.pk)}, format="json")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Нет опубликованного курса с таким идентификатором."},
    ), "the cart's 404 speaks the language of the checkout's"
    assert not Payment.objects.exists() and fake_stripe.requests == []
