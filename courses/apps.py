from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from courses.placeholders import ensure_placeholders

        post_migrate.connect(ensure_placeholders, sender=self)

        from django.conf import settings
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from courses import cache
        from courses.models import Category, Course, CoursePart, Enrollment, Lesson

        # Anything an anonymous catalog page shows (tutor names and student counts included)
        # invalidates it; writes through queryset.update() call catalog_changed(). Apps above
        # connect their own models (learning: reviews, for the ratings).
        for model in (Category, Course, CoursePart, Lesson, Enrollment, settings.AUTH_USER_MODEL):
            post_save.connect(cache.catalog_changed, sender=model, dispatch_uid=f"catalog-save-{model}")
            post_delete.connect(cache.catalog_changed, sender=model, dispatch_uid=f"catalog-delete-{model}")
        m2m_changed.connect(cache.catalog_changed, sender=Course.tutors.through, dispatch_uid="catalog-tutors")

        # Each student's cached enrolments (courses.selectors.enrolments): any change replaces them.
        post_save.connect(enrolment_changed, sender=Enrollment, dispatch_uid="courses-enrolments-save")
        post_delete.connect(enrolment_changed, sender=Enrollment, dispatch_uid="courses-enrolments-delete")

        # Search (courses/search.py): pg_trgm's threshold on PostgreSQL, word_similarity on SQLite.
        from django.db.backends.signals import connection_created

        from courses.search import connection_ready

        connection_created.connect(connection_ready, dispatch_uid="courses-search-connection")

        from users.signals import user_renamed

        user_renamed.connect(tutor_search_text_refresh, dispatch_uid="courses-tutor-renamed")


def enrolment_changed(sender, instance, **kwargs) -> None:
    from courses.selectors import enrolments

    enrolments.changed(instance.student_id)


def tutor_search_text_refresh(sender, *, user, **kwargs) -> None:
    """``users.signals.user_renamed``: a tutor's name is part of their courses' search text."""
    from courses.services import tutor_renamed

    tutor_renamed(user=user)
