"""Hostile request bodies are a clear 4xx, never a 500 (API.md §0: bad input is a 4xx).

JSON nested far deeper than Python's recursion limit, bodies over DATA_UPLOAD_MAX_MEMORY_SIZE,
more form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, more files than
DATA_UPLOAD_MAX_NUMBER_FILES, and Django's other SuspiciousOperations: on anonymous and
authenticated endpoints, in DRF views and in plain Django views under /api/. They are logged
as warnings, without a traceback.
"""

from __future__ import annotations

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from users.models import User
from users.tests.factories import PASSWORD
from users.tests.urls import ME_URL, TOKEN_URL

pytestmark = pytest.mark.django_db

DEPTH = 100_000

DEEP_BODIES = {
    "arrays": "[" * DEPTH + "]" * DEPTH,
    "objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "mixed": '{"token": ' + '[{"a":' * (DEPTH // 2) + "1" + "}]" * (DEPTH // 2) + "}",
}
ANONYMOUS_JSON_URLS = [
    TOKEN_URL,
    "/api/auth/token/refresh/",
    "/api/auth/token/verify/",
    "/api/auth/email/verify/",
    "/api/auth/users/",
    "/api/auth/password/reset/",
]


def assert_client_error(response, status: int, *words: str):
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    for word in words:
        assert word.lower() in detail.lower(), f"expected {word!r} in the detail, got {detail!r}"
    return detail


def assert_logged_as_warning(caplog):
    records = [r for r in caplog.records if r.name == "core.errors"]
    assert records, "the refused request must be logged"
    assert all(r.levelno == logging.WARNING for r in records), [(r.levelname, r.getMessage()) for r in records]
    assert all(r.exc_info is None for r in records), "a hostile body is not our bug: no traceback"


# --- JSON nested 100,000 levels deep -------------------------------------------------------------------


@pytest.mark.parametrize("shape", list(DEEP_BODIES))
@pytest.mark.parametrize("url", ANONYMOUS_JSON_URLS)
def test_deeply_nested_json_on_anonymous_endpoints_is_400(api_client, url, shape, caplog):
    with caplog.at_level(logging.WARNING, logger="core.errors"):
        response = api_client.post(url, data=DEEP_BODIES[shape], content_type="application/json")

    assert_client_error(response, 400, "malformed json")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no error, no traceback"


@pytest.mark.parametrize("shape", list(DEEP_BODIES))
def test_deeply_nested_json_on_an_authenticated_endpoint_is_400_and_changes_nothing(client_for, user, shape):
    response = client_for(user).patch(ME_URL, data=DEEP_BODIES[shape], content_type="application/json")

    assert_client_error(response, 400, "malformed json")
    assert User.objects.get(pk=user.pk).first_name == user.first_name


def test_json_nested_within_reason_still_parses(api_client, user):
    """The guard is about recursion, not about nesting as such: ordinary bodies are unaffected."""
    body = {"email": user.email, "password": PASSWORD, "extra": [[[[{"deep": [1]}]]]]}
    response = api_client.post(TOKEN_URL, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", ["/api/test/raw-json-drf/", "/api/test/raw-json-plain/"])
def test_deep_json_parsed_by_a_view_itself_is_400_not_500(settings, caplog, path):
    """The safety net: a view that parses its raw body (as the webhook does) and lets the
    RecursionError escape still answers 400, from the DRF handler or from the middleware."""
    settings.ROOT_URLCONF = "core.tests.boom_urls"
    with caplog.at_level(logging.WARNING, logger="core.errors"):
        response = Client().post(path, data=DEEP_BODIES["arrays"], content_type="application/json")

    assert_client_error(response, 400, "malformed json")
    assert_logged_as_warning(caplog)


def test_a_recursion_error_of_our_own_is_still_a_500(settings, caplog):
    settings.ROOT_URLCONF = "core.tests.boom_urls"
    with caplog.at_level(logging.ERROR, logger="core.errors"):
        response = Client(raise_request_exception=False).get("/api/test/recursion-drf/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert [r for r in caplog.records if r.name == "core.errors" and r.levelno == logging.ERROR]


# --- Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 ------------------------------------------------------


def test_json_body_over_the_limit_on_an_anonymous_endpoint_is_413(api_client, user, settings, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"email": user.email, "password": "x" * 2000})

    with caplog.at_level(logging.WARNING, logger="core.errors"):
        response = api_client.post(TOKEN_URL, data=body, content_type="application/json")

    assert_client_error(response, 413, "too large", "1000")
    assert_logged_as_warning(caplog)


def test_form_body_over_the_limit_is_413(api_client, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = f"email={user.email}&password={'x' * 2000}"

    response = api_client.post(TOKEN_URL, data=body, content_type="application/x-www-form-urlencoded")

    assert_client_error(response, 413, "too large")


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_body_over_the_limit_on_an_authenticated_endpoint_is_413_and_changes_nothing(client_for, user, settings, fmt):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client_for(user).patch(ME_URL, {"first_name": "x" * 2000}, format=fmt)

    assert_client_error(response, 413, "too large")
    assert User.objects.get(pk=user.pk).first_name == user.first_name


def test_raw_body_over_the_limit_in_a_plain_view_is_413(settings):
    settings.ROOT_URLCONF = "core.tests.boom_urls"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = Client().post(
        "/api/test/raw-json-plain/", data="[" + "1," * 1000 + "1]", content_type="application/json"
    )

    assert_client_error(response, 413, "too large")


# --- Too many fields / files: 400 ----------------------------------------------------------------------


def test_too_many_form_fields_on_an_anonymous_endpoint_is_400(api_client, settings, caplog):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{i}=1" for i in range(50))

    with caplog.at_level(logging.WARNING, logger="core.errors"):
        response = api_client.post(TOKEN_URL, data=body, content_type="application/x-www-form-urlencoded")

    assert_client_error(response, 400, "too many", "10")
    assert_logged_as_warning(caplog)


def test_too_many_multipart_fields_on_an_authenticated_endpoint_is_400(client_for, user, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    response = client_for(user).patch(ME_URL, {f"f{i}": "1" for i in range(50)}, format="multipart")

    assert_client_error(response, 400, "too many", "fields")


def test_too_many_files_on_an_anonymous_endpoint_is_400(api_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = {f"file{i}": SimpleUploadedFile(f"f{i}.txt", b"hello") for i in range(5)}

    response = api_client.post(TOKEN_URL, {"email": "a@example.com", "password": "x", **files}, format="multipart")

    assert_client_error(response, 400, "too many files", "2")


def test_too_many_files_on_an_authenticated_endpoint_is_400_and_changes_nothing(client_for, user, settings, caplog):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = {f"file{i}": SimpleUploadedFile(f"f{i}.txt", b"hello") for i in range(5)}

    with caplog.at_level(logging.WARNING, logger="core.errors"):
        response = client_for(user).patch(ME_URL, {"first_name": "Changed", **files}, format="multipart")

    assert_client_error(response, 400, "too many files")
    assert_logged_as_warning(caplog)
    assert User.objects.get(pk=user.pk).first_name == user.first_name


# --- Other SuspiciousOperations: 400 -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/test/suspicious-drf/", "/api/test/suspicious-plain/"])
def test_any_suspicious_operation_is_a_400_logged_as_a_warning(settings, caplog, path):
    settings.ROOT_URLCONF = "core.tests.boom_urls"
    with caplog.at_level(logging.WARNING, logger="core.errors"):
        response = Client().get(path)

    detail = assert_client_error(response, 400)
    assert "secret internal detail" not in detail, "the exception's text is for the log, not the client"
    assert_logged_as_warning(caplog)
