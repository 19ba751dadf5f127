"""Tutor statistics (API.md 2.7): hand-computed figures on a fixed data set, isolation between
tutors, permissions, query budgets and the analytics buckets.

The fixed data set (``world``) is dated around ``NOW`` = Tuesday 10 March 2026, 12:00 UTC, and the
selectors are called with ``now=NOW``. Rows are created, then their timestamps are set with
``queryset.update`` (``auto_now_add`` fields cannot be set on create).

Courses of the tutor ``t``: A (30, published), B (10, published), C (50, published, co-taught
with ``t2``), D (20, draft). The other tutor ``o`` teaches X (25, published).

Payments (``*`` = counts for ``t``)::

    *1  s1: A                 30 USD  completed 2026-01-15  → A 30
    *2  s2: A + B (30 + 10)   40 USD  completed 2026-02-15  → A 30, B 10 (split by price)
    *3  s3: C                 50 USD  completed 2026-03-05  → C 50 (for t and t2: co-taught)
     4  s4: A                 30 USD  completed 2026-02-20, then REFUNDED 2026-03-01 → 0
     5  s5: X                 25 USD  completed 2026-03-02  → X 25 (the other tutor's)
     6  s5: B                 10 USD  PENDING                → 0
     7  s1: C                 50 USD  FAILED                 → 0
    *8  s3: B + X (10 + 25)   28 USD  completed 2025-10-15  → B 8, X 20 (a 20 % discount, split by price)
    *9  s2: C                 50 EUR  completed 2025-09-10  → C 50 (before the 6 months shown)

So ``t`` earns A 60 + B 18 + C 100 = 178 (128 USD + 50 EUR), ``t2`` 100 and ``o`` 45.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import selectors
from courses.models import Course, Enrollment, EnrollmentSource
from courses.tests.factories import CourseFactory, LessonFactory, PartFactory
from learning.models import Certificate, LessonProgress, LessonView, Review
from payments.models import Order, OrderItem, Payment, PaymentStatus
from users.models import Role
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
QUICK_URL = "/api/auth/tutors/me/quick_statistics/"
COURSES_URL = "/api/auth/tutors/me/courses/"
ANALYTICS_URL = "/api/auth/tutors/me/analytics/"


def at(text: str) -> datetime:
    """``"2026-02-15 10:00"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def stats_url(course: Course) -> str:
    return f"/api/courses/courses/{course.slug}/statistics/"


# --- Data builders ------------------------------------------------------------------------------------


def pay(student, items, amount, *, when=None, status=PaymentStatus.COMPLETED, currency="USD", refunded=None):
    """An order of ``items`` [(course, price)] and one payment of ``amount`` for it."""
    order = Order.objects.create(user=student, total=sum((Decimal(p) for _, p in items), Decimal(0)), currency=currency)
    for course, price in items:
        OrderItem.objects.create(order=order, course=course, price=Decimal(price))
    payment = Payment.objects.create(
        user=student,
        order=order,
        amount=Decimal(amount),
        currency=currency,
        status=status,
        completed_at=when,
        refunded_at=refunded,
    )
    if when is not None:
        Payment.objects.filter(pk=payment.pk).update(created_at=when)
    return payment


def enrol(student, course, when, *, active=True, source=EnrollmentSource.PAYMENT) -> Enrollment:
    enrollment = Enrollment.objects.create(student=student, course=course, is_active=active, source=source)
    Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=when)
    return enrollment


def progress(student, lesson, when, *, completed=False) -> LessonProgress:
    row = LessonProgress.objects.create(student=student, lesson=lesson, position_seconds=60, completed=completed)
    LessonProgress.objects.filter(pk=row.pk).update(updated_at=when, completed_at=when if completed else None)
    return row


def view(lesson, when, viewer=None) -> LessonView:
    row = LessonView.objects.create(lesson=lesson, viewer=viewer)
    LessonView.objects.filter(pk=row.pk).update(viewed_at=when)
    return row


def certify(student, course, when) -> Certificate:
    row = Certificate.objects.create(student=student, course=course, student_name=student.get_full_name())
    Certificate.objects.filter(pk=row.pk).update(issued_at=when)
    return row


def review(student, course, rating: int) -> Review:
    return Review.objects.create(user=student, course=course, rating=rating, text="")


