"""Transactional e-mail: every message has a plain-text and an HTML part.

Messages are sent after the surrounding transaction commits, never inside it, and
a failing mail server is logged instead of failing the request. (A later issue moves
delivery onto the task queue; callers already go through ``send_templated_email``.)
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string

from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


def frontend_url(path: str, **query: str) -> str:
    """An absolute link to a page of the web client (FRONTEND_URL)."""
    url = f"{settings.FRONTEND_URL}{path}"
    return f"{url}?{urlencode(query)}" if query else url


def send_templated_email(*, to: str, subject: str, template: str, context: dict, deliver: bool = True) -> None:
    """Render ``emails/<template>.txt`` and ``.html`` and send them once the transaction commits.

    ``deliver=False`` does all of that, up to building the message in the task, except handing
    it to the mail server: for answers whose timing must not tell whether an e-mail went out.
    """
    context = {"frontend_url": settings.FRONTEND_URL, **context}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)

    enqueue_on_commit(
        "users.tasks.send_email",
        to=to,
        subject=subject,
        text=text,
        html=html,
        deliver=deliver,
        what=f"the {template!r} e-mail",
    )
