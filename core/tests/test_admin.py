"""The universities in the Django admin: the changelist, its search and every filter render."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.tests.factories import UniversityFactory
from core.tests.helpers import admin_changelist_check

pytestmark = pytest.mark.django_db


def test_changelist_search_and_every_filter_render(admin_client):
    UniversityFactory(name="Test University", country="Uzbekistan", city="Tashkent", global_rank=5)
    admin_changelist_check(admin_client, reverse("admin:core_university_changelist"))
