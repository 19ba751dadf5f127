"""Input validation and output shapes of the tutor statistics (API.md 2.7).

Money is a JSON number with 2 decimal places (``DecimalField(coerce_to_string=False)``);
ratings and percentages are JSON numbers with 2 places; nothing is ever null."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics import selectors
from core.currency import Currency
from courses.api.serializers import CourseListSerializer

MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2999, 12, 31)


def _with_from(fields: dict) -> dict:
    """``from`` is a Python keyword: declared as ``from_``, renamed in place (the order is kept)."""
    return {("from" if name == "from_" else name): field for name, field in fields.items()}


class MoneyField(serializers.DecimalField):
    """A sum of money as a JSON number with 2 places (``1234.5`` → ``1234.50`` → ``1234.5``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=20, decimal_places=2, coerce_to_string=False, **kwargs)


class RatioField(serializers.DecimalField):
    """A rating (0 to 5) or a percentage (0 to 100), as a JSON number with 2 places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=6, decimal_places=2, coerce_to_string=False, **kwargs)


# --- quick_statistics ------------------------------------------------------------------------------


class MonthlyFiguresSerializer(serializers.Serializer):
    month = serializers.CharField(help_text='English abbreviation: "Jan" … "Dec".')
    year = serializers.IntegerField()
    earnings = MoneyField()
    students = serializers.IntegerField(help_text="New (still active) enrolments that month.")


class CoursePerformanceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    slug = serializers.SlugField()
    students = serializers.IntegerField(help_text="Active enrolments.")
    rating = RatioField(help_text="Average of the course's reviews; 0 without reviews.")
    earnings = MoneyField()


class CurrencyEarningsSerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=Currency.choices)
    earnings = MoneyField()


class QuickStatisticsSerializer(serializers.Serializer):
    total_earnings = MoneyField(
        help_text="Completed payments minus refunds, split by price across multi-course orders; "
        "amounts in different currencies are summed in their own units (see earnings_by_currency)."
    )
    earnings_by_currency = CurrencyEarningsSerializer(many=True)
    active_students = serializers.IntegerField(help_text="Distinct students with progress in the last 30 days.")
    total_students = serializers.IntegerField(help_text="Distinct actively enrolled students.")
    published_courses = serializers.IntegerField()
    draft_courses = serializers.IntegerField()
    average_rating = RatioField(help_text="Average of every review of your courses; 0 without reviews.")
    total_reviews = serializers.IntegerField()
    recent_enrollments = serializers.IntegerField(help_text="Active enrolments of the last 7 days.")
    monthly_earnings = MonthlyFiguresSerializer(many=True, help_text="The last 6 calendar months, oldest first.")
    course_performance = CoursePerformanceSerializer(many=True, help_text="The top 6 courses by earnings.")


# --- tutors/me/courses/ ------------------------------------------------------------------------------


class TutorCourseSerializer(CourseListSerializer):
    """A catalog list item plus the course's figures: `students_count` (active enrolments),
    `rating` and `reviews_count` (from its reviews), `earnings` and `completion_rate`."""

    rating = RatioField(source="review_rating", help_text="Average of the course's reviews; 0 without reviews.")
    reviews_count = serializers.IntegerField(source="review_count", read_only=True)
    earnings = MoneyField()
    completion_rate = RatioField(help_text="Percent of the active students holding the certificate.")

    class Meta(CourseListSerializer.Meta):
        fields = [*CourseListSerializer.Meta.fields, "earnings", "completion_rate"]
        read_only_fields = fields


# --- analytics -------------------------------------------------------------------------------------------


class AnalyticsQuerySerializer(serializers.Serializer):
    """``?from=&to=&interval=``: ISO dates (both included); default the last 30 days by day."""

    from_ = serializers.DateField(required=False, input_formats=["iso-8601"], help_text="First day (YYYY-MM-DD).")
    to = serializers.DateField(required=False, input_formats=["iso-8601"], help_text="Last day (YYYY-MM-DD).")
    interval = serializers.ChoiceField(choices=selectors.INTERVALS, required=False, default="day")

    def get_fields(self):
        return _with_from(super().get_fields())

    def validate(self, attrs):
        default_from, default_to = selectors.analytics_default_range()
        date_to = attrs.get("to")
        date_from = attrs.get("from")
        if date_to is None:
            date_to = default_to
        if date_from is None:
            date_from = date_to - (default_to - default_from)
        for name, value in (("from", date_from), ("to", date_to)):
            if not MIN_DATE <= value <= MAX_DATE:
                raise serializers.ValidationError(
                    {name: [_("Enter a date between %(min)s and %(max)s.") % {"min": MIN_DATE, "max": MAX_DATE}]}
                )
        if date_from > date_to:
            raise serializers.ValidationError({"from": [_("Must be on or before `to`.")]})
        interval = attrs.get("interval") or "day"
        buckets = selectors.analytics_bucket_count(date_from, date_to, interval)
        if buckets > selectors.MAX_BUCKETS:
            raise serializers.ValidationError(
                {
                    "interval": [
                        _(
                            "This range gives %(buckets)s %(interval)s buckets; at most %(max)s are allowed: "
                            "choose a wider interval or a shorter range."
                        )
                        % {"buckets": buckets, "interval": interval, "max": selectors.MAX_BUCKETS}
                    ]
                }
            )
        return {"date_from": date_from, "date_to": date_to, "interval": interval}


class AnalyticsBucketSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day of the bucket (clipped to the range).")
    end = serializers.DateField(help_text="Last day of the bucket (clipped to the range).")
    enrollments = serializers.IntegerField()
    earnings = MoneyField()
    views = serializers.IntegerField()
    completions = serializers.IntegerField(help_text="Certificates issued.")


class AnalyticsTotalsSerializer(serializers.Serializer):
    enrollments = serializers.IntegerField()
    earnings = MoneyField()
    views = serializers.IntegerField()
    completions = serializers.IntegerField()


class CourseFunnelSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    slug = serializers.SlugField()
    views = serializers.IntegerField(help_text="Lesson views in the range.")
    enrollments = serializers.IntegerField(help_text="New (still active) enrolments in the range.")
    completions = serializers.IntegerField(help_text="Certificates issued in the range.")


class AnalyticsSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    interval = serializers.ChoiceField(choices=selectors.INTERVALS)
    totals = AnalyticsTotalsSerializer()
    series = AnalyticsBucketSerializer(many=True)
    courses = CourseFunnelSerializer(many=True, help_text="Per-course funnel: views → enrolments → completions.")

    def get_fields(self):
        return _with_from(super().get_fields())


# --- courses/{slug}/statistics/ ------------------------------------------------------------------------


class LessonFiguresSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.SlugField()
    title = serializers.CharField()
    views = serializers.IntegerField()
    completions = serializers.IntegerField(help_text="Students who completed the lesson.")


class CourseStatisticsSerializer(CoursePerformanceSerializer):
    reviews_count = serializers.IntegerField()
    completion_rate = RatioField(help_text="Percent of the active students holding the certificate.")
    views = serializers.IntegerField(help_text="Lesson views, all time.")
    enrollments = serializers.IntegerField(help_text="Active enrolments (the funnel's middle step).")
    completions = serializers.IntegerField(help_text="Certificates issued.")
    monthly_earnings = MonthlyFiguresSerializer(many=True, help_text="The last 6 calendar months, oldest first.")
    lessons = LessonFiguresSerializer(many=True, help_text="Ordered by part order, then lesson order.")
