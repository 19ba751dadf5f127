from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Tutor figures (API.md 2.7): reads over payments, learning and the catalog; no models."""

    name = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"
