# The production image: gunicorn, the Celery worker and beat all run from it (docker-compose.yml),
# with the same commands as `make serve-prod` (deploy/serve_prod.py). docs/deployment.md.

# --- Build: the locked runtime dependencies in a virtualenv ---------------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements/base.txt /tmp/base.txt
RUN /venv/bin/pip install --requirement /tmp/base.txt

# --- Runtime: the virtualenv and the code, run as an unprivileged user ----------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_DEBUG=false \
    GUNICORN_BIND=0.0.0.0:8000 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    VIDEO_PRIVATE_ROOT=/data/private-videos \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data/media /data/private-videos /tmp/prometheus \
    && chown -R app:app /data /tmp/prometheus
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=app:app . .
# The static files are part of the image (whitenoise serves them). collectstatic needs settings
# that validate, not real ones: these values exist only during this build step.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@build:5432/build \
    python manage.py collectstatic --noinput -v 0
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/core/health/', timeout=4)"]
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
