"""What live sessions tell people, in one place: reminders, reschedules and cancellations.

``send`` is the single function through which every live-session message goes: it renders one
e-mail per recipient, with the session's times in the recipient's own time zone
(``User.timezone``) and written in their language (``User.language``: the subject, the text and
the dates, by Babel), and hands it to the project's e-mail path (``users.emails``: the task queue,
after the transaction commits). Reschedules, cancellations and the 15-minute reminder are also
in-app (and push) notifications (``notifications``: ``live_session_*`` kinds, e-mailed here, not
there), as is a new session for the course's active students (``scheduled``).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.i18n import format_datetime, recipient_language
from notifications import kinds as notification_kinds
from notifications.selectors import email_opted_out_ids
from notifications.services import notify
from users.emails import frontend_url, send_templated_email
from users.models import User

SUBJECTS = {
    "reminder_24h": _("Tomorrow: %(title)s"),
    "reminder_15m": _("Starting in 15 minutes: %(title)s"),
    "rescheduled": _("Rescheduled: %(title)s"),
    "cancelled": _("Cancelled: %(title)s"),
}
# The notification kind of each message: its preferences decide the e-mail (a user who switched
# the kind's e-mail off gets none), and all but the 24-hour reminder are also in-app notifications.
PREFERENCE_KINDS = {
    "reminder_24h": notification_kinds.LIVE_SESSION_STARTING_SOON,
    "reminder_15m": notification_kinds.LIVE_SESSION_STARTING_SOON,
    "rescheduled": notification_kinds.LIVE_SESSION_SCHEDULED,
    "cancelled": notification_kinds.LIVE_SESSION_CANCELLED,
}
NOTIFICATION_KINDS = {
    "reminder_15m": notification_kinds.LIVE_SESSION_STARTING_SOON,
    "rescheduled": notification_kinds.LIVE_SESSION_SCHEDULED,
    "cancelled": notification_kinds.LIVE_SESSION_CANCELLED,
}


def _path(session) -> str:
    return f"/courses/{session.course.slug}/live/{session.pk}"


def _notify(*, session, kind: str, recipients, title, event: str) -> None:
    """The in-app notification of a live-session event, once per recipient and event."""
    notify(
        recipients=recipients,
        kind=kind,
        title=title,
        params={"title": session.title[:150]},
        body=session.course.title,
        url=_path(session),
        data={"session_id": session.pk, "course_slug": session.course.slug, "starts_at": session.starts_at.isoformat()},
        dedupe_key=f"live:{session.pk}:{event}",
    )


def announce_scheduled(*, session) -> None:
    """Tell the course's active students that a session was scheduled (on commit)."""
    from courses.models import Enrollment

    students = Enrollment.objects.filter(course_id=session.course_id, is_active=True).values_list(
        "student_id", flat=True
    )
    _notify(
        session=session,
        kind=notification_kinds.LIVE_SESSION_SCHEDULED,
        recipients=students,
        title=_("New live session: %(title)s"),
        event="scheduled",
    )


def local_time(moment: datetime, user: User) -> str:
    """``moment`` as the user reads it, in their time zone and language, e.g.
    "Monday, 7 December 2026, 19:30 (Europe/Paris)", "lunes, 7 de diciembre de 2026, 19:30 (Europe/Madrid)"."""
    return format_datetime(moment, user.timezone, recipient_language(user))


def send(*, session_id: int, kind: str, user_ids: list | None = None, previous_starts_at=None) -> int:
    """E-mail ``kind`` about the session to ``user_ids`` (default: its registrants) unless they
    switched that e-mail off, and notify them in-app. Returns the number of e-mails handed over."""
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
    users = list(users.only("pk", "email", "first_name", "last_name", "timezone", "language"))
    opted_out = email_opted_out_ids(user_ids=[user.pk for user in users], kind=PREFERENCE_KINDS[kind])
    for user in users:
        if user.pk in opted_out:
            continue
        context = {
            "kind": kind,
            "name": user.first_name,
            "session_title": session.title,
            "course_title": session.course.title,
            "starts_at": local_time(session.starts_at, user),
            "ends_at": local_time(session.ends_at, user),
            "previous_starts_at": local_time(previous_starts_at, user) if previous_starts_at else "",
            "duration_minutes": session.duration_minutes,
            "link": frontend_url(_path(session)),
        }
        send_templated_email(
            recipient=user, subject=subject, subject_params={"title": title}, template="live_session", context=context
        )
        count += 1
    if kind in NOTIFICATION_KINDS and users:
        # Each reschedule is an event of its own (its calendar SEQUENCE); a retried send is not.
        event = {"rescheduled": f"seq:{session.sequence}", "reminder_15m": "15m"}.get(kind, kind)
        _notify(session=session, kind=NOTIFICATION_KINDS[kind], recipients=users, title=subject, event=event)
    return count


def on_commit(*, session_id: int, kind: str, previous_starts_at=None) -> None:
    """``send`` to the registrants once the surrounding transaction commits."""
    transaction.on_commit(lambda: send(session_id=session_id, kind=kind, previous_starts_at=previous_starts_at))
