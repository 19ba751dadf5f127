"""Input validation and output shapes of the video endpoints."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from videos.providers.vdocipher import CLIENT_PAYLOAD_KEYS

Detail = inline_serializer("VideoErrorDetail", fields={"detail": serializers.CharField()})


class UploadCredentialsInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    folderId = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)

    def validate_title(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate_folderId(self, value: str | None) -> str | None:
        return (value or "").strip() or None


ClientPayloadSerializer = inline_serializer(
    "VideoClientPayload", fields={key: serializers.CharField() for key in CLIENT_PAYLOAD_KEYS}
)


class UploadCredentialsSerializer(serializers.Serializer):
    clientPayload = ClientPayloadSerializer
    videoId = serializers.CharField()


class PlaybackSerializer(serializers.Serializer):
    otp = serializers.CharField()
    playbackInfo = serializers.CharField(help_text='Base64 JSON; with the local provider: {"url": ...}.')


LocalUploadRequest = inline_serializer(
    "LocalVideoUpload",
    fields={
        **{key: serializers.CharField() for key in CLIENT_PAYLOAD_KEYS if key != "uploadLink"},
        "file": serializers.FileField(help_text="The video (a video/* content type)."),
    },
)


class LocalUploadSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The stored object's key.")
