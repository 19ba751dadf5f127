"""Serializer fields that turn every kind of bad id into a 400, never a database error."""

from __future__ import annotations

import uuid

from rest_framework import serializers

MAX_INTEGER_ID = 2**63 - 1


class SafePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Rejects ids the database could not even compare (huge integers, malformed UUIDs)."""

    default_error_messages = {
        "does_not_exist": 'Invalid id "{pk_value}" - object does not exist.',
        "incorrect_type": "Incorrect type. Expected an id, received {data_type}.",
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

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
