"""Input validation and output shapes of the notifications API."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications import kinds
from notifications.models import Device, Notification, Platform

# FCM registration tokens and APNs device tokens (hex): letters, digits and - _ : . only.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_:.\-]{16,512}$")


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "url", "data", "created_at", "read_at")
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many notifications were unread.")


class ChannelsSerializer(serializers.Serializer):
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Give at least one of in_app, email, push."))
        return attrs


class PreferenceSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    push = serializers.BooleanField()
    email_locked = serializers.BooleanField(read_only=True, help_text="The e-mail cannot be switched off.")


class PreferencesSerializer(serializers.Serializer):
    """``{kind: {in_app, email, push}}`` (partial): only the kinds and channels given change."""

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not data:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Send an object: {kind: {in_app, email, push}}.")]}
            )
        errors, result = {}, {}
        for key, value in data.items():
            if key not in kinds.KINDS:
                errors[key] = [_("Unknown kind. Kinds: %(kinds)s.") % {"kinds": ", ".join(kinds.KINDS)}]
                continue
            channels = ChannelsSerializer(data=value)
            if not isinstance(value, dict):
                errors[key] = [_("Expected an object {in_app, email, push}.")]
            elif not channels.is_valid():
                errors[key] = channels.errors
            else:
                result[key] = channels.validated_data
        if errors:
            raise serializers.ValidationError(errors)
        return result


class DeviceSerializer(serializers.ModelSerializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    token = serializers.CharField(max_length=512, write_only=True)

    class Meta:
        model = Device
        fields = ("id", "platform", "token", "created_at")
        read_only_fields = ("id", "created_at")
        extra_kwargs = {"token": {"validators": []}}  # a known token moves to the caller

    def validate_token(self, value: str) -> str:
        if not TOKEN_RE.match(value):
            raise serializers.ValidationError(_("Not a push token (16-512 letters, digits, - _ : .)."))
        return value
