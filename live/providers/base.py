"""The meeting provider interface: what the rest of the code may ask of a live-meeting service.

One method: the URL that puts one user into a session's meeting, as a moderator (the course's
tutors, admins) or an attendee. Failures are :class:`LiveProviderError`: 502 when the service
answered wrongly, 503 when it did not answer (timeout, unreachable, overloaded).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from core.exceptions import ServiceError


class LiveProviderError(ServiceError):
    def __init__(self, message: str, *, status: int = 502) -> None:
        if status not in (502, 503):
            raise ValueError(f"a live provider error is a 502 or a 503, not {status}")
        super().__init__(message)
        self.status = status


class LiveProvider(ABC):
    name: ClassVar[str]

    @abstractmethod
    def join_url(self, *, session, user, moderator: bool) -> str:
        """The URL that lets ``user`` into ``session``'s meeting (creating the meeting if needed)."""


def display_name(user) -> str:
    return user.full_name.strip() or user.email.split("@")[0]
