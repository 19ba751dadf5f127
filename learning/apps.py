from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from courses import cache as catalog_cache
        from courses import hooks
        from learning import selectors, services
        from learning.models import Review
        from users.signals import user_renamed

        # Ratings and review counts show on anonymous catalog pages.
        post_save.connect(catalog_cache.catalog_changed, sender=Review, dispatch_uid="learning-review-catalog-save")
        post_delete.connect(catalog_cache.catalog_changed, sender=Review, dispatch_uid="learning-review-catalog-delete")

        # The catalog's player page, course page and enrolment list ask for progress through its
        # hooks; it does not import this app.
        hooks.lesson_played.register(services.lesson_view_record)
        hooks.course_progress.register(services.course_progress)
        hooks.enrollment_progress.register(selectors.enrollment_progress_annotate)

        # The name printed on a student's certificates follows their profile.
        user_renamed.connect(certificates_rename, dispatch_uid="learning-certificates-rename")


def certificates_rename(sender, *, user, **kwargs) -> None:
    """``users.signals.user_renamed``: correct the name on the user's certificates and render
    them again once the rename commits."""
    from learning.services import certificate_regenerate_for_user

    certificate_regenerate_for_user(user=user)