def course_with_lessons(title: str, price: str, tutors, *, published=True, lessons=2) -> SimpleNamespace:
    course = CourseFactory(title=title, price=Decimal(price), tutors=tutors, is_published=published)
    first = PartFactory(course=course, order=0, title=f"{title} part 1")
    second = PartFactory(course=course, order=1, title=f"{title} part 2")
    # Created in reverse so that the expected order comes from `order`, not from creation.
    later = [LessonFactory(part=second, order=i, title=f"{title} 2.{i}") for i in range(lessons - 1, -1, -1)]
    earlier = [LessonFactory(part=first, order=i, title=f"{title} 1.{i}") for i in range(lessons - 1, -1, -1)]
    return SimpleNamespace(course=course, lessons=earlier[::-1] + later[::-1])


@pytest.fixture
def world(db):
    t = UserFactory(role=Role.TUTOR, first_name="Tess")
    t2 = UserFactory(role=Role.TUTOR, first_name="Theo")
    o = UserFactory(role=Role.TUTOR, first_name="Olga")
    s1, s2, s3, s4, s5 = (UserFactory(role=Role.STUDENT) for _ in range(5))
    a = course_with_lessons("Alpha", "30", [t])
    b = course_with_lessons("Beta", "10", [t])
    c = course_with_lessons("Gamma", "50", [t, t2])
    d = course_with_lessons("Delta draft", "20", [t], published=False)
    x = course_with_lessons("Xeno", "25", [o])
    A, B, C, D, X = a.course, b.course, c.course, d.course, x.course

    pay(s1, [(A, "30")], "30", when=at("2026-01-15 10:00"))
    pay(s2, [(A, "30"), (B, "10")], "40", when=at("2026-02-15 10:00"))
    pay(s3, [(C, "50")], "50", when=at("2026-03-05 10:00"))
    pay(
        s4,
        [(A, "30")],
        "30",
        when=at("2026-02-20 10:00"),
        status=PaymentStatus.REFUNDED,
        refunded=at("2026-03-01 10:00"),
    )
    pay(s5, [(X, "25")], "25", when=at("2026-03-02 10:00"))
    pay(s5, [(B, "10")], "10", status=PaymentStatus.PENDING)
    pay(s1, [(C, "50")], "50", status=PaymentStatus.FAILED)
    pay(s3, [(B, "10"), (X, "25")], "28", when=at("2025-10-15 10:00"))
    pay(s2, [(C, "50")], "50", when=at("2025-09-10 10:00"), currency="EUR")

    enrol(s1, A, at("2026-01-15 10:00"))
    enrol(s2, A, at("2026-02-15 10:00"))
    enrol(s2, B, at("2026-02-15 10:00"))
    enrol(s3, C, at("2026-03-05 10:00"))  # recent (last 7 days)
    enrol(s4, A, at("2026-02-20 10:00"), active=False)  # refunded: revoked
    enrol(s5, X, at("2026-03-02 10:00"))
    enrol(s3, B, at("2025-10-15 10:00"))
    enrol(s2, C, at("2025-09-10 10:00"))
    enrol(s1, C, at("2026-03-09 10:00"), source=EnrollmentSource.TUTOR)  # recent, granted by the tutor

    progress(s1, a.lessons[0], at("2026-03-01 10:00"), completed=True)  # active on A
    progress(s1, a.lessons[1], at("2026-03-01 11:00"), completed=True)
    progress(s2, a.lessons[0], at("2026-01-01 10:00"))  # too old to make s2 active
    progress(s4, a.lessons[0], at("2026-03-01 10:00"), completed=True)  # revoked enrolment: not active
    progress(s3, c.lessons[2], at("2026-03-08 10:00"), completed=True)  # active on C
    progress(s2, x.lessons[0], at("2026-03-08 10:00"))  # recent, but on the other tutor's course

    review(s1, A, 5)
    review(s2, A, 4)
    review(s3, C, 2)
    review(s5, X, 1)

    certify(s4, A, at("2026-02-25 10:00"))
    certify(s1, A, at("2026-03-01 10:00"))
    certify(s3, C, at("2026-03-06 10:00"))
    certify(s5, X, at("2026-03-03 10:00"))

    view(a.lessons[0], at("2026-01-31 23:59"), s1)
    view(a.lessons[0], at("2026-02-02 10:00"), s2)
    view(a.lessons[1], at("2026-02-08 23:59"), s2)
    view(a.lessons[1], at("2026-02-09 00:00"), s1)
    view(c.lessons[3], at("2026-03-10 11:00"), s3)
    view(x.lessons[0], at("2026-02-10 10:00"), s5)

    return SimpleNamespace(
        t=t, t2=t2, o=o, students=[s1, s2, s3, s4, s5], A=A, B=B, C=C, D=D, X=X, a=a, b=b, c=c, d=d, x=x
    )


