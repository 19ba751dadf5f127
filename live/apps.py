from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from courses.models import Enrollment
        from courses.signals import enrolments_deactivated

        # A student who loses access to a course (a refund, an enrolment switched off or deleted)
        # loses their places in its live sessions that have not ended.
        enrolments_deactivated.connect(enrolments_deactivated_received, dispatch_uid="live-enrolments-deactivated")
        post_save.connect(enrolment_saved, sender=Enrollment, dispatch_uid="live-enrolment-saved")
        post_delete.connect(enrolment_deleted, sender=Enrollment, dispatch_uid="live-enrolment-deleted")


def enrolments_deactivated_received(sender, *, student_id, course_ids, **kwargs) -> None:
    from live.services import registrations_drop_inactive

    registrations_drop_inactive(student_id=student_id, course_ids=course_ids)


def enrolment_saved(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        from live.services import registrations_drop_inactive

        registrations_drop_inactive(student_id=instance.student_id, course_ids=[instance.course_id])


def enrolment_deleted(sender, instance, **kwargs) -> None:
    from live.services import registrations_drop_inactive

    registrations_drop_inactive(student_id=instance.student_id, course_ids=[instance.course_id])
