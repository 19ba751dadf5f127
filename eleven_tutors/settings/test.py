"""Settings for the test suite (pyproject.toml names this module for pytest-django).

The service's settings, read from the same environment (``DATABASE_URL`` and ``REDIS_URL``
choose PostgreSQL and Redis as for the service), with these differences only. Tests that start
the service in a subprocess (``manage.py``, ``django.setup()``) use ``eleven_tutors.settings``.
"""

from eleven_tutors.settings.components import *  # noqa: F403
from eleven_tutors.settings.components import STORAGES, env, errors

# Static files: the plain storage, even with DJANGO_DEBUG=false (no manifest: the suite never
# runs collectstatic).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Background tasks run in-process, even with a broker configured, unless CELERY_TASK_ALWAYS_EAGER
# says otherwise.
if "CELERY_TASK_ALWAYS_EAGER" not in env.ENVIRON:
    CELERY_TASK_ALWAYS_EAGER = True

# The suite creates databases of its own (test_<name>): DATABASE_URL only chooses the server,
# and is not required even with DJANGO_DEBUG=false. The generated development secret key needs
# no warning here.
errors.raise_if_any(warn=False, not_required={"DATABASE_URL"})
