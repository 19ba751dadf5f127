"""The tutor's own figures, mounted under ``/api/auth/`` (before the accounts' routes)."""

from django.urls import path

from analytics.api import views

urlpatterns = [
    path("tutors/me/quick_statistics/", views.TutorQuickStatisticsView.as_view(), name="tutor-quick-statistics"),
    path("tutors/me/courses/", views.TutorCourseListView.as_view(), name="tutor-courses"),
    path("tutors/me/analytics/", views.TutorAnalyticsView.as_view(), name="tutor-analytics"),
]