def months(*figures) -> list[dict]:
    """Expected ``monthly_earnings`` from Oct 2025 to Mar 2026 as (earnings, students) pairs."""
    labels = [("Oct", 2025), ("Nov", 2025), ("Dec", 2025), ("Jan", 2026), ("Feb", 2026), ("Mar", 2026)]
    return [
        {"month": m, "year": y, "earnings": Decimal(e), "students": n}
        for (m, y), (e, n) in zip(labels, figures, strict=True)
    ]


def performance(course, students, rating, earnings) -> dict:
    return {
        "id": course.pk,
        "title": course.title,
        "slug": course.slug,
        "students": students,
        "rating": rating,
        "earnings": Decimal(earnings),
    }


# --- quick_statistics: the figures ----------------------------------------------------------------------


def test_quick_statistics_of_the_tutor_are_the_hand_computed_figures(world):
    w = world

    figures = selectors.tutor_quick_statistics(user=w.t, now=NOW)

    expected = {
        "total_earnings": Decimal("178.00"),  # A 60 + B 18 + C 100; the refund, pending, failed give 0
        "earnings_by_currency": [
            {"currency": "EUR", "earnings": Decimal("50.00")},
            {"currency": "USD", "earnings": Decimal("128.00")},
        ],
        "active_students": 2,  # s1 (A) and s3 (C); s2's progress is old or elsewhere, s4 is revoked
        "total_students": 3,  # s1, s2, s3 (s4's enrolment was revoked by the refund)
        "published_courses": 3,
        "draft_courses": 1,
        "average_rating": 3.67,  # (5 + 4 + 2) / 3
        "total_reviews": 3,
        "recent_enrollments": 2,  # s3 → C on 5 March, s1 → C on 9 March
        "monthly_earnings": months(("8", 1), ("0", 0), ("0", 0), ("30", 1), ("40", 2), ("50", 2)),
        "course_performance": [
            performance(w.C, 3, 2.0, "100"),
            performance(w.A, 2, 4.5, "60"),
            performance(w.B, 2, 0.0, "18"),
            performance(w.D, 0, 0.0, "0"),
        ],
    }
    for key, value in expected.items():
        assert figures[key] == value, f"{key}: expected {value!r}, got {figures[key]!r}"
    assert set(figures) == set(expected)


def test_a_co_taught_course_counts_fully_for_each_tutor(world):
    w = world

    figures = selectors.tutor_quick_statistics(user=w.t2, now=NOW)

    assert figures["total_earnings"] == Decimal("100.00"), "t2 gets the whole of Gamma, not half"
    assert figures["course_performance"] == [performance(w.C, 3, 2.0, "100")]
    assert (figures["total_students"], figures["active_students"], figures["recent_enrollments"]) == (3, 1, 2)
    assert (figures["average_rating"], figures["total_reviews"]) == (2.0, 1)
    assert (figures["published_courses"], figures["draft_courses"]) == (1, 0)
    assert figures["monthly_earnings"] == months(("0", 0), ("0", 0), ("0", 0), ("0", 0), ("0", 0), ("50", 2))


def test_another_tutor_sees_only_their_own_course(world):
    w = world

    figures = selectors.tutor_quick_statistics(user=w.o, now=NOW)

    assert figures["total_earnings"] == Decimal("45.00"), "X: 25 alone + 20 of the B + X order paid 28"
    assert figures["course_performance"] == [performance(w.X, 1, 1.0, "45")]
    assert (figures["total_students"], figures["active_students"], figures["recent_enrollments"]) == (1, 0, 0)
    assert (figures["average_rating"], figures["total_reviews"]) == (1.0, 1)
    assert figures["monthly_earnings"] == months(("20", 0), ("0", 0), ("0", 0), ("0", 0), ("0", 0), ("25", 1))


def test_a_tutor_with_nothing_gets_zeros_never_null(client_for, tutor):
    body = client_for(tutor).get(QUICK_URL).json()

    assert body["total_earnings"] == 0 and body["earnings_by_currency"] == []
    for key in (
        "active_students",
        "total_students",
        "published_courses",
        "draft_courses",
        "average_rating",
        "total_reviews",
        "recent_enrollments",
    ):
        assert body[key] == 0, f"{key}: expected 0, got {body[key]!r}"
    assert body["course_performance"] == []
    assert len(body["monthly_earnings"]) == 6
    assert all(m["earnings"] == 0 and m["students"] == 0 for m in body["monthly_earnings"])
    now = timezone.localtime()
    assert (body["monthly_earnings"][-1]["month"], body["monthly_earnings"][-1]["year"]) == (
        now.strftime("%b"),
        now.year,
    ), "the current month comes last"


