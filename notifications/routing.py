"""The WebSocket routes of notifications (eleven_tutors/asgi.py mounts them)."""

from django.urls import path

from notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
