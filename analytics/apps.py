from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Tutor figures (API.md 2.7): reads over payments, learning and the catalog; no models."""

    name = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

        from analytics import receivers
        from courses.models import Course, Enrollment
        from learning.models import Certificate, Review
        from payments.models import Payment
        from payments.signals import ledger_changed

        # The dashboard's cached figures (analytics.cache) go stale when these change.
        for model in (Enrollment, Review, Certificate):
            post_save.connect(receivers.course_row_changed, sender=model, dispatch_uid=f"statistics-save-{model}")
            post_delete.connect(receivers.course_row_changed, sender=model, dispatch_uid=f"statistics-delete-{model}")
        post_save.connect(receivers.course_changed, sender=Course, dispatch_uid="statistics-course-save")
        pre_delete.connect(receivers.course_changed, sender=Course, dispatch_uid="statistics-course-delete")
        post_save.connect(receivers.payment_changed, sender=Payment, dispatch_uid="statistics-payment")
        m2m_changed.connect(receivers.tutors_changed, sender=Course.tutors.through, dispatch_uid="statistics-tutors")
        # Ledger writes (sales, refunds of chosen courses, payouts), sent once they commit.
        ledger_changed.connect(receivers.ledger_changed, dispatch_uid="statistics-ledger")