def test_monthly_earnings_cross_a_year_boundary_oldest_first(world):
    figures = selectors.tutor_quick_statistics(user=world.t, now=at("2026-02-01 00:00"))

    labels = [(m["month"], m["year"]) for m in figures["monthly_earnings"]]
    assert labels == [("Sep", 2025), ("Oct", 2025), ("Nov", 2025), ("Dec", 2025), ("Jan", 2026), ("Feb", 2026)]
    # The whole current month counts (the payment of 15 February included); March is not shown.
    assert [m["earnings"] for m in figures["monthly_earnings"]] == [Decimal(v) for v in ("50", "8", 0, 0, "30", "40")]


def test_refund_in_the_api_removes_the_payment_from_every_figure(world, client_for):
    w = world
    before = client_for(w.t).get(QUICK_URL).json()
    payment = Payment.objects.get(order__items__course=w.C, status=PaymentStatus.COMPLETED, currency="USD")
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.REFUNDED, refunded_at=timezone.now())

    after = client_for(w.t).get(QUICK_URL).json()

    assert (before["total_earnings"], after["total_earnings"]) == (178.0, 128.0)
    gamma = [c for c in after["course_performance"] if c["slug"] == w.C.slug]
    assert gamma[0]["earnings"] == 50.0, "only the EUR payment of September is left for Gamma"


def test_current_month_earnings_through_the_api(client_for, tutor, student):
    course = CourseFactory(price=Decimal("19.99"), tutors=[tutor])
    pay(student, [(course, "19.99")], "19.99", when=timezone.now())
    enrol(student, course, timezone.now())

    body = client_for(tutor).get(QUICK_URL).json()

    current = body["monthly_earnings"][-1]
    assert (current["earnings"], current["students"]) == (19.99, 1), f"got {current}"
    assert body["total_earnings"] == 19.99 and body["recent_enrollments"] == 1
    assert body["course_performance"][0]["earnings"] == 19.99


def test_a_zero_price_order_splits_its_payment_equally(tutor, student):
    first = CourseFactory(price=0, tutors=[tutor])
    second = CourseFactory(price=0, tutors=[tutor])
    pay(student, [(first, "0"), (second, "0")], "3", when=NOW - timedelta(days=1))

    figures = selectors.tutor_quick_statistics(user=tutor, now=NOW)

    assert figures["total_earnings"] == Decimal("3.00")
    assert [c["earnings"] for c in figures["course_performance"]] == [Decimal("1.50"), Decimal("1.50")]


def test_a_three_way_split_rounds_to_cents(tutor, student):
    courses = [CourseFactory(price=Decimal("10"), tutors=[tutor]) for _ in range(3)]
    pay(student, [(c, "10") for c in courses], "10", when=NOW - timedelta(days=1))

    figures = selectors.tutor_quick_statistics(user=tutor, now=NOW)

    assert figures["total_earnings"] == Decimal("10.00"), "the total is rounded once, not per course"
    assert [c["earnings"] for c in figures["course_performance"]] == [Decimal("3.33")] * 3


def test_course_performance_keeps_the_top_six_by_earnings(tutor, student):
    courses = [CourseFactory(title=f"Course {i}", price=Decimal(i + 1), tutors=[tutor]) for i in range(8)]
    for course in courses:
        pay(student, [(course, str(course.price))], str(course.price), when=NOW - timedelta(days=1))

    figures = selectors.tutor_quick_statistics(user=tutor, now=NOW)

    assert [c["title"] for c in figures["course_performance"]] == [f"Course {i}" for i in range(7, 1, -1)]


def test_course_performance_ties_at_zero_go_by_title_whether_or_not_the_course_sold(tutor, student):
    """Earnings first; courses that earned nothing - sold only for 0, or never sold - by title."""
    earner = CourseFactory(title="Zeta", price=Decimal("5"), tutors=[tutor])
    free_sale = CourseFactory(title="Beta", price=Decimal("0"), tutors=[tutor])
    unsold = [CourseFactory(title=title, tutors=[tutor]) for title in ("Alpha", "Gamma")]
    pay(student, [(earner, "5")], "5", when=NOW - timedelta(days=1))
    pay(student, [(free_sale, "0")], "0", when=NOW - timedelta(days=1))

    figures = selectors.tutor_quick_statistics(user=tutor, now=NOW)

    titles = [c["title"] for c in figures["course_performance"]]
    assert titles == ["Zeta", "Alpha", "Beta", "Gamma"], titles
    assert [c["earnings"] for c in figures["course_performance"]] == [Decimal("5"), 0, 0, 0]
    assert unsold[0].title == "Alpha"


