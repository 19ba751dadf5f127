"""Video delivery: who uploaded which video, and where the ``local`` provider keeps its file.

A lesson's video (``Lesson.video_service_id``, ``Lesson.video_status``) belongs to the catalog;
this app owns the record behind it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProviderName(models.TextChoices):
    """The video service a video was uploaded to (see :mod:`videos.providers`)."""

    VDOCIPHER = "vdocipher", "VdoCipher"
    LOCAL = "local", "Local media storage"


class VideoUpload(models.Model):
    """A video someone obtained upload credentials for: who may attach it to lessons.

    Only its uploader may attach it to lessons (admins: any), co-tutors not. With the
    ``local`` provider the row also says where the uploaded file lives once it arrived.
    """

    video_id = models.CharField(max_length=100, unique=True)
    # Kept when the uploader's account goes (lessons keep playing); only admins may then attach it.
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="video_uploads"
    )
    title = models.CharField(max_length=255)
    provider = models.CharField(max_length=20, choices=ProviderName.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Local provider: the stored object, filled when the upload arrives.
    file_key = models.CharField(max_length=255, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table the model had while it lived in the catalog app: moved, never copied.
        db_table = "courses_videoupload"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.video_id})"
