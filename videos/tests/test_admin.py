"""The video uploads in the Django admin: listed, searched and filtered; read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.tests.helpers import admin_filters_follow
from users.models import Role
from videos.models import VideoUpload

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/videos/videoupload/"


@pytest.fixture
def uploads(make_user):
    tutor = make_user(Role.TUTOR, email="test-uploader@example.com")
    local = VideoUpload.objects.create(
        video_id="localvideo1", uploader=tutor, title="Test lecture", provider="local", file_key="videos/x/original"
    )
    VideoUpload.objects.create(video_id="vdovideo1", uploader=None, title="Orphan", provider="vdocipher")
    return local


def test_changelist_search_and_every_filter_render(uploads, admin_client):
    assert reverse("admin:videos_videoupload_changelist") == CHANGELIST
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200, response.status_code
    assert response.context["cl"].result_count == 2

    searched = admin_client.get(f"{CHANGELIST}?q=test-uploader")
    assert [u.video_id for u in searched.context["cl"].result_list] == ["localvideo1"]

    checked = admin_filters_follow(admin_client, CHANGELIST, response)
    assert len(checked) == 2, checked


def test_uploads_are_read_only(uploads, admin_client):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    change = reverse("admin:videos_videoupload_change", args=[uploads.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and "localvideo1" in page.content.decode()
    assert admin_client.post(change, {"title": "Renamed"}).status_code == 403
    uploads.refresh_from_db()
    assert uploads.title == "Test lecture"
