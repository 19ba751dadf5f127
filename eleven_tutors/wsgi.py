"""WSGI entry point (gunicorn eleven_tutors.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eleven_tutors.settings")

application = get_wsgi_application()
