"""Learning fills the catalog's hooks (courses/hooks.py) and listens to users.signals.user_renamed
in LearningConfig.ready(): the catalog and the accounts app do not import learning."""

from __future__ import annotations

from courses import hooks
from users.signals import user_renamed


def test_learning_registers_the_catalogs_progress_hooks():
    for hook in (hooks.lesson_played, hooks.course_progress, hooks.enrollment_progress):
        assert hook._function is not hook.default, f"{hook!r} is not registered"
        assert hook._function.__module__ in ("learning.services", "learning.selectors"), repr(hook)


def test_the_catalog_and_learning_both_follow_a_rename():
    dispatch_uids = {entry[0][0] for entry in user_renamed.receivers}  # (lookup key, receiver, ...)
    assert {"courses-tutor-renamed", "learning-certificates-rename"} <= dispatch_uids, dispatch_uids
