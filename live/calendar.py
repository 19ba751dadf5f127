"""iCalendar (RFC 5545) for live sessions, built with the ``icalendar`` library.

One VEVENT per session: ``UID`` is stable (``live-session-<id>@<host>``), ``SEQUENCE`` is the
session's ``sequence`` (up on every reschedule and on cancellation), ``DTSTAMP`` its last change,
and a cancelled session is ``STATUS:CANCELLED`` (``CONFIRMED`` otherwise). Times are UTC.
No join URL is written: calendars are shared and synced; the event links to the session's page.
"""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from live.models import LiveSession
from users.emails import frontend_url

PRODID = "-//11Tutors//Live sessions//EN"
UID_DOMAIN = "live.11tutors.com"


def uid(session: LiveSession) -> str:
    return f"live-session-{session.pk}@{UID_DOMAIN}"


def event(session: LiveSession) -> Event:
    link = frontend_url(f"/courses/{session.course.slug}/live/{session.pk}")
    item = Event()
    item.add("uid", uid(session))
    item.add("sequence", session.sequence)
    item.add("dtstamp", session.updated_at)
    item.add("dtstart", session.starts_at)
    item.add("dtend", session.ends_at)
    item.add("summary", session.title)
    item.add("description", f"{session.description}\n\n{session.course.title}: {link}".strip())
    item.add("url", link)
    item.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    return item


def calendar(sessions: Iterable[LiveSession], *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for session in sessions:
        cal.add_component(event(session))
    return cal.to_ical()
