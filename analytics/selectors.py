"""Tutor statistics (API.md section 2.7): reads that aggregate in the database.

Every selector here runs a fixed, small number of queries whatever the data size: figures
are aggregates, conditional aggregates and correlated subqueries; Python only fills the
fixed-size calendar buckets (months, weeks, days) from the grouped rows.

Definitions
-----------
- **Courses in scope**: the courses where the user is one of the tutors (``Course.tutors``),
  drafts included. This holds for admins too: their tutor figures are those of the courses
  they teach (an admin opens any single course's statistics, though).
- **Co-taught courses count fully for each tutor**: a course with several tutors gives each
  of them its whole earnings, students, reviews and completions (no split between tutors),
  so the tutors' totals may add up to more than the platform's.
- **Earnings** come from COMPLETED payments only, dated by ``completed_at`` (``created_at``
  when missing). A REFUNDED payment was completed and then refunded in full: it contributes
  0, to the totals and to the month (or day, week) it was completed in. PENDING and FAILED
  payments never count.
- **Multi-course orders**: a payment is split across the order's courses in proportion to
  ``OrderItem.amount`` (what was paid for each course: its price less a coupon's part of it;
  the price for orders made before coupons): an order of 30 + 10 paid 40 gives 30 and 10.
  When every amount of the order is 0, the payment is split equally. A course refunded on its
  own (a partial refund, ``OrderItem.refunded_at``) no longer counts.
- **One definition with the ledger** (``payments/ledger.py``): these figures are the courses'
  *revenue*; a tutor's ledger credits for a course line are ``TUTOR_REVENUE_SHARE`` of that
  same line's amount, split equally among the course's tutors, and a refund debits them.
- **Currencies**: amounts are summed as they are, each in its own unit (no conversion), so a
  mixed-currency total is a plain sum; ``earnings_by_currency`` gives the breakdown.
- **Students** are active enrolments (``is_active``): an enrolment revoked by a refund or an
  admin no longer counts, in totals and in time series. ``total_students`` is the number of
  distinct students of the tutor's courses; a course's ``students`` its active enrolments.
- **Active students**: distinct students with an active enrolment in one of the courses and
  lesson progress recorded (``LessonProgress.updated_at``) on that course in the last 30 days.
- **Ratings** are computed from the reviews (each review weighs 1): ``average_rating`` over
  every review of the tutor's courses, a course's ``rating`` over its reviews; 0 without
  reviews; 2 decimal places.
- **Completions** are certificates (issued when a student completes 100 % of a course).
  ``completion_rate`` is the percentage of a course's active students holding its
  certificate (0 without students), 2 decimal places.
- **Views** are ``LessonView`` rows: one per player secret issued to someone who may watch.
- Calendar periods (months, weeks starting on Monday, days) are those of the current time
  zone (``settings.TIME_ZONE``); the current month is included.
- Money is a ``Decimal`` with 2 places; the API serialises it as a JSON number. No figure is
  ever ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from courses.models import Course, Enrollment, Lesson
from courses.selectors import course_list, taught_course_ids
from learning.models import Certificate, LessonProgress, LessonView, Review
from payments.models import OrderItem, PaymentStatus

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_SHOWN = 6  # monthly_earnings: the last 6 calendar months, the current one included
TOP_COURSES = 6  # course_performance: the top 6 courses by earnings
ACTIVE_DAYS = 30  # active_students: progress in the last 30 days
RECENT_DAYS = 7  # recent_enrollments: the last 7 days
ANALYTICS_DEFAULT_DAYS = 30  # analytics without dates: the last 30 days, today included
MAX_BUCKETS = 400  # analytics refuses ranges that would give more buckets than this
INTERVALS = ("day", "week", "month")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# --- Small helpers ----------------------------------------------------------------------------


def money(value: Any) -> Decimal:
    """A database sum (Decimal, float or None) as a Decimal with 2 places."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def rounded(value: Any) -> float:
    """A ratio (float, Decimal or None) as a float with 2 places."""
    return float(Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP))


