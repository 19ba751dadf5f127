"""Throttle rates as written in settings and the environment: ``100/min``, ``5/15min``.

Read by the throttles (``core.throttling``) and checked at start-up by the settings
(``eleven_tutors.envcheck``). Plain Python: importable before Django is set up.
"""

from __future__ import annotations

import re

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_to_seconds(value: str) -> tuple[int, int]:
    """``"5/15min"`` -> ``(5, 900)``. Raises ``ValueError`` for anything else."""
    match = _RATE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a rate like 100/min or 5/15min")
    count, multiplier, unit = match.groups()
    seconds = _UNIT_SECONDS[unit[0]] * int(multiplier or 1)
    if seconds <= 0:
        raise ValueError(f"{value!r} has an empty period")
    return int(count), seconds
