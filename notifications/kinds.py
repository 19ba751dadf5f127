"""The registry of notification kinds: every event the apps announce, with its audience, its
default channels, and whether its e-mail can be switched off.

An app that notifies names one of these constants (``notifications.kinds.THREAD_REPLY``);
``notifications.services.notify`` refuses any other kind. The README's "Notifications" section
lists the same table.

``sends_email`` says whether this app e-mails the kind (with its templates
``notifications/emails/<kind>.txt`` and ``.html``). Some kinds are e-mailed by the app the
event belongs to, with its own message: the payment receipt (``enrolment_confirmed``; a free
enrolment has no receipt: payments), the co-tutor invitation (courses), the announcement
(community, in batches; it honours the ``email`` preference through
``selectors.email_opted_out_ids``) and the live-session messages (live: reminders, reschedules,
cancellations, to the registrants).

``email_locked``: the e-mail cannot be switched off (payment receipts, refunds, a changed e-mail
address, an invitation: money, account security, and messages the user must be able to act
on); a PATCH turning it off is a 400.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise  # in the request's language when shown
    audience: str  # who receives it: "student", "tutor" or "user"
    in_app: bool = True
    email: bool = True
    push: bool = True
    email_locked: bool = False
    sends_email: bool = True  # False: no e-mail from this app (see the module's docstring)

    def defaults(self) -> dict[str, bool]:
        return {"in_app": self.in_app, "email": self.email, "push": self.push}


THREAD_REPLY = "thread_reply"
ANSWER_ACCEPTED = "answer_accepted"
COURSE_ANNOUNCEMENT = "course_announcement"
COURSE_QUESTION = "course_question"
ENROLMENT_CONFIRMED = "enrolment_confirmed"
REFUND_PROCESSED = "refund_processed"
CERTIFICATE_ISSUED = "certificate_issued"
EMAIL_CHANGED = "email_changed"
TUTOR_INVITATION_RECEIVED = "tutor_invitation_received"
TUTOR_INVITATION_ACCEPTED = "tutor_invitation_accepted"
NEW_ENROLMENT = "new_enrolment"
NEW_REVIEW = "new_review"
LIVE_SESSION_SCHEDULED = "live_session_scheduled"
LIVE_SESSION_CANCELLED = "live_session_cancelled"
LIVE_SESSION_STARTING_SOON = "live_session_starting_soon"

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(THREAD_REPLY, _("A reply to your thread"), "user"),
        Kind(ANSWER_ACCEPTED, _("Your answer was accepted"), "user", email=False),
        Kind(COURSE_ANNOUNCEMENT, _("An announcement in a course you study"), "student", sends_email=False),
        Kind(COURSE_QUESTION, _("A new question in your course"), "tutor", email=False),
        Kind(ENROLMENT_CONFIRMED, _("Enrolment confirmed"), "student", email_locked=True, sends_email=False),
        Kind(REFUND_PROCESSED, _("Refund processed"), "student", email_locked=True),
        Kind(CERTIFICATE_ISSUED, _("Certificate issued"), "student"),
        Kind(EMAIL_CHANGED, _("Your e-mail address changed"), "user", push=False, email_locked=True),
        Kind(
            TUTOR_INVITATION_RECEIVED,
            _("Invitation to co-teach a course"),
            "tutor",
            email_locked=True,
            sends_email=False,
        ),
        Kind(TUTOR_INVITATION_ACCEPTED, _("Your co-teaching invitation was accepted"), "tutor"),
        Kind(NEW_ENROLMENT, _("A student enrolled in your course"), "tutor", email=False),
        Kind(NEW_REVIEW, _("A new review of your course"), "tutor"),
        # Live sessions (live/notify.py): e-mailed by live with the times in the recipient's zone.
        Kind(LIVE_SESSION_SCHEDULED, _("Live session scheduled"), "student", sends_email=False),
        Kind(LIVE_SESSION_CANCELLED, _("Live session cancelled"), "student", sends_email=False),
        Kind(LIVE_SESSION_STARTING_SOON, _("Live session starting soon"), "student", sends_email=False),
    )
}

CHANNELS = ("in_app", "email", "push")


def get(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"Unknown notification kind {key!r}: add it to notifications.kinds.KINDS") from None
