"""ASGI entry point: HTTP (the Django app) and WebSocket (``/ws/…``: Django Channels).

WebSocket connections are authenticated with the JWT access token (``users.realtime``); no
Origin check, since no cookie authenticates them (a page of another site cannot read the token).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eleven_tutors.settings")

# Django first: the routes below import models.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from notifications.routing import websocket_urlpatterns  # noqa: E402
from users.realtime import JWTAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": JWTAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
