"""A tutor's own earnings, mounted under ``/api/auth/`` (next to analytics' ``tutors/me/…``)."""

from django.urls import path

from payments.api import views

urlpatterns = [
    path("tutors/me/earnings/", views.TutorEarningsView.as_view(), name="tutor-earnings"),
    path("tutors/me/earnings/entries/", views.TutorEarningEntriesView.as_view(), name="tutor-earning-entries"),
]
