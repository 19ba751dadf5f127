"""The background video sync keeps the Celery name it had in the catalog app, so that messages
queued before the move (retries wait up to an hour) still reach it."""

from __future__ import annotations

from celery import current_app as app  # the project's Celery app

from videos import tasks


def test_the_video_sync_task_keeps_its_old_name_and_the_worker_finds_it():
    assert tasks.lesson_video_sync.name == "courses.tasks.lesson_video_sync"
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    assert app.tasks["courses.tasks.lesson_video_sync"].run.__module__ == "videos.tasks"
