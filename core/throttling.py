"""Cache-backed throttles whose rates are read from settings.THROTTLE_RATES at request time.

Rates accept a period multiplier (``5/15min``) on top of DRF's ``100/min`` form, and
every rate is configurable through the environment (see .env.example).

Throttles stop attackers, not classrooms: thousands of students may share one campus
address, so per-IP limits on successes are generous, and the tight limits count
*failures* (:class:`FailureThrottle`) or attempts on *one* account (:class:`SubjectRateThrottle`).

When the cache that holds the counts (Redis) cannot be reached, each throttle follows its
``fail_open`` rule (SECURITY.md, "Throttles"), and never answers 500:

- fail open (the default): the request goes through uncounted. For ceilings on volume (per
  address, per user, per e-mail address), where a few minutes without counting harm nobody;
- fail closed (``fail_open = False``): the request is refused with 503 and ``Retry-After``. For
  the throttles that are the only bound on guessing a password (failed logins per account and
  per account and address): while they cannot count, sign-in waits.

A failure that cannot be recorded (``record_failure``) is logged and dropped; the cache returns,
the counting resumes, no restart needed.
"""

from __future__ import annotations

import hashlib
import logging
import math

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from core.rates import rate_to_seconds

logger = logging.getLogger(__name__)
UNAVAILABLE_RETRY_SECONDS = 30


class Throttled(exceptions.Throttled):
    """DRF's 429 (``{"detail": ...}`` and ``Retry-After``), saying in words when to retry."""

    default_detail = _("Too many requests.")
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."

    def __init__(self, wait=None, detail=None, code=None) -> None:
        # DRF formats the wait into both forms before looking them up in the catalog (so no
        # translation is ever found); here the form is chosen and translated, then filled in.
        detail = self.default_detail if detail is None else detail
        if wait is not None:
            wait = math.ceil(wait)
            retry = ngettext("Try again in {wait} second.", "Try again in {wait} seconds.", wait).format(wait=wait)
            detail = f"{detail} {retry}"
        super().__init__(wait=None, detail=detail, code=code)
        self.wait = wait


class ThrottledDetailMixin:
    """For views: the 429 says what was refused (``throttled_detail``) and in how many seconds to retry,
    e.g. "Too many registration attempts. Try again in 3540 seconds."."""

    throttled_detail: str = Throttled.default_detail

    def throttled(self, request, wait):
        raise Throttled(wait=wait, detail=self.throttled_detail)


class CacheUnreachable(Exception):
    """The cache holding the counts raised (connection refused, timeout, ...)."""


class _GuardedCache:
    """The throttle's cache, whose every error becomes CacheUnreachable (and nothing else does)."""

    def __init__(self, cache) -> None:
        self._cache = cache

    def __getattr__(self, name: str):
        attribute = getattr(self._cache, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            try:
                return attribute(*args, **kwargs)
            except Exception as error:
                raise CacheUnreachable(str(error)) from error

        return call


class ThrottleUnavailable(exceptions.APIException):
    """503 from a fail-closed throttle whose counts cannot be read (the cache is down)."""

    status_code = 503
    default_detail = "This is temporarily unavailable: try again in a minute."
    default_code = "throttle_unavailable"


class ConfigurableRateThrottle(SimpleRateThrottle):
    scope: str = ""
    #: When the cache cannot be reached: True lets the request through uncounted, False refuses
    #: it with 503 (see the module's docstring).
    fail_open: bool = True

    def __init__(self) -> None:
        super().__init__()
        self.cache = _GuardedCache(self.cache)

    def allow_request(self, request, view) -> bool:
        try:
            return self.check(request, view)
        except CacheUnreachable:  # only the cache's own errors: a bad body still gets its 4xx
            logger.warning(
                "Throttle %s: the cache did not answer; %s",
                self.scope,
                "letting the request through (fail open)" if self.fail_open else "refusing with 503 (fail closed)",
                exc_info=True,
            )
            if self.fail_open:
                return True
            error = ThrottleUnavailable()
            error.wait = UNAVAILABLE_RETRY_SECONDS  # the exception handler writes Retry-After
            raise error from None

    def check(self, request, view) -> bool:
        """Count the request and say whether it may go on (reads and writes the cache)."""
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        return settings.THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        if rate is None:
            return None, None
        return rate_to_seconds(rate)


class IPRateThrottle(ConfigurableRateThrottle):
    """Counts every request per client IP (NUM_PROXIES decides which address is the client's)."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserRateThrottle(ConfigurableRateThrottle):
    """Counts every request per authenticated user (per IP for anonymous callers)."""

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class KeyedThrottleMixin:
    """Counts per ``key_on``: the body's ``subject_field`` (case-folded), the client IP, or both.

    Requests without the subject (missing, blank, not a string) are not counted by a
    subject-keyed throttle: the view answers them with a 400 anyway. The key holds a
    digest, never the address itself.
    """

    subject_field = "email"
    key_on: tuple[str, ...] = ("subject",)  # any of "subject", "ip"

    def get_subject(self, request) -> str | None:
        """What is counted: a field of the body, stripped and case-folded."""
        data = request.data if isinstance(request.data, dict) else {}  # malformed JSON raises a 400 here
        value = data.get(self.subject_field)
        return value.strip().casefold() if isinstance(value, str) and value.strip() else None

    def get_cache_key(self, request, view) -> str | None:
        parts = []
        for part in self.key_on:
            value = self.get_subject(request) if part == "subject" else self.get_ident(request)
            if not value:
                return None
            parts.append(value)
        # surrogatepass: a lone surrogate (valid JSON, not valid UTF-8) still gets a key, not a 500.
        digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


class SubjectRateThrottle(KeyedThrottleMixin, ConfigurableRateThrottle):
    """Counts every attempt on one subject (e.g. one e-mail address), whatever the client IP."""


class FailureThrottle(KeyedThrottleMixin, ConfigurableRateThrottle):
    """Counts only failures, recorded by the view with :meth:`record_failure`.

    ``allow_request`` refuses once the failures inside the window reach the rate,
    and does not count the attempt itself: successful requests are free.
    ``key_on`` chooses what the failures are counted against (see :class:`KeyedThrottleMixin`).
    """

    def check(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return True

    def record_failure(self, request, view) -> None:
        key = self.get_cache_key(request, view)
        if key is None or self.rate is None:
            return
        try:
            now = self.timer()
            history = [t for t in self.cache.get(key, []) if t > now - self.duration]
            history.insert(0, now)
            self.cache.set(key, history, self.duration)
        except CacheUnreachable:
            logger.warning("Throttle %s: the cache did not answer; a failure went uncounted", self.scope, exc_info=True)

    def reset(self, request, view) -> None:
        key = self.get_cache_key(request, view)
        if key is None:
            return
        try:
            self.cache.delete(key)
        except CacheUnreachable:
            logger.warning("Throttle %s: the cache did not answer; the count was not reset", self.scope, exc_info=True)
