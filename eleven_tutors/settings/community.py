"""The course community (``community/``): how long authors may edit their posts, and how many
students one task e-mails an announcement to. The posting throttle is ``THROTTLE_COMMUNITY_POST``
(``api``)."""

from __future__ import annotations

from eleven_tutors.settings.base import env, errors

COMMUNITY_EDIT_WINDOW_MINUTES = errors.get(env.int, "COMMUNITY_EDIT_WINDOW_MINUTES", default=30)
if COMMUNITY_EDIT_WINDOW_MINUTES < 0:
    errors.add("COMMUNITY_EDIT_WINDOW_MINUTES", "must be 0 or more (0: posts cannot be edited)")

COMMUNITY_ANNOUNCEMENT_BATCH_SIZE = errors.get(env.int, "COMMUNITY_ANNOUNCEMENT_BATCH_SIZE", default=200)
if not 1 <= COMMUNITY_ANNOUNCEMENT_BATCH_SIZE <= 1000:
    errors.add("COMMUNITY_ANNOUNCEMENT_BATCH_SIZE", "must be between 1 and 1000")
