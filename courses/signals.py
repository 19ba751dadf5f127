"""Signals of the catalog, for the apps above it (courses imports none of them).

``enrolments_deactivated`` (``sender=Enrollment``, ``student_id=``, ``course_ids=``): a student's
enrolments in these courses stopped being active through ``services.enrollments_deactivate``
(a refunded purchase), a queryset ``update()`` that sends no ``post_save``. Sent inside the
caller's transaction, after the update. Receivers: ``live`` (the student's registrations for the
courses' live sessions are dropped), connected in its ``AppConfig.ready()``.
"""

from django.dispatch import Signal

enrolments_deactivated = Signal()
