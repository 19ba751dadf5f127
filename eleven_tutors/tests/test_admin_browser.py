"""The Django admin in a real browser (issue 14): Playwright driving Debian's Chromium, headless,
against a live server: log in, create a course with inline parts, give a part inline lessons,
publish it and see it through the public API, refund a payment (against the fake Stripe) and
see the enrolment revoked, and search every changelist.

The browser is the system's (`/usr/bin/chromium`, `apt-get install chromium`; `.ci/run` installs
it when missing); Playwright never downloads one. Without it the test fails and says so.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, CoursePart, Enrollment, EnrollmentSource
from courses.tests.factories import CourseFactory, EnrollmentFactory
from payments.models import Order, OrderItem, Payment, PaymentStatus
from payments.tests.conftest import event, fake_stripe, sign  # noqa: F401  (fake_stripe: a pytest fixture)
from users.models import Role
from users.tests.factories import PASSWORD, UserFactory

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
TIMEOUT_MS = 20_000

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(monkeypatch, live_server):
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` (or set CHROMIUM_PATH). "
            "Playwright must not download a browser."
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page, live_server.url
        finally:
            browser.close()


def _select_autocomplete(page, field: str, text: str) -> None:
    """Pick ``text`` in an admin autocomplete (select2) field."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:not(.loading-results):has-text('{text}')")


def _inline_row(page, selector: str) -> None:
    """Make sure the inline row holding ``selector`` is there ("Add another" when it is not)."""
    if page.query_selector(selector) is None:
        page.click(".inline-group .add-row a")
        page.wait_for_selector(selector)


def _run_action(page, base: str, changelist: str, row_text: str, action: str) -> str:
    """Tick the row showing ``row_text`` on a changelist, run ``action``, return the messages."""
    page.goto(f"{base}{changelist}")
    page.check(f"#result_list tr:has-text('{row_text}') input.action-select")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")
    return page.inner_text("ul.messagelist")


def test_the_admin_in_a_real_browser(browser_page, fake_stripe):  # noqa: F811
    page, base = browser_page
    staff = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, password=PASSWORD)
    tutor = UserFactory(role=Role.TUTOR, email="browser-tutor@example.com")
    buyer = UserFactory(role=Role.STUDENT, email="browser-buyer@example.com")
    bought = CourseFactory(title="Bought in the browser test", price=Decimal("19.99"))
    order = Order.objects.create(user=buyer, total=bought.price, currency="USD")
    OrderItem.objects.create(order=order, course=bought, price=bought.price)
    payment = Payment.objects.create(
        user=buyer,
        order=order,
        amount=bought.price,
        currency="USD",
        status=PaymentStatus.COMPLETED,
        completed_at=timezone.now(),
        stripe_payment_intent="pi_browser_1",
    )
    enrollment = EnrollmentFactory(student=buyer, course=bought, source=EnrollmentSource.PAYMENT)

    # Log in.
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", staff.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    assert "11Tutors administration" in page.inner_text("#site-name")

    # A course with two inline parts, as a draft.
    page.goto(f"{base}{reverse('admin:courses_course_add')}")
    page.fill("#id_title", "Browser made course")
    page.fill("#id_description", "Made in Chromium.")
    page.fill("#id_price", "12.00")
    _select_autocomplete(page, "tutors", tutor.email)
    for n, title in enumerate(["Foundations", "Practice"]):
        _inline_row(page, f"#id_parts-{n}-title")
        page.fill(f"#id_parts-{n}-title", title)
        page.fill(f"#id_parts-{n}-order", str(n))
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    course = Course.objects.get(title="Browser made course")
    assert not course.is_published and list(course.tutors.all()) == [tutor]
    assert sorted(course.parts.values_list("title", flat=True)) == ["Foundations", "Practice"]
    assert requests.get(f"{base}/api/courses/courses/{course.slug}/", timeout=10).status_code == 404  # a draft

    # Inline lessons on the first part.
    part = CoursePart.objects.get(course=course, title="Foundations")
    page.goto(f"{base}{reverse('admin:courses_coursepart_change', args=[part.pk])}")
    for n, title in enumerate(["Welcome", "First steps"]):
        _inline_row(page, f"#id_lessons-{n}-title")
        page.fill(f"#id_lessons-{n}-title", title)
        page.fill(f"#id_lessons-{n}-order", str(n))
        page.fill(f"#id_lessons-{n}-duration", "00:05:00")
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    assert sorted(part.lessons.values_list("title", flat=True)) == ["First steps", "Welcome"]

    # Publish with the changelist action; the public API shows it.
    messages = _run_action(page, base, reverse("admin:courses_course_changelist"), "Browser made course", "publish")
    assert "1 course(s) published" in messages
    public = requests.get(f"{base}/api/courses/courses/{course.slug}/", timeout=10)
    assert public.status_code == 200, public.text
    assert public.json()["title"] == "Browser made course"

    # Refund: the admin asks (the fake) Stripe; Stripe's charge.refunded webhook revokes the enrolment.
    messages = _run_action(page, base, reverse("admin:payments_payment_changelist"), str(payment.pk), "refund")
    assert "refund requested" in messages
    assert [r["payment_intent"] for r in fake_stripe.refunds] == ["pi_browser_1"]
    charge = {
        "id": "ch_browser_1",
        "object": "charge",
        "payment_intent": "pi_browser_1",
        "amount": 1999,
        "amount_refunded": 1999,
        "refunded": True,
        "metadata": {"payment_id": str(payment.pk)},
    }
    payload = event("charge.refunded", charge)
    webhook = requests.post(
        f"{base}/api/payments/stripe/webhook/",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
        timeout=10,
    )
    assert webhook.status_code == 200 and webhook.json()["outcome"] == f"payment {payment.pk} refunded", webhook.text
    page.goto(f"{base}{reverse('admin:courses_enrollment_change', args=[enrollment.pk])}")
    assert not page.is_checked("#id_is_active"), "the refunded enrolment must show as inactive"
    assert not Enrollment.objects.get(pk=enrollment.pk).is_active
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REFUNDED

    # Every changelist, searched (or just listed, where the admin has no search).
    failures = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        query = "?q=browser" if model_admin.search_fields else ""
        response = page.goto(f"{base}{url}{query}")
        if response.status != 200 or not page.query_selector("#changelist"):
            failures.append(f"{url}{query}: {response.status}")
        elif query and page.input_value("#searchbar") != "browser":
            failures.append(f"{url}{query}: the search box does not hold the query")
    assert not failures, failures
    # A search finds what it should.
    page.goto(f"{base}{reverse('admin:courses_course_changelist')}?q=browser+made")
    assert [row.inner_text().split("\t")[1] for row in page.query_selector_all("#result_list tbody tr")] == [
        "Browser made course"
    ]