def _split_field() -> DecimalField | FloatField:
    """The type payment shares are computed in.

    PostgreSQL divides numerics exactly. SQLite stores decimals with NUMERIC affinity (``30.00``
    becomes the integer 30) and divides integers as integers, so the split is computed in
    floating point there (and rounded to cents at the end)."""
    if connection.vendor == "sqlite":
        return FloatField()
    return DecimalField(max_digits=30, decimal_places=10)


def _zero_money(field) -> Value:
    return Value(0.0, output_field=field) if isinstance(field, FloatField) else Value(ZERO, output_field=field)


def _count(queryset: QuerySet, group: str) -> Subquery:
    """``COUNT(*)`` of a correlated queryset, as an integer subquery (wrap it in Coalesce)."""
    return Subquery(queryset.order_by().values(group).annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def _counted(queryset: QuerySet, group: str) -> Coalesce:
    return Coalesce(_count(queryset, group), Value(0))


def _local_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _bucket_key(value: datetime | date) -> date:
    """A truncated period from the database as the local date it starts on."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


# --- Building blocks ----------------------------------------------------------------------------


def earning_lines(*, course_ids: Any = None) -> QuerySet[OrderItem]:
    """One row per (course bought, COMPLETED payment of its order), annotated with ``share``
    (the part of the payment that goes to the course, in proportion to ``OrderItem.amount``),
    ``paid_at`` and ``paid_currency``. Refunded, pending and failed payments give no row.

    ``course_ids``: a queryset of course ids, or None for every course."""
    field = _split_field()
    siblings = OrderItem.objects.filter(order=OuterRef("order_id")).order_by().values("order_id")
    lines = OrderItem.objects.filter(order__payments__status=PaymentStatus.COMPLETED, refunded_at__isnull=True)
    if course_ids is not None:
        lines = lines.filter(course__in=course_ids)
    # F("order__payments__…") reuses the join of the filter above: the completed payment's own row.
    amount = Cast(F("order__payments__amount"), field)
    return lines.annotate(
        items_total=Cast(Subquery(siblings.annotate(t=Sum("amount")).values("t")), field),
        items_count=Cast(_count(OrderItem.objects.filter(order=OuterRef("order_id")), "order_id"), field),
        # By price; equally when every price of the order is 0 (NULLIF turns that division into NULL).
        share=Coalesce(
            amount * Cast(F("amount"), field) / NullIf(F("items_total"), _zero_money(field)),
            amount / F("items_count"),
            output_field=field,
        ),
        paid_at=Coalesce(F("order__payments__completed_at"), F("order__payments__created_at")),
        paid_currency=F("order__payments__currency"),
    )


def _course_earnings() -> Coalesce:
    """A course's earnings, as a correlated subquery on ``Course``."""
    field = _split_field()
    per_course = (
        earning_lines()
        .filter(course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(total=Sum("share"))
        .values("total")
    )
    return Coalesce(Subquery(per_course, output_field=field), _zero_money(field))


def with_statistics(queryset: QuerySet[Course]) -> QuerySet[Course]:
    """Per-course figures as correlated subqueries (one query however many courses):
    ``active_students``, ``review_rating``, ``review_count``, ``earnings``, ``completed_students``
    and ``completion_rate``. (Names avoid the stored ``Course.rating``/``reviews_count``.)"""
    active = Enrollment.objects.filter(course=OuterRef("pk"), is_active=True)
    certified = active.filter(
        Exists(Certificate.objects.filter(student=OuterRef("student_id"), course=OuterRef("course_id")))
    )
    reviews = Review.objects.filter(course=OuterRef("pk")).order_by().values("course")
    queryset = queryset.annotate(
        active_students=_counted(active, "course"),
        review_rating=Coalesce(
            Subquery(reviews.annotate(a=Avg("rating")).values("a"), output_field=FloatField()), Value(0.0)
        ),
        review_count=_counted(Review.objects.filter(course=OuterRef("pk")), "course"),
        earnings=_course_earnings(),
        completed_students=_counted(certified, "course"),
    )
    return queryset.annotate(
        completion_rate=Case(
            When(
                active_students__gt=0,
                then=Cast(F("completed_students"), FloatField())
                * Value(100.0)
                / Cast(F("active_students"), FloatField()),
            ),
            default=Value(0.0),
            output_field=FloatField(),
        )
    )


def _performance(course: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": course["id"],
        "title": course["title"],
        "slug": course["slug"],
        "students": course["active_students"],
        "rating": rounded(course["review_rating"]),
        "earnings": money(course["earnings"]),
    }


PERFORMANCE_FIELDS = ("id", "title", "slug", "active_students", "review_rating", "earnings")


def _months(now: datetime) -> list[tuple[int, int]]:
    """The last ``MONTHS_SHOWN`` calendar months as (year, month), oldest first, current included."""
    local = timezone.localtime(now)
    index = local.year * 12 + local.month - 1
    return [divmod(i, 12) for i in range(index - MONTHS_SHOWN + 1, index + 1)]


def monthly_figures(*, course_ids: Any, now: datetime) -> list[dict[str, Any]]:
    """``[{month, year, earnings, students}]`` over the last 6 calendar months (2 queries):
    earnings completed that month, and new (still active) enrolments that month."""
    months = [(year, month + 1) for year, month in _months(now)]
    since = _local_start(date(months[0][0], months[0][1], 1))
    until = _local_start(_next_bucket(date(months[-1][0], months[-1][1], 1), "month"))
    earned = (
        earning_lines(course_ids=course_ids)
        .filter(paid_at__gte=since, paid_at__lt=until)
        .annotate(period=TruncMonth("paid_at"))
        .order_by()
        .values("period")
        .annotate(total=Sum("share"))
    )
    enrolled = (
        Enrollment.objects.filter(course__in=course_ids, is_active=True, enrolled_at__gte=since, enrolled_at__lt=until)
        .annotate(period=TruncMonth("enrolled_at"))
        .order_by()
        .values("period")
        .annotate(n=Count("pk"))
    )
    earnings = {_bucket_key(row["period"]).replace(day=1): row["total"] for row in earned}
    students = {_bucket_key(row["period"]).replace(day=1): row["n"] for row in enrolled}
    return [
        {
            "month": MONTH_NAMES[month - 1],
            "year": year,
            "earnings": money(earnings.get(date(year, month, 1))),
            "students": students.get(date(year, month, 1), 0),
        }
        for year, month in months
    ]


# --- Selectors -------------------------------------------------------------------------------------


def _top_courses(*, course_ids, earning: list[tuple[Any, Decimal]]) -> list[dict[str, Any]]:
    """The ``TOP_COURSES`` courses by earnings, then title (each course's earnings come grouped,
    highest first, from ``earning``), with their figures: computing every figure of every
    course only to keep six cost half a second for a tutor with 94 courses."""
    earners = [course_id for course_id, amount in earning if amount > 0]
    # Then the courses that earned nothing (no completed payment, or only free orders) by title,
    # as the database orders titles: asked always, so the queries are the same whatever the data.
    rest = Course.objects.filter(pk__in=course_ids).exclude(pk__in=earners).order_by("title", "pk")
    ranked = (earners[:TOP_COURSES] + list(rest.values_list("pk", flat=True)[:TOP_COURSES]))[:TOP_COURSES]
    rows = {row["id"]: row for row in with_statistics(Course.objects.filter(pk__in=ranked)).values(*PERFORMANCE_FIELDS)}
    return [rows[course_id] for course_id in ranked]


def tutor_quick_statistics(*, user, now: datetime | None = None) -> dict[str, Any]:
    """The dashboard figures of ``GET tutors/me/quick_statistics/`` (9 queries)."""
    now = now or timezone.now()
    course_ids = taught_course_ids(user)
    courses = Course.objects.filter(pk__in=course_ids).aggregate(
        published=Count("pk", filter=Q(is_published=True)),
        drafts=Count("pk", filter=Q(is_published=False)),
    )
    recent_progress = LessonProgress.objects.filter(
        student=OuterRef("student_id"),
        lesson__part__course=OuterRef("course_id"),
        updated_at__gte=now - timedelta(days=ACTIVE_DAYS),
    )
    students = Enrollment.objects.filter(course__in=course_ids, is_active=True).aggregate(
        total=Count("student", distinct=True),
        active=Count("student", distinct=True, filter=Q(Exists(recent_progress))),
        recent=Count("pk", filter=Q(enrolled_at__gte=now - timedelta(days=RECENT_DAYS))),
    )
    reviews = Review.objects.filter(course__in=course_ids).aggregate(average=Avg("rating"), count=Count("pk"))
    lines = earning_lines(course_ids=course_ids)
    by_currency = lines.order_by().values("paid_currency").annotate(total=Sum("share")).order_by("paid_currency")
    earning = list(
        lines.order_by()
        .values("course")
        .annotate(total=Sum("share"))
        .order_by("-total", "course__title", "course")
        .values_list("course", "total")
    )
    total = sum(amount for _, amount in earning) if earning else None
    top = _top_courses(course_ids=course_ids, earning=earning)
    return {
        "total_earnings": money(total),
        "earnings_by_currency": [
            {"currency": row["paid_currency"], "earnings": money(row["total"])} for row in by_currency
        ],
        "active_students": students["active"] or 0,
        "total_students": students["total"] or 0,
        "published_courses": courses["published"] or 0,
        "draft_courses": courses["drafts"] or 0,
        "average_rating": rounded(reviews["average"]),
        "total_reviews": reviews["count"] or 0,
        "recent_enrollments": students["recent"] or 0,
        "monthly_earnings": monthly_figures(course_ids=course_ids, now=now),
        "course_performance": [_performance(course) for course in top],
    }


def tutor_course_list(*, user) -> QuerySet[Course]:
    """Every course the user teaches (drafts included), as catalog list items with the
    statistics of ``with_statistics``; newest first. One query plus the list's prefetches."""
    return with_statistics(course_list(user=user, mine=True)).order_by("-created_at", "pk")


@dataclass(frozen=True)
class Period:
    """A time-series bucket: the local dates it covers (clipped to the requested range)."""

    key: date  # the start of the full bucket, as the database truncates it
    start: date
    end: date


def _bucket_start(day: date, interval: str) -> date:
    if interval == "month":
        return day.replace(day=1)
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return day


def _next_bucket(start: date, interval: str) -> date:
    if interval == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=7 if interval == "week" else 1)


def analytics_bucket_count(date_from: date, date_to: date, interval: str) -> int:
    """How many buckets ``[date_from, date_to]`` gives, without building them."""
    first, last = _bucket_start(date_from, interval), _bucket_start(date_to, interval)
    if interval == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days // (7 if interval == "week" else 1) + 1


def analytics_periods(date_from: date, date_to: date, interval: str) -> list[Period]:
    """The buckets covering ``[date_from, date_to]``; the first and last are clipped to it."""
    periods = []
    start = _bucket_start(date_from, interval)
    while start <= date_to:
        following = _next_bucket(start, interval)
        periods.append(Period(key=start, start=max(start, date_from), end=min(following - timedelta(days=1), date_to)))
        start = following
    return periods


def analytics_default_range(now: datetime | None = None) -> tuple[date, date]:
    today = timezone.localtime(now or timezone.now()).date()
    return today - timedelta(days=ANALYTICS_DEFAULT_DAYS - 1), today


TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def tutor_analytics(*, user, date_from: date, date_to: date, interval: str = "day") -> dict[str, Any]:
    """``GET tutors/me/analytics/`` (5 queries): per bucket of ``interval`` between the local
    dates ``date_from`` and ``date_to`` (both included) the new active enrolments, earnings,
    lesson views and completions (certificates issued); totals over the range; and a per-course
    funnel (views → enrolments → completions) over the same range, for every course taught.

    The caller validates the range (see ``analytics_bucket_count`` and ``MAX_BUCKETS``)."""
    if interval not in TRUNCATE:
        raise ValueError(f"interval must be one of {INTERVALS}")
    if date_from > date_to or analytics_bucket_count(date_from, date_to, interval) > MAX_BUCKETS:
        raise ValueError(f"expected a range of at most {MAX_BUCKETS} {interval} buckets, from <= to")
    course_ids = taught_course_ids(user)
    since, until = _local_start(date_from), _local_start(date_to + timedelta(days=1))
    truncate = TRUNCATE[interval]

    def grouped(queryset: QuerySet, moment: str, total) -> dict[date, Any]:
        rows = (
            queryset.filter(**{f"{moment}__gte": since, f"{moment}__lt": until})
            .annotate(period=truncate(moment))
            .order_by()
            .values("period")
            .annotate(total=total)
        )
        return {_bucket_key(row["period"]): row["total"] for row in rows}

    enrollments = grouped(Enrollment.objects.filter(course__in=course_ids, is_active=True), "enrolled_at", Count("pk"))
    earnings = grouped(earning_lines(course_ids=course_ids), "paid_at", Sum("share"))
    views = grouped(LessonView.objects.filter(lesson__part__course__in=course_ids), "viewed_at", Count("pk"))
    completions = grouped(Certificate.objects.filter(course__in=course_ids), "issued_at", Count("pk"))

    series = [
        {
            "start": period.start,
            "end": period.end,
            "enrollments": enrollments.get(period.key, 0),
            "earnings": money(earnings.get(period.key)),
            "views": views.get(period.key, 0),
            "completions": completions.get(period.key, 0),
        }
        for period in analytics_periods(date_from, date_to, interval)
    ]
    funnel = (
        Course.objects.filter(pk__in=course_ids)
        .annotate(
            range_views=_counted(
                LessonView.objects.filter(
                    lesson__part__course=OuterRef("pk"), viewed_at__gte=since, viewed_at__lt=until
                ),
                "lesson__part__course",
            ),
            range_enrollments=_counted(
                Enrollment.objects.filter(
                    course=OuterRef("pk"), is_active=True, enrolled_at__gte=since, enrolled_at__lt=until
                ),
                "course",
            ),
            range_completions=_counted(
                Certificate.objects.filter(course=OuterRef("pk"), issued_at__gte=since, issued_at__lt=until),
                "course",
            ),
        )
        .order_by("title", "pk")
        .values("id", "title", "slug", "range_views", "range_enrollments", "range_completions")
    )
    return {
        "from": date_from,
        "to": date_to,
        "interval": interval,
        "totals": {
            "enrollments": sum(row["enrollments"] for row in series),
            "earnings": money(sum((row["earnings"] for row in series), ZERO)),
            "views": sum(row["views"] for row in series),
            "completions": sum(row["completions"] for row in series),
        },
        "series": series,
        "courses": [
            {
                "id": row["id"],
                "title": row["title"],
                "slug": row["slug"],
                "views": row["range_views"],
                "enrollments": row["range_enrollments"],
                "completions": row["range_completions"],
            }
            for row in funnel
        ],
    }


def course_statistics(*, course: Course, now: datetime | None = None) -> dict[str, Any]:
    """``GET courses/{slug}/statistics/`` (4 queries): the course's figures (as a
    ``course_performance`` entry, plus reviews, completion, views and the funnel counts),
    its last 6 calendar months, and per lesson the views and completions (lessons completed,
    from ``LessonProgress``), ordered by part order then lesson order."""
    now = now or timezone.now()
    figures = (
        with_statistics(Course.objects.filter(pk=course.pk))
        .annotate(
            certificate_count=_counted(Certificate.objects.filter(course=OuterRef("pk")), "course"),
            view_count=_counted(LessonView.objects.filter(lesson__part__course=OuterRef("pk")), "lesson__part__course"),
        )
        .values(*PERFORMANCE_FIELDS, "review_count", "completion_rate", "certificate_count", "view_count")
        .get()
    )
    lessons = (
        Lesson.objects.filter(part__course=course)
        .annotate(
            view_count=_counted(LessonView.objects.filter(lesson=OuterRef("pk")), "lesson"),
            completion_count=_counted(LessonProgress.objects.filter(lesson=OuterRef("pk"), completed=True), "lesson"),
        )
        .order_by("part__order", "part__created_at", "order", "created_at")
        .values("id", "slug", "title", "view_count", "completion_count")
    )
    return {
        **_performance(figures),
        "reviews_count": figures["review_count"],
        "completion_rate": rounded(figures["completion_rate"]),
        "views": figures["view_count"],
        "enrollments": figures["active_students"],
        "completions": figures["certificate_count"],
        "monthly_earnings": monthly_figures(course_ids=[course.pk], now=now),
        "lessons": [
            {
                "id": row["id"],
                "slug": row["slug"],
                "title": row["title"],
                "views": row["view_count"],
                "completions": row["completion_count"],
            }
            for row in lessons
        ],
    }