# --- quick_statistics through the API -------------------------------------------------------------------


def test_quick_statistics_response_is_json_numbers(world, client_for):
    body = client_for(world.t).get(QUICK_URL).json()

    assert body["total_earnings"] == 178.0 and isinstance(body["total_earnings"], float)
    assert body["earnings_by_currency"] == [
        {"currency": "EUR", "earnings": 50.0},
        {"currency": "USD", "earnings": 128.0},
    ]
    assert body["average_rating"] == 3.67 and body["total_students"] == 3
    assert [c["slug"] for c in body["course_performance"]] == [world.C.slug, world.A.slug, world.B.slug, world.D.slug]
    assert body["course_performance"][0] == {
        "id": str(world.C.pk),
        "title": "Gamma",
        "slug": world.C.slug,
        "students": 3,
        "rating": 2.0,
        "earnings": 100.0,
    }
    assert len(body["monthly_earnings"]) == 6
    assert set(body["monthly_earnings"][0]) == {"month", "year", "earnings", "students"}


# --- tutors/me/courses/ ------------------------------------------------------------------------------------


def test_tutor_course_list_has_every_own_course_with_its_figures(world, client_for):
    w = world

    body = client_for(w.t).get(COURSES_URL).json()

    assert body["count"] == 4, "A, B, C and the draft D; never the other tutor's X"
    rows = {row["slug"]: row for row in body["results"]}
    assert set(rows) == {w.A.slug, w.B.slug, w.C.slug, w.D.slug}
    expected = {
        #        students lessons rating reviews earnings completion
        w.A.slug: (2, 4, 4.5, 2, 60.0, 50.0),  # s1 certified of s1, s2 (s4's revoked enrolment: out)
        w.B.slug: (2, 4, 0.0, 0, 18.0, 0.0),
        w.C.slug: (3, 4, 2.0, 1, 100.0, 33.33),  # s3 of s1, s2, s3
        w.D.slug: (0, 4, 0.0, 0, 0.0, 0.0),
    }
    for slug, figures in expected.items():
        row = rows[slug]
        got = tuple(
            row[k]
            for k in ("students_count", "lessons_count", "rating", "reviews_count", "earnings", "completion_rate")
        )
        assert got == figures, f"{slug}: expected {figures}, got {got}"
    assert rows[w.D.slug]["is_published"] is False
    catalog_keys = set(client_for(w.t).get("/api/courses/courses/").json()["results"][0])
    assert catalog_keys | {"earnings", "completion_rate"} == set(rows[w.A.slug]), "a catalog list item plus figures"


def test_tutor_course_list_is_paginated(world, client_for):
    body = client_for(world.t).get(COURSES_URL, {"page_size": 3}).json()

    assert body["count"] == 4 and len(body["results"]) == 3
    assert body["next"].startswith("http://testserver/api/auth/tutors/me/courses/?")


def test_tutor_course_list_of_the_co_tutor_and_the_other_tutor(world, client_for):
    co = client_for(world.t2).get(COURSES_URL).json()
    other = client_for(world.o).get(COURSES_URL).json()

    assert [(r["slug"], r["earnings"]) for r in co["results"]] == [(world.C.slug, 100.0)]
    assert [(r["slug"], r["earnings"], r["completion_rate"]) for r in other["results"]] == [(world.X.slug, 45.0, 100.0)]


# --- analytics ---------------------------------------------------------------------------------------------


def bucket(start, end, enrollments=0, earnings="0", views=0, completions=0) -> dict:
    return {
        "start": date.fromisoformat(start),
        "end": date.fromisoformat(end),
        "enrollments": enrollments,
        "earnings": Decimal(earnings),
        "views": views,
        "completions": completions,
    }


