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
        from learning.models import Certificate, LessonProgress, Review
        from users.signals import user_language_changed, user_renamed

        # Ratings and review counts show on anonymous catalog pages.
        post_save.connect(catalog_cache.catalog_changed, sender=Review, dispatch_uid="learning-review-catalog-save")
        post_delete.connect(catalog_cache.catalog_changed, sender=Review, dispatch_uid="learning-review-catalog-delete")

        # The catalog's player page, course page and enrolment list ask for progress through its
        # hooks; it does not import this app.
        hooks.lesson_played.register(services.lesson_view_record)
        hooks.course_progress.register(services.course_progress_cached)
        # ... whose cache any change to the student's progress or certificates replaces.
        for model in (LessonProgress, Certificate):
            post_save.connect(progress_changed, sender=model, dispatch_uid=f"learning-progress-save-{model.__name__}")
            post_delete.connect(
                progress_changed, sender=model, dispatch_uid=f"learning-progress-delete-{model.__name__}"
            )
        hooks.enrollment_progress.register(selectors.enrollment_progress_annotate)

        # The name printed on a student's certificates follows their profile.
        user_renamed.connect(certificates_rename, dispatch_uid="learning-certificates-rename")
        user_language_changed.connect(certificates_relanguage, dispatch_uid="learning-certificates-language")


def progress_changed(sender, instance, **kwargs) -> None:
    from learning.services import progress_pages

    progress_pages.changed(instance.student_id)


def certificates_relanguage(sender, *, user, **kwargs) -> None:
    """``users.signals.user_language_changed``: render the user's certificates again in their
    new language once the change commits."""
    from learning.services import certificate_rerender_for_user

    certificate_rerender_for_user(user=user)


def certificates_rename(sender, *, user, **kwargs) -> None:
    """``users.signals.user_renamed``: correct the name on the user's certificates and render
    them again once the rename commits."""
    from learning.services import certificate_regenerate_for_user

    certificate_regenerate_for_user(user=user)
