"""Which language the API answers in: the signed-in user's own choice, else Accept-Language,
else the default; the user's ``language`` field (PATCH users/me/)."""

from __future__ import annotations

import pytest
from django.utils import translation

from users.models import Role, User
from users.tests.factories import PASSWORD
from users.tests.urls import ME_URL, USERS_URL

pytestmark = pytest.mark.django_db


def test_anonymous_requests_follow_accept_language_else_the_default(api_client):
    health = "/api/core/health/"
    assert api_client.get(health)["Content-Language"] == "en"
    assert api_client.get(health, HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")["Content-Language"] == "ru"
    assert api_client.get(health, HTTP_ACCEPT_LANGUAGE="es")["Content-Language"] == "es"
    assert api_client.get(health, HTTP_ACCEPT_LANGUAGE="uz")["Content-Language"] == "uz"
    assert api_client.get(health, HTTP_ACCEPT_LANGUAGE="de, fr;q=0.8")["Content-Language"] == "en"
    assert "Accept-Language" in api_client.get(health)["Vary"]


def test_the_users_own_language_beats_accept_language(client_for, make_user):
    user = make_user(Role.USER, language="uz")
    response = client_for(user).get(ME_URL, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert response["Content-Language"] == "uz"
    assert response.data["language"] == "uz"
    # Without a choice of their own, the header decides.
    other = make_user(Role.USER)
    response = client_for(other).get(ME_URL, HTTP_ACCEPT_LANGUAGE="es")
    assert (response["Content-Language"], response.data["language"]) == ("es", "")


def test_patch_me_sets_and_clears_the_language_validated_against_languages(client_for, make_user):
    user = make_user(Role.USER)
    client = client_for(user)
    response = client.patch(ME_URL, {"language": "ru"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["language"] == "ru"
    assert response["Content-Language"] == "ru", "the next answer is already in the new language? this one is"
    user.refresh_from_db()
    assert user.language == "ru"
    assert client.get(ME_URL, HTTP_ACCEPT_LANGUAGE="es")["Content-Language"] == "ru"

    refused = client.patch(ME_URL, {"language": "de"}, format="json")
    assert refused.status_code == 400
    assert set(refused.data) == {"language"}
    user.refresh_from_db()
    assert user.language == "ru"

    cleared = client.patch(ME_URL, {"language": ""}, format="json")
    assert cleared.status_code == 200 and cleared.data["language"] == ""


def test_registration_keeps_the_requests_language_or_the_one_given(api_client, django_capture_on_commit_callbacks):
    body = {"email": "uz.student@example.com", "password": PASSWORD}
    response = api_client.post(USERS_URL, body, format="json", HTTP_ACCEPT_LANGUAGE="uz-UZ")
    assert response.status_code == 201, response.data
    assert User.objects.get(email="uz.student@example.com").language == "uz"
    body = {"email": "es.student@example.com", "password": PASSWORD, "language": "es"}
    response = api_client.post(USERS_URL, body, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 201 and response.data["language"] == "es"


def test_the_language_does_not_outlive_its_request(client_for, make_user):
    client_for(make_user(Role.USER, language="ru")).get(ME_URL)
    assert translation.get_language() == "en"