def test_weekly_analytics_buckets_start_on_monday_and_are_clipped_to_the_range(world):
    w = world

    figures = selectors.tutor_analytics(
        user=w.t, date_from=date(2026, 2, 1), date_to=date(2026, 3, 10), interval="week"
    )

    assert figures["series"] == [
        bucket("2026-02-01", "2026-02-01"),  # a Sunday: the week of Monday 26 January, clipped
        bucket("2026-02-02", "2026-02-08", views=2),  # Monday 10:00 and Sunday 23:59
        bucket("2026-02-09", "2026-02-15", enrollments=2, earnings="40", views=1),  # Monday 00:00
        bucket("2026-02-16", "2026-02-22"),  # the refunded payment of 20 February counts nowhere
        bucket("2026-02-23", "2026-03-01", completions=2),
        bucket("2026-03-02", "2026-03-08", enrollments=1, earnings="50", completions=1),
        bucket("2026-03-09", "2026-03-10", enrollments=1, views=1),
    ]
    assert figures["totals"] == {"enrollments": 4, "earnings": Decimal("90.00"), "views": 4, "completions": 3}
    assert figures["courses"] == [
        {"id": w.A.pk, "title": "Alpha", "slug": w.A.slug, "views": 3, "enrollments": 1, "completions": 2},
        {"id": w.B.pk, "title": "Beta", "slug": w.B.slug, "views": 0, "enrollments": 1, "completions": 0},
        {"id": w.D.pk, "title": "Delta draft", "slug": w.D.slug, "views": 0, "enrollments": 0, "completions": 0},
        {"id": w.C.pk, "title": "Gamma", "slug": w.C.slug, "views": 1, "enrollments": 2, "completions": 1},
    ]


def test_monthly_analytics(world):
    figures = selectors.tutor_analytics(
        user=world.t, date_from=date(2025, 12, 15), date_to=date(2026, 3, 10), interval="month"
    )

    assert figures["series"] == [
        bucket("2025-12-15", "2025-12-31"),
        bucket("2026-01-01", "2026-01-31", enrollments=1, earnings="30", views=1),
        bucket("2026-02-01", "2026-02-28", enrollments=2, earnings="40", views=3, completions=1),
        bucket("2026-03-01", "2026-03-10", enrollments=2, earnings="50", views=1, completions=2),
    ]


def test_daily_analytics_day_boundaries(world):
    figures = selectors.tutor_analytics(
        user=world.t, date_from=date(2026, 2, 8), date_to=date(2026, 2, 9), interval="day"
    )

    assert figures["series"] == [
        bucket("2026-02-08", "2026-02-08", views=1),  # 23:59 belongs to the 8th
        bucket("2026-02-09", "2026-02-09", views=1),  # 00:00 to the 9th
    ]


def test_analytics_days_follow_the_local_time_zone(world, settings):
    settings.TIME_ZONE = "Asia/Tashkent"  # UTC+5: 8 February 23:59 UTC is the 9th, 04:59 local
    with timezone.override("Asia/Tashkent"):
        figures = selectors.tutor_analytics(
            user=world.t, date_from=date(2026, 2, 8), date_to=date(2026, 2, 9), interval="day"
        )

    assert [row["views"] for row in figures["series"]] == [0, 2]


def test_analytics_endpoint_defaults_to_the_last_30_days_by_day(client_for, tutor, student):
    course = CourseFactory(tutors=[tutor])
    lesson = LessonFactory(part=PartFactory(course=course))
    view(lesson, timezone.now(), student)
    pay(student, [(course, "19.99")], "19.99", when=timezone.now())

    body = client_for(tutor).get(ANALYTICS_URL).json()

    today = timezone.localdate()
    assert (body["from"], body["to"], body["interval"]) == (
        str(today - timedelta(days=29)),
        str(today),
        "day",
    )
    assert len(body["series"]) == 30
    assert body["series"][-1] == {
        "start": str(today),
        "end": str(today),
        "enrollments": 0,
        "earnings": 19.99,
        "views": 1,
        "completions": 0,
    }
    assert body["totals"] == {"enrollments": 0, "earnings": 19.99, "views": 1, "completions": 0}
    assert body["courses"] == [
        {
            "id": str(course.pk),
            "title": course.title,
            "slug": course.slug,
            "views": 1,
            "enrollments": 0,
            "completions": 0,
        }
    ]


def test_analytics_endpoint_with_explicit_range(world, client_for):
    body = (
        client_for(world.t).get(ANALYTICS_URL, {"from": "2026-02-01", "to": "2026-03-10", "interval": "month"}).json()
    )

    assert [(row["start"], row["earnings"]) for row in body["series"]] == [
        ("2026-02-01", 40.0),
        ("2026-03-01", 50.0),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-10", "to": "2026-03-09"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
        ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
        ({"interval": "year"}, "interval"),
        ({"from": "2025-01-01", "to": "2026-02-05", "interval": "day"}, "interval"),  # 401 days
        ({"from": "1970-01-01", "to": "2999-12-31", "interval": "month"}, "interval"),
        ({"from": "2026-01-01" * 100}, "from"),
    ],
)
def test_analytics_refuses_bad_input_with_400(client_for, tutor, query, field):
    response = client_for(tutor).get(ANALYTICS_URL, query)

    assert response.status_code == 400, f"{query}: expected 400, got {response.status_code}"
    assert field in response.json(), f"{query}: expected an error on {field!r}, got {response.json()}"


