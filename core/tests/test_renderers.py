"""The API's orjson renderer writes the same bytes as DRF's JSONRenderer."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from core.api.renderers import FastJSONRenderer, dumps

SAMPLES = [
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "price": "19.99", "n": 3, "ok": True, "none": None},
    {"money": Decimal("178.50"), "rating": 4.25, "nested": [{"a": []}, {}]},
    {"at": datetime.datetime(2026, 12, 3, 7, 36, 5, 123456, tzinfo=datetime.UTC), "day": datetime.date(2026, 1, 2)},
    {"naive": datetime.datetime(2026, 12, 3, 7, 36), "time": datetime.time(7, 5), "span": datetime.timedelta(hours=2)},
    {
        "text": "Ünïcödé ✓ — русский, o\u2018zbek",
        "js": "line\u2028separator\u2029paragraph",
        "lazy": gettext_lazy("Hello"),
    },
    {"big": 2**70, "negative": -(2**65)},
    [1, "two", 3.0, None],
    "plain string",
]


@pytest.mark.parametrize("data", SAMPLES, ids=range(len(SAMPLES)))
def test_same_bytes_as_drf(data):
    assert dumps(data) == JSONRenderer().render(data)
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_no_body_for_none_and_an_indented_rendering_when_asked():
    assert FastJSONRenderer().render(None) == b""
    indented = FastJSONRenderer().render({"a": 1}, "application/json; indent=2")
    assert indented == JSONRenderer().render({"a": 1}, "application/json; indent=2") == b'{\n  "a": 1\n}'


def test_what_drf_cannot_write_fails_the_same_way():
    with pytest.raises(TypeError):
        dumps({"object": object()})
    with pytest.raises(TypeError):
        JSONRenderer().render({"object": object()})
