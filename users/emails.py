"""Transactional e-mail: every message has a plain-text and an HTML part.

Every message is written in its recipient's language (``core.i18n.recipient_language``), never
in the language of whoever caused it: subject, text and HTML are rendered under it here.

Messages are sent after the surrounding transaction commits, never inside it, and
a failing mail server is logged instead of failing the request. (A later issue moves
delivery onto the task queue; callers already go through ``send_templated_email``.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from core.i18n import recipient_language
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


def frontend_url(path: str, **query: str) -> str:
    """An absolute link to a page of the web client (FRONTEND_URL)."""
    url = f"{settings.FRONTEND_URL}{path}"
    return f"{url}?{urlencode(query)}" if query else url


def send_templated_email(
    *,
    recipient,
    subject: str,
    template: str,
    context: dict | Callable[[], dict],
    subject_params: dict | None = None,
    deliver: bool = True,
) -> None:
    """Render ``emails/<template>.txt`` and ``.html`` in the language of ``recipient`` (a user,
    saved or not) and send them to their address once the transaction commits.

    ``subject`` is a lazy translation (``gettext_lazy``) filled with ``subject_params`` in that
    language; ``context`` may be a function, called in that language (dates, money: core.i18n).

    ``deliver=False`` does all of that, up to building the message in the task, except handing
    it to the mail server: for answers whose timing must not tell whether an e-mail went out.
    """
    with translation.override(recipient_language(recipient)):
        context = {"frontend_url": settings.FRONTEND_URL, **(context() if callable(context) else context)}
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
        subject = str(subject) % subject_params if subject_params else str(subject)

    enqueue_on_commit(
        "users.tasks.send_email",
        to=recipient.email,
        subject=subject,
        text=text,
        html=html,
        deliver=deliver,
        what=f"the {template!r} e-mail",
    )