@pytest.mark.parametrize(
    ("query", "buckets"),
    [
        ({"from": "2025-01-01", "to": "2026-02-04", "interval": "day"}, 400),
        ({"from": "2000-01-01", "to": "2030-12-31", "interval": "month"}, 372),
        ({"from": "2020-01-01", "to": "2026-12-31", "interval": "week"}, 366),
        ({"from": "2026-03-10", "to": "2026-03-10"}, 1),
    ],
)
def test_analytics_accepts_ranges_up_to_400_buckets(client_for, tutor, query, buckets):
    response = client_for(tutor).get(ANALYTICS_URL, query)

    assert response.status_code == 200, response.content
    assert len(response.json()["series"]) == buckets


def test_analytics_only_from_extends_to_today(client_for, tutor):
    start = timezone.localdate() - timedelta(days=2)

    body = client_for(tutor).get(ANALYTICS_URL, {"from": str(start)}).json()

    assert [row["start"] for row in body["series"]] == [str(start + timedelta(days=i)) for i in range(3)]


def test_analytics_of_the_other_tutor_never_includes_foreign_rows(world):
    figures = selectors.tutor_analytics(
        user=world.o, date_from=date(2026, 2, 1), date_to=date(2026, 3, 10), interval="month"
    )

    assert figures["totals"] == {"enrollments": 1, "earnings": Decimal("25.00"), "views": 1, "completions": 1}
    assert [c["slug"] for c in figures["courses"]] == [world.X.slug]


# --- courses/{slug}/statistics/ ------------------------------------------------------------------------------


def test_course_statistics_of_a_course(world):
    w = world

    figures = selectors.course_statistics(course=w.A, now=NOW)

    lessons = figures.pop("lessons")
    assert figures == {
        "id": w.A.pk,
        "title": "Alpha",
        "slug": w.A.slug,
        "students": 2,
        "rating": 4.5,
        "earnings": Decimal("60.00"),
        "reviews_count": 2,
        "completion_rate": 50.0,
        "views": 4,
        "enrollments": 2,
        "completions": 2,  # s4's and s1's certificates
        "monthly_earnings": months(("0", 0), ("0", 0), ("0", 0), ("30", 1), ("30", 1), ("0", 0)),
    }
    assert lessons == [
        {"id": lesson.pk, "slug": lesson.slug, "title": lesson.title, "views": v, "completions": n}
        for lesson, v, n in zip(w.a.lessons, (2, 2, 0, 0), (2, 1, 0, 0), strict=True)
    ], "lessons in part order then lesson order, each with its views and completions"


def test_course_statistics_endpoint(world, client_for):
    body = client_for(world.t2).get(stats_url(world.C)).json()

    assert (body["earnings"], body["students"], body["rating"], body["completion_rate"]) == (100.0, 3, 2.0, 33.33)
    assert (body["views"], body["enrollments"], body["completions"]) == (1, 3, 1)
    assert [lesson["title"] for lesson in body["lessons"]] == ["Gamma 1.0", "Gamma 1.1", "Gamma 2.0", "Gamma 2.1"]
    assert [(lesson["views"], lesson["completions"]) for lesson in body["lessons"]] == [(0, 0), (0, 0), (0, 1), (1, 0)]


def test_course_statistics_of_an_empty_draft_are_zeros(client_for, tutor):
    course = CourseFactory(tutors=[tutor], is_published=False)

    body = client_for(tutor).get(stats_url(course)).json()

    assert body["earnings"] == 0 and body["rating"] == 0 and body["completion_rate"] == 0
    assert body["lessons"] == [] and len(body["monthly_earnings"]) == 6


# --- Permissions ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [QUICK_URL, COURSES_URL, ANALYTICS_URL])
@pytest.mark.parametrize(
    ("role", "expected"), [(None, 401), ("user", 403), ("student", 403), ("tutor", 200), ("admin", 200)]
)
def test_tutor_endpoints_permission_matrix(request, client_for, url, role, expected):
    caller = request.getfixturevalue({"admin": "admin_user"}.get(role, role)) if role else None

    response = client_for(caller).get(url)

    assert response.status_code == expected, f"{role} on {url}: expected {expected}, got {response.status_code}"
    if expected == 401:
        assert "WWW-Authenticate" in response.headers


