from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data tooling (``seed_demo``, ``bench_seed``): the top of the layering,
    it may import every other app and nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
    default_auto_field = "django.db.models.BigAutoField"
