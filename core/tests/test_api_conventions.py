"""Section 0 of the contract: conventions every endpoint shares."""

import logging

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_unknown_api_url_is_a_json_404(api_client):
    response = api_client.get("/api/does-not-exist/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("path", ["/api/test/crash-drf/", "/api/test/crash-plain/"])
def test_unexpected_error_is_json_500_logged_with_request_id(settings, caplog, path):
    from django.test import Client

    settings.ROOT_URLCONF = "core.tests.boom_urls"
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="core.errors"):
        response = client.get(path, HTTP_X_REQUEST_ID="req-12345678")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Internal server error"}, "the body must not leak internals"
    assert response["X-Request-ID"] == "req-12345678"
    records = [r for r in caplog.records if r.name == "core.errors"]
    assert records, "the error must be logged"
    assert records[0].request_id == "req-12345678"


def test_every_response_has_a_request_id(api_client):
    first = api_client.get("/api/core/health/")
    second = api_client.get("/api/core/health/")
    assert len(first["X-Request-ID"]) >= 16
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_malformed_incoming_request_id_is_replaced(api_client):
    response = api_client.get("/api/core/health/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_malformed_json_is_a_400_with_a_message(api_client):
    response = api_client.post("/api/auth/token/", data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_non_utf8_body_is_a_400(api_client):
    response = api_client.post("/api/auth/token/", data=b'{"email": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400


def test_cors_allows_the_web_client_origin_with_authorization_and_patch(api_client):
    response = api_client.options(
        "/api/auth/users/me/",
        HTTP_ORIGIN="http://localhost:3000",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "PATCH" in response["Access-Control-Allow-Methods"]
    assert "DELETE" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"]


def test_cors_refuses_an_unknown_origin(api_client):
    response = api_client.get("/api/core/health/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response


def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    # --fail-on-warn turns every generator warning into a failure; --validate checks OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/auth/token/", "/api/auth/users/me/", "/api/core/universities/", "/api/core/ready/"):
        assert f"{path}:" in text, f"{path} missing from the schema"
    assert "jwtAuth" in text


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_docs_are_served_without_credentials(api_client, path):
    response = api_client.get(path, HTTP_AUTHORIZATION="Bearer stale")
    assert response.status_code == 200


def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_host_outside_allowed_hosts_is_a_json_400_under_the_api(api_client):
    response = api_client.get("/api/core/health/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Bad request."}


def test_a_host_outside_allowed_hosts_keeps_djangos_page_elsewhere(client):
    response = client.get("/admin/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("debug", [False, True])
def test_an_api_path_without_its_trailing_slash_is_a_308_that_keeps_the_method(api_client, settings, debug):
    settings.DEBUG = debug  # in DEBUG Django itself raises a RuntimeError for a POST here
    response = api_client.post("/api/auth/token/verify?x=1", {"token": "nope"}, format="json")
    assert response.status_code == 308
    assert response["Location"] == "/api/auth/token/verify/?x=1"
    again = api_client.post(response["Location"], {"token": "nope"}, format="json")
    assert again.status_code == 401, "the same POST reaches the view at the redirected URL"


def test_pages_outside_the_api_keep_djangos_301(client):
    response = client.get("/admin")
    assert response.status_code == 301


def test_a_host_outside_allowed_hosts_is_json_under_the_api_in_debug_too(api_client, settings):
    settings.DEBUG = True  # Django then answers with its HTML debug page
    response = api_client.get("/api/core/health/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


def test_json_errors_keep_the_cors_headers(api_client):
    response = api_client.get("/api/does-not-exist/", HTTP_ORIGIN="http://localhost:3000")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
