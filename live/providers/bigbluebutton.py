"""BigBlueButton (https://docs.bigbluebutton.org/development/api/): ``create`` and ``join``.

Every call is ``{BBB_URL}/api/<call>?<query>&checksum=<hex>`` where the checksum is the
``BBB_CHECKSUM_ALGORITHM`` (SHA-1 by default, SHA-256/384/512 where the server allows them) of
``<call><query><BBB_SECRET>``. ``create`` is idempotent for one ``meetingID`` (a second create
of a running meeting answers SUCCESS with it), so it is sent before every join, with timeouts
and a bounded number of retries on connection failures and 5xx answers; ``join`` is a URL the
browser opens, signed the same way, with ``role=MODERATOR`` for the course's tutors and admins
and ``VIEWER`` for students. Answers are XML (``<response><returncode>SUCCESS…``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from live.providers.base import LiveProvider, LiveProviderError, display_name

logger = logging.getLogger(__name__)

RETRY_STATUSES = (500, 502, 503, 504)
UNREACHABLE = _("The meeting service cannot be reached at the moment. Please try again shortly.")
UNAVAILABLE = _("The meeting service is unavailable at the moment. Please try again shortly.")
REFUSED = _("The meeting service refused to open the meeting.")
GARBLED = _("The meeting service sent an unexpected answer.")


def checksum(call: str, query: str, secret: str, algorithm: str = "sha1") -> str:
    return hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()


def signed_url(base_url: str, call: str, params: dict[str, str], secret: str, algorithm: str) -> str:
    query = urlencode(params, quote_via=quote, safe="")
    return f"{base_url}/api/{call}?{query}&checksum={checksum(call, query, secret, algorithm)}"


@functools.cache
def _session(retries: int) -> requests.Session:
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.1,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class BigBlueButtonProvider(LiveProvider):
    name = "bigbluebutton"

    def __init__(self) -> None:
        self.base_url = settings.BBB_URL
        self.secret = settings.BBB_SECRET
        self.algorithm = settings.BBB_CHECKSUM_ALGORITHM

    def _url(self, call: str, params: dict[str, str]) -> str:
        return signed_url(self.base_url, call, params, self.secret, self.algorithm)

    def meeting_id(self, session) -> str:
        return f"11tutors-{session.room_key}"

    def create(self, session) -> None:
        params = {
            "name": session.title[:200],
            "meetingID": self.meeting_id(session),
            "record": "false",
            "duration": str(session.duration_minutes + settings.LIVE_JOIN_EARLY_MINUTES),
            "welcome": f"Welcome to {session.title}",
        }
        url = self._url("create", params)
        try:
            response = _session(settings.LIVE_HTTP_RETRIES).get(
                url,
                timeout=(settings.LIVE_HTTP_CONNECT_TIMEOUT, settings.LIVE_HTTP_READ_TIMEOUT),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            logger.warning("BigBlueButton create failed: %r", exc)
            raise LiveProviderError(UNREACHABLE, status=503) from exc
        if response.status_code in (429, 503):
            logger.warning("BigBlueButton create answered %s", response.status_code)
            raise LiveProviderError(UNAVAILABLE, status=503)
        if response.status_code != 200:
            logger.warning("BigBlueButton create answered %s: %s", response.status_code, response.text[:500])
            raise LiveProviderError(GARBLED, status=502)
        try:
            root = ET.fromstring(response.content)  # noqa: S314
        except ET.ParseError:
            logger.warning("BigBlueButton create sent no XML: %r", response.text[:500])
            raise LiveProviderError(GARBLED, status=502) from None
        if root.findtext("returncode") != "SUCCESS":
            logger.warning("BigBlueButton create refused: %s %s", root.findtext("messageKey"), root.findtext("message"))
            raise LiveProviderError(REFUSED, status=502)

    def join_url(self, *, session, user, moderator: bool) -> str:
        self.create(session)
        params = {
            "fullName": display_name(user)[:100],
            "meetingID": self.meeting_id(session),
            "role": "MODERATOR" if moderator else "VIEWER",
            "userID": str(user.pk),
            "redirect": "true",
        }
        return self._url("join", params)
