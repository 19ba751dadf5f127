"""Service helpers shared by every app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: Iterable[str], data: dict[str, Any]) -> tuple[M, bool]:
    """Set the given ``fields`` from ``data`` and save only those that really changed.

    Returns ``(instance, has_updated)``. A PATCH that changes nothing (the client's
    bursts of ``{}``) costs no write: no UPDATE, no ``updated_at`` bump, no signal.
    Many-to-many fields are set through their manager when they differ.
    """
    changed: list[str] = []
    m2m: dict[str, Any] = {}
    model_fields = {field.name: field for field in instance._meta.get_fields()}

    for name in fields:
        if name not in data:
            continue
        field = model_fields.get(name)
        if field is None:
            raise ValueError(f"{type(instance).__name__} has no field {name!r}")
        value = data[name]
        if field.many_to_many:
            m2m[name] = value
            continue
        if _same(instance, field, value):
            continue
        setattr(instance, name, value)
        changed.append(name)

    if changed:
        if "updated_at" in model_fields:
            changed.append("updated_at")
        instance.save(update_fields=changed)

    m2m_changed = False
    for name, value in m2m.items():
        manager = getattr(instance, name)
        wanted = {obj.pk for obj in value}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(value)
            m2m_changed = True

    return instance, bool(changed) or m2m_changed


def _same(instance: models.Model, field: models.Field, value: Any) -> bool:
    if isinstance(field, models.FileField):
        return _file_name(getattr(instance, field.name)) == _file_name(value)
    return getattr(instance, field.attname if field.is_relation else field.name) == _raw(value)


def _file_name(value: Any) -> str:
    """Files compare by name; no file, ``None`` and ``""`` are all "no file"."""
    return getattr(value, "name", None) or ""


def _raw(value: Any) -> Any:
    """Foreign keys compare by primary key."""
    return value.pk if isinstance(value, models.Model) else value
