"""Per-course statistics, mounted under ``/api/courses/`` (before the catalog's routes)."""

from django.urls import path

from learning.api import statistics_views as views

urlpatterns = [
    path("courses/<slug:slug>/statistics/", views.CourseStatisticsView.as_view(), name="course-statistics"),
]
