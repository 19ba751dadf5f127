from django.urls import path, re_path

from notifications.api import views
from notifications.api.views import ID_REGEX

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notification-list"),
    path("unread-count/", views.UnreadCountView.as_view(), name="notification-unread-count"),
    path("read-all/", views.NotificationReadAllView.as_view(), name="notification-read-all"),
    path("preferences/", views.PreferencesView.as_view(), name="notification-preferences"),
    path("devices/", views.DeviceListCreateView.as_view(), name="notification-device-list"),
    re_path(rf"^devices/(?P<device_id>{ID_REGEX})/$", views.DeviceDetailView.as_view(), name="notification-device"),
    re_path(
        rf"^(?P<notification_id>{ID_REGEX})/read/$", views.NotificationReadView.as_view(), name="notification-read"
    ),
    re_path(rf"^(?P<notification_id>{ID_REGEX})/$", views.NotificationDetailView.as_view(), name="notification-detail"),
]