def test_an_admin_gets_the_figures_of_the_courses_they_teach(client_for, admin_user, student):
    taught = CourseFactory(tutors=[admin_user])
    CourseFactory()  # someone else's
    pay(student, [(taught, "19.99")], "19.99", when=timezone.now())

    body = client_for(admin_user).get(QUICK_URL).json()

    assert body["total_earnings"] == 19.99 and body["published_courses"] == 1
    assert client_for(admin_user).get(COURSES_URL).json()["count"] == 1


@pytest.mark.parametrize(
    ("caller", "course", "expected"),
    [
        (None, "A", 401),
        ("user", "A", 403),
        ("student", "A", 403),  # s1, enrolled in A
        ("o", "A", 403),  # another tutor, published course
        ("o", "D", 404),  # another tutor's draft: they may not know it exists
        ("user", "D", 404),
        ("t", "A", 200),
        ("t", "D", 200),
        ("t2", "C", 200),  # a co-tutor
        ("t2", "A", 403),
        ("admin", "D", 200),
        ("admin", "X", 200),
    ],
)
def test_course_statistics_permission_matrix(request, world, client_for, caller, course, expected):
    users = {"t": world.t, "t2": world.t2, "o": world.o, "student": world.students[0]}
    if caller in ("user", "admin"):
        users[caller] = request.getfixturevalue({"admin": "admin_user"}.get(caller, caller))
    target = getattr(world, course)

    response = client_for(users.get(caller)).get(stats_url(target))

    assert response.status_code == expected, f"{caller} on {course}: expected {expected}, got {response.status_code}"


def test_course_statistics_of_an_unknown_course_is_404(client_for, tutor):
    assert client_for(tutor).get("/api/courses/courses/no-such-course/statistics/").status_code == 404


# --- Query budgets ------------------------------------------------------------------------------------------------


def grow(tutor, size: int) -> Course:
    """``size`` courses of ``tutor`` with students, payments (one two-course order), views,
    progress, certificates and reviews."""
    courses = []
    for i in range(size):
        course = CourseFactory(tutors=[tutor], price=Decimal("10"))
        lesson = LessonFactory(part=PartFactory(course=course))
        for _ in range(2):
            student = UserFactory(role=Role.STUDENT)
            enrol(student, course, timezone.now() - timedelta(days=i))
            pay(student, [(course, "10")], "10", when=timezone.now() - timedelta(days=i))
            view(lesson, timezone.now() - timedelta(days=i), student)
            progress(student, lesson, timezone.now(), completed=True)
            certify(student, course, timezone.now())
            review(student, course, 1 + i % 5)
        courses.append(course)
    pay(UserFactory(), [(courses[0], "10"), (courses[-1], "10")], "20", when=timezone.now())
    return courses[0]


@pytest.mark.parametrize(
    "url",
    [
        QUICK_URL,
        COURSES_URL,
        ANALYTICS_URL,
        f"{ANALYTICS_URL}?interval=week",
        f"{ANALYTICS_URL}?interval=month&from=2025-01-01",
        "course",
    ],
)
def test_query_count_does_not_grow_with_the_data(client_for, tutor, url):
    client = client_for(tutor)
    course = grow(tutor, 2)

    def get():
        target = stats_url(course) if url == "course" else url
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target)
        assert response.status_code == 200, response.content
        return len(queries), response.json()

    few, small = get()
    grow(tutor, 9)
    LessonFactory.create_batch(5, part=PartFactory(course=course))
    many, large = get()

    assert small != large, "the second data set must change the figures"
    assert many == few, f"{url}: expected the same number of queries for 2 and 11 courses, got {few} vs {many}"
    assert few <= 12, f"{url}: expected a small fixed number of queries, got {few}"


def test_selectors_run_their_documented_number_of_queries(world, django_assert_num_queries):
    with django_assert_num_queries(9):
        selectors.tutor_quick_statistics(user=world.t, now=NOW)
    with django_assert_num_queries(5):
        selectors.tutor_analytics(user=world.t, date_from=date(2026, 1, 1), date_to=date(2026, 3, 10))
    with django_assert_num_queries(4):
        selectors.course_statistics(course=world.A, now=NOW)


def test_the_analytics_selector_refuses_an_unbounded_range(tutor):
    with pytest.raises(ValueError, match="at most 400"):
        selectors.tutor_analytics(user=tutor, date_from=date(2000, 1, 1), date_to=date(2026, 1, 1))
    with pytest.raises(ValueError, match="interval"):
        selectors.tutor_analytics(user=tutor, date_from=date(2026, 1, 1), date_to=date(2026, 1, 2), interval="year")
