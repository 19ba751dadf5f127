"""The users' Django admin: the user and onboarding-answer changelists, their search and every
filter render; the user add and change pages render."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.tests.factories import UniversityFactory
from core.tests.helpers import admin_changelist_check, admin_get_ok
from users.models import Role
from users.tests.factories import OnboardingAnswerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(make_user):
    """A tutor and a student who answered the onboarding questions, with "test" in the searchable texts."""
    tutor = make_user(Role.TUTOR, first_name="Testa", last_name="Tutor")
    student = make_user(Role.STUDENT, first_name="Stu", last_name="Test")
    university = UniversityFactory(name="Test University", country="Uzbekistan", city="Tashkent", global_rank=5)
    OnboardingAnswerFactory(user=student, university=university, degree="Test degree", graduation_year=2027)
    return {"tutor": tutor, "student": student}


@pytest.mark.parametrize("model", ["user", "onboardinganswer"])
def test_changelist_search_and_every_filter_render(data, admin_client, model):
    admin_changelist_check(admin_client, reverse(f"admin:users_{model}_changelist"))


def test_user_add_and_change_pages_render(data, admin_client):
    admin_get_ok(admin_client, reverse("admin:users_user_add"))
    admin_get_ok(admin_client, reverse("admin:users_user_change", args=[data["tutor"].pk]))
