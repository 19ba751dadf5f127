from django.urls import path
from rest_framework.routers import SimpleRouter

from live.api import views

router = SimpleRouter()
router.register("sessions", views.SessionViewSet, basename="live-session")

urlpatterns = [
    path("calendar.ics", views.CalendarFeedView.as_view(), name="live-calendar-feed"),
    path("calendar-token/", views.CalendarTokenView.as_view(), name="live-calendar-token"),
    *router.urls,
]
