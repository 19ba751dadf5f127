"""Per-course statistics, mounted under ``/api/courses/`` (before the catalog's routes)."""

from django.urls import path

from analytics.api import views

urlpatterns = [
    path("courses/<slug:slug>/statistics/", views.CourseStatisticsView.as_view(), name="course-statistics"),
]
