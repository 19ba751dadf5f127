"""Cache-backed throttles whose rates are read from settings.THROTTLE_RATES at request time.

Rates accept a period multiplier (``5/15min``) on top of DRF's ``100/min`` form, and
every rate is configurable through the environment (see .env.example).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from eleven_tutors.envcheck import rate_to_seconds


class ConfigurableRateThrottle(SimpleRateThrottle):
    scope: str = ""

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


class FailureThrottle(ConfigurableRateThrottle):
    """Counts only failures, recorded by the view with :meth:`record_failure`.

    ``allow_request`` refuses once the failures inside the window reach the rate,
    and does not count the attempt itself: successful requests are free.
    """

    subject_field = "email"

    def get_subject(self, request) -> str | None:
        """What the failures are counted against: a field of the body, case-folded."""
        data = request.data if isinstance(request.data, dict) else {}
        value = data.get(self.subject_field)
        return value.strip().lower() if isinstance(value, str) and value.strip() else None

    def get_cache_key(self, request, view) -> str | None:
        subject = self.get_subject(request)
        if not subject:
            return None
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}

    def allow_request(self, request, view) -> bool:
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
        now = self.timer()
        history = [t for t in self.cache.get(key, []) if t > now - self.duration]
        history.insert(0, now)
        self.cache.set(key, history, self.duration)

    def reset(self, request, view) -> None:
        key = self.get_cache_key(request, view)
        if key is not None:
            self.cache.delete(key)
