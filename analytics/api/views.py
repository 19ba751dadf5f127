"""Tutor statistics API (API.md 2.7): thin views over ``analytics.selectors``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import cache as statistics_cache
from analytics import selectors
from analytics.api import serializers as s
from analytics.permissions import CanSeeCourseStatistics
from core.api.shortcuts import or_404
from courses import selectors as course_selectors
from users.permissions import IsTutorOrAdmin

DETAIL = inline_serializer("StatisticsErrorDetail", fields={"detail": serializers.CharField()})
ERRORS = {401: DETAIL, 403: DETAIL}


@extend_schema(tags=["statistics"], responses={200: s.QuickStatisticsSerializer, **ERRORS})
class TutorQuickStatisticsView(APIView):
    """Dashboard figures of the courses you teach (drafts included).

    Earnings: completed payments (refunded ones count 0), split across a multi-course order by
    price; a co-taught course counts fully for each of its tutors; amounts in different
    currencies are summed in their own units (`earnings_by_currency` has the breakdown).
    Students: active enrolments. Months: calendar months, the current one last.
    Figures come from a cache: after a change (an enrolment, a payment, a review…) requests
    still get the previous figures while they are recomputed in the background, at most once
    per TUTOR_STATISTICS_REFRESH_SECONDS; they are never older than twice
    TUTOR_STATISTICS_CACHE_SECONDS."""

    permission_classes = [IsTutorOrAdmin]

    def get(self, request):
        user = request.user
        return Response(
            statistics_cache.quick_statistics(
                user, lambda: dict(s.QuickStatisticsSerializer(selectors.tutor_quick_statistics(user=user)).data)
            )
        )


@extend_schema(tags=["statistics"], responses={200: s.TutorCourseSerializer(many=True), **ERRORS})
class TutorCourseListView(generics.ListAPIView):
    """Every course you teach (drafts included), newest first, with its statistics."""

    permission_classes = [IsTutorOrAdmin]
    serializer_class = s.TutorCourseSerializer

    def get_queryset(self):
        return selectors.tutor_course_list(user=self.request.user)


@extend_schema(
    tags=["statistics"],
    parameters=[s.AnalyticsQuerySerializer],
    responses={200: s.AnalyticsSerializer, 400: DETAIL, **ERRORS},
)
class TutorAnalyticsView(APIView):
    """Time series (enrolments, earnings, lesson views, completions) and a per-course funnel
    between `from` and `to` (local dates, both included; default: the last 30 days)."""

    permission_classes = [IsTutorOrAdmin]

    def get(self, request):
        query = s.AnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = selectors.tutor_analytics(user=request.user, **query.validated_data)
        return Response(s.AnalyticsSerializer(figures).data)


@extend_schema(tags=["statistics"], responses={200: s.CourseStatisticsSerializer, 404: DETAIL, **ERRORS})
class CourseStatisticsView(APIView):
    """One course's figures and per-lesson views and completions: its tutors and admins."""

    permission_classes = [IsAuthenticated, CanSeeCourseStatistics]

    def get(self, request, slug: str):
        course = or_404(course_selectors.course_visible_get(user=request.user, slug=slug))
        self.check_object_permissions(request, course)
        figures = selectors.course_statistics(course=course)
        return Response(s.CourseStatisticsSerializer(figures).data)
