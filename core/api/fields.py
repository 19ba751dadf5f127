"""Serializer fields that turn bad input into a 400: every kind of bad id (never a database
error), non-strings, and images too large to decode safely."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.validators import validate_image_dimensions

MAX_INTEGER_ID = 2**63 - 1


class SafePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Rejects ids the database could not even compare (huge integers, malformed UUIDs)."""

    default_error_messages = {
        "does_not_exist": 'Invalid id "{pk_value}" - object does not exist.',
        "incorrect_type": _("Incorrect type. Expected an id, received {data_type}."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str) and "\x00" in data:  # PostgreSQL cannot even compare it
            self.fail("does_not_exist", pk_value=data.replace("\x00", ""))
        pk_field = self.get_queryset().model._meta.pk
        if pk_field.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField"):
            try:
                value = int(str(data).strip())
            except ValueError:
                self.fail("incorrect_type", data_type=type(data).__name__)
            if not 0 < value <= MAX_INTEGER_ID:
                self.fail("does_not_exist", pk_value=data)
            data = value
        elif pk_field.get_internal_type() == "UUIDField":
            try:
                data = uuid.UUID(str(data))
            except ValueError:
                self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A string and nothing else: numbers are not silently turned into text."""

    default_error_messages = {"invalid": _("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ImageUploadField(serializers.ImageField):
    """An image upload whose pixel size is capped by the setting ``max_side_setting``, checked
    from the image's header before Pillow decodes (or even verifies) anything."""

    def __init__(self, *, max_side_setting: str, **kwargs):
        self.max_side_setting = max_side_setting
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if hasattr(data, "read") and hasattr(data, "seek"):
            try:
                validate_image_dimensions(data, max_side=getattr(settings, self.max_side_setting))
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from None
        return super().to_internal_value(data)
