"""VideoUpload moved from the catalog app (``courses``) to ``videos``: state only, same table.

A database whose rows were written while the model lived in ``courses`` is migrated forward:
the rows are found through ``videos.models.VideoUpload``, and the content type (with the
permissions and admin log entries pointing to it) now names the ``videos`` app.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from users.tests.factories import UserFactory
from videos.models import VideoUpload

BEFORE = ("courses", "0004_tutor_invitation")  # the catalog's last migration with VideoUpload in it


@pytest.mark.django_db(transaction=True)
def test_rows_written_while_the_model_lived_in_courses_are_found_through_videos():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE, ("videos", None)])
    executor.loader.build_graph()
    old_apps = executor.loader.project_state([BEFORE]).apps
    OldVideoUpload = old_apps.get_model("courses", "VideoUpload")
    assert OldVideoUpload._meta.db_table == "courses_videoupload"

    ContentType.objects.clear_cache()
    old_type = ContentType.objects.get(app_label="courses", model="videoupload")
    assert not ContentType.objects.filter(app_label="videos", model="videoupload").exists()
    uploader = UserFactory(password=None)
    OldVideoUpload.objects.create(
        video_id="legacy-video-1", uploader_id=uploader.pk, title="Recorded in courses", provider="local",
        file_key="videos/legacy-video-1/original", content_type="video/mp4", size=1234,
    )  # fmt: skip
    OldVideoUpload.objects.create(video_id="legacy-video-2", uploader_id=None, title="Orphan", provider="vdocipher")
    LogEntry.objects.create(
        user_id=uploader.pk, content_type_id=old_type.pk, object_id="1", object_repr="Recorded", action_flag=ADDITION
    )
    permissions = set(Permission.objects.filter(content_type=old_type).values_list("pk", flat=True))
    assert permissions, "the old content type has its permissions"
    # An empty twin (as a post_migrate run by newer code would create) gives way to the old row.
    twin = ContentType.objects.create(app_label="videos", model="videoupload")
    Permission.objects.create(content_type=twin, codename="view_videoupload", name="Can view video upload")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    first = VideoUpload.objects.select_related("uploader").get(video_id="legacy-video-1")
    assert (first.uploader, first.title, first.provider, first.file_key, first.content_type, first.size) == (
        uploader, "Recorded in courses", "local", "videos/legacy-video-1/original", "video/mp4", 1234,
    )  # fmt: skip
    assert VideoUpload.objects.get(video_id="legacy-video-2").uploader is None
    assert list(uploader.video_uploads.values_list("video_id", flat=True)) == ["legacy-video-1"]
    new_type = ContentType.objects.get_for_model(VideoUpload)
    assert (new_type.pk, new_type.app_label) == (old_type.pk, "videos"), "the same row, renamed"
    assert not ContentType.objects.filter(app_label="courses", model="videoupload").exists()
    assert set(Permission.objects.filter(content_type=new_type).values_list("pk", flat=True)) == permissions
    assert not ContentType.objects.filter(pk=twin.pk).exists()
    assert LogEntry.objects.get(object_repr="Recorded").content_type == new_type
