"""The catalog's hooks (courses/hooks.py): what it asks of the apps above it. Registered by
those apps (videos, in its AppConfig.ready()); without them a lesson's video is taken as it is
and the player page has nothing to play."""

from __future__ import annotations

from datetime import timedelta

import pytest

from courses import hooks
from courses.models import VideoStatus
from courses.tests.factories import CourseFactory, LessonFactory, PartFactory
from users.models import Role

pytestmark = pytest.mark.django_db

HOOKS = (hooks.lesson_video_check, hooks.lesson_video_changed, hooks.lesson_playback)


@pytest.fixture
def unregistered():
    """The hooks with their defaults, as if no app had registered anything; restored after."""
    registered = [hook._function for hook in HOOKS]
    for hook in HOOKS:
        hook.reset()
    yield
    for hook, function in zip(HOOKS, registered, strict=True):
        hook.register(function)


def test_the_video_app_registers_every_hook():
    for hook in HOOKS:
        assert hook._function is not hook.default, f"{hook!r} is not registered"
        assert hook._function.__module__ == "videos.services", repr(hook)


def test_without_registrations_a_lesson_takes_its_video_as_it_is_and_plays_nothing(
    unregistered, make_user, client_for, django_capture_on_commit_callbacks
):
    owner = make_user(Role.TUTOR)
    course = CourseFactory(tutors=[owner], is_published=True)
    lesson = LessonFactory(part=PartFactory(course=course), is_free_preview=True, duration=timedelta(0))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).patch(
            f"/api/courses/lessons/{lesson.slug}/", {"video_service_id": "anyvideo01"}, format="json"
        )

    assert response.status_code == 200, response.content[:300]
    lesson.refresh_from_db()
    assert (lesson.video_service_id, lesson.video_status) == ("anyvideo01", VideoStatus.PENDING)
    player = client_for(None).get(f"/api/courses/lessons/{lesson.slug}/").json()
    assert (player["otp"], player["playbackInfo"], player["video_error"]) == (None, None, None), player
