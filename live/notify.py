"""What live sessions tell people, in one place: reminders, reschedules and cancellations.

``send`` is the single function through which every live-session message goes: it renders one
e-mail per recipient, with the session's times in the recipient's own time zone
(``User.timezone``) and written in their language (``User.language``: the subject, the text and
the dates, by Babel), and hands it to the project's e-mail path (``users.emails``: the task queue,
after the transaction commits). When the notifications app exists, hook it here.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.i18n import format_datetime, recipient_language
from users.emails import frontend_url, send_templated_email
from users.models import User

SUBJECTS = {
    "reminder_24h": _("Tomorrow: %(title)s"),
    "reminder_15m": _("Starting in 15 minutes: %(title)s"),
    "rescheduled": _("Rescheduled: %(title)s"),
    "cancelled": _("Cancelled: %(title)s"),
}


def local_time(moment: datetime, user: User) -> str:
    """``moment`` as the user reads it, in their time zone and language, e.g.
    "Monday, 7 December 2026, 19:30 (Europe/Paris)", "lunes, 7 de diciembre de 2026, 19:30 (Europe/Madrid)"."""
    return format_datetime(moment, user.timezone, recipient_language(user))


def send(*, session_id: int, kind: str, user_ids: list | None = None, previous_starts_at=None) -> int:
    """E-mail ``kind`` about the session to ``user_ids`` (default: its registrants). Returns the
    number of messages handed over."""
    from live.models import LiveSession
    from live.selectors import registrants

    session = LiveSession.objects.filter(pk=session_id).select_related("course").first()
    if session is None:
        return 0
    users = registrants(session=session)
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    subject = SUBJECTS[kind]
    title = session.title[:150]
    count = 0
    for user in users.only("pk", "email", "first_name", "last_name", "timezone", "language"):
        context = {
            "kind": kind,
            "name": user.first_name,
            "session_title": session.title,
            "course_title": session.course.title,
            "starts_at": local_time(session.starts_at, user),
            "ends_at": local_time(session.ends_at, user),
            "previous_starts_at": local_time(previous_starts_at, user) if previous_starts_at else "",
            "duration_minutes": session.duration_minutes,
            "link": frontend_url(f"/courses/{session.course.slug}/live/{session.pk}"),
        }
        send_templated_email(
            recipient=user, subject=subject, subject_params={"title": title}, template="live_session", context=context
        )
        count += 1
    return count


def on_commit(*, session_id: int, kind: str, previous_starts_at=None) -> None:
    """``send`` to the registrants once the surrounding transaction commits."""
    transaction.on_commit(lambda: send(session_id=session_id, kind=kind, previous_starts_at=previous_starts_at))
