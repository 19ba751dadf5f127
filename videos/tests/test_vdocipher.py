"""The VdoCipher client (videos/providers/vdocipher.py) against a local fake of its HTTP API.

Real client code, real HTTP on the loopback interface: the exact requests it sends (path,
``Apisecret`` header, JSON body, URL encoding), and how every kind of upstream failure is
mapped (502/503 with a message for clients; the upstream body logged, never returned).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from courses.models import VideoStatus
from videos.providers import VideoProviderError, get_provider, vdocipher
from videos.providers.local import LocalProvider
from videos.providers.vdocipher import VdoCipherProvider
from videos.tests.fake_vdocipher import API_SECRET, CLIENT_PAYLOAD, OTP, PLAYBACK_INFO

UPSTREAM_BODY = "UPSTREAM-INTERNALS: stack trace, account 4242, secret sauce"
VIEWER = SimpleNamespace(email="ada.lovelace@example.com", is_authenticated=True)


@pytest.fixture
def client_():
    return VdoCipherProvider()


def provider_error(call) -> VideoProviderError:
    with pytest.raises(VideoProviderError) as info:
        call()
    return info.value


# --- Choosing the provider -------------------------------------------------------------------------


def test_settings_choose_the_provider(settings):
    settings.VIDEO_PROVIDER = "vdocipher"
    assert isinstance(get_provider(), VdoCipherProvider)
    settings.VIDEO_PROVIDER = "local"
    assert isinstance(get_provider(), LocalProvider)


def test_a_provider_error_is_a_502_or_a_503():
    assert VideoProviderError("x", status=503).transient
    assert not VideoProviderError("x").transient
    with pytest.raises(ValueError):
        VideoProviderError("x", status=500)


# --- OTP ---------------------------------------------------------------------------------------------


def test_otp_sends_the_exact_request_and_returns_otp_and_playback_info(vdo, client_):
    vdo.serve_otp("1234567890abcdef")

    assert client_.playback("1234567890abcdef", viewer=VIEWER) == {"otp": OTP, "playbackInfo": PLAYBACK_INFO}

    [request] = vdo.requests()
    assert (request.method, request.path) == ("POST", "/api/videos/1234567890abcdef/otp")
    assert request.headers["Authorization"] == f"Apisecret {API_SECRET}"
    assert request.headers["Content-Type"] == "application/json"
    body = request.get_json()
    assert body["ttl"] == 300
    assert isinstance(body["annotate"], str), "VdoCipher wants the annotation list serialised as a JSON string"
    [annotation] = json.loads(body["annotate"])
    assert annotation["type"] == "rtext"
    assert annotation["text"] == VIEWER.email
    assert float(annotation["alpha"]) <= 0.5, f"the watermark should be faint, got alpha {annotation['alpha']}"
    assert set(body) == {"ttl", "annotate"}


def test_otp_ttl_comes_from_settings(vdo, client_, settings):
    settings.VIDEO_OTP_TTL_SECONDS = 120
    vdo.serve_otp()
    client_.playback("v1", viewer=VIEWER)
    assert vdo.requests()[0].get_json()["ttl"] == 120


def test_otp_without_watermark_when_it_is_turned_off(vdo, client_, settings):
    settings.VIDEO_WATERMARK = False
    vdo.serve_otp()
    client_.playback("v1", viewer=VIEWER)
    assert vdo.requests()[0].get_json() == {"ttl": 300}


def test_otp_for_an_anonymous_viewer_has_no_watermark(vdo, client_):
    vdo.serve_otp()
    client_.playback("v1", viewer=AnonymousUser())
    assert vdo.requests()[0].get_json() == {"ttl": 300}


def test_video_ids_are_percent_encoded_as_one_path_segment(vdo, client_):
    vdo.serve_video("a/b?c#d ü", status="ready")
    client_.video_info("a/b?c#d ü")
    [request] = vdo.requests()
    assert request.environ["RAW_URI"] == "/api/videos/a%2Fb%3Fc%23d%20%C3%BC"


@pytest.mark.parametrize("video_id", ["", ".", ".."])
def test_dot_segments_are_not_video_ids(vdo, client_, video_id):
    with pytest.raises(ValueError):
        client_.video_info(video_id)
    assert vdo.requests() == []


# --- Upload credentials ---------------------------------------------------------------------------


def test_upload_credentials_return_the_payload_unchanged(vdo, client_):
    vdo.serve_upload("9f8e7d6c5b4a")

    payload = client_.upload_credentials(title="Lesson 1")

    assert payload == {"clientPayload": CLIENT_PAYLOAD, "videoId": "9f8e7d6c5b4a"}
    [request] = vdo.requests()
    assert (request.method, request.path) == ("PUT", "/api/videos")
    assert request.headers["Authorization"] == f"Apisecret {API_SECRET}"
    assert request.query_string == b"title=Lesson%201", "no folderId when none was given"


HOSTILE = [
    "My first video",
    "a&b=c",
    "50% off #1",
    "title&folderId=evil",
    "../../etc/passwd",
    "Привет, мир — 東京 🎥",
    "semi;colon+plus?question",
]


@pytest.mark.parametrize("title", HOSTILE)
@pytest.mark.parametrize("folder_id", [None, "root", "a&b=c#d", "../up/../../x", "папка 1"])
def test_hostile_titles_and_folder_ids_arrive_intact(vdo, client_, title, folder_id):
    vdo.serve_upload()

    client_.upload_credentials(title=title, folder_id=folder_id)

    [request] = vdo.requests()
    assert request.path == "/api/videos", f"the query leaked into the path: {request.environ['RAW_URI']}"
    expected = {"title": [title]} | ({"folderId": [folder_id]} if folder_id else {})
    assert request.args.to_dict(flat=False) == expected
    raw = request.query_string
    assert raw.count(b"&") == len(expected) - 1 and raw.count(b"=") == len(expected), raw
    assert not set(raw.decode("ascii")) & set(" #/?+;"), f"unencoded characters in {raw!r}"


def test_upload_credentials_with_an_incomplete_payload_are_refused(vdo, client_):
    incomplete = {key: value for key, value in CLIENT_PAYLOAD.items() if key != "uploadLink"}
    vdo.server.expect_request("/api/videos", method="PUT").respond_with_json(
        {"clientPayload": incomplete, "videoId": "v1"}
    )
    error = provider_error(lambda: client_.upload_credentials(title="t"))
    assert (error.status, error.detail) == (502, vdocipher.GARBLED)


# --- Status and length ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upstream", "ours"),
    [
        ("ready", VideoStatus.READY),
        ("Queued", VideoStatus.PROCESSING),
        ("Processing", VideoStatus.PROCESSING),
        ("PRE-Upload", VideoStatus.PENDING),
        ("Pre-Upload", VideoStatus.PENDING),
        ("Failed", VideoStatus.ERROR),
        ("error", VideoStatus.ERROR),
    ],
)
def test_video_info_maps_the_status(vdo, client_, upstream, ours):
    vdo.serve_video("v1", status=upstream, length=61)
    assert client_.video_info("v1") == (ours, 61)
    [request] = vdo.requests()
    assert (request.method, request.path) == ("GET", "/api/videos/v1")
    assert request.headers["Authorization"] == f"Apisecret {API_SECRET}"


def test_a_video_answer_without_status_is_a_502(vdo, client_):
    vdo.server.expect_request("/api/videos/v1", method="GET").respond_with_json({"id": "v1", "length": 3})
    error = provider_error(lambda: client_.video_info("v1"))
    assert (error.status, error.detail) == (502, vdocipher.GARBLED)


@pytest.mark.parametrize(("length", "seconds"), [(125, 125), (12.6, 13), (0, 0), (None, 0), ("12", 0), (-5, 0)])
def test_video_info_reads_the_length_in_seconds(vdo, client_, length, seconds):
    vdo.serve_video("v1", length=length)
    assert client_.video_info("v1").duration_seconds == seconds


# --- Upstream failures -----------------------------------------------------------------------------

CALLS = {
    "otp": (lambda c: c.playback("v1", viewer=VIEWER), "/api/videos/v1/otp", "POST"),
    "upload": (lambda c: c.upload_credentials(title="t"), "/api/videos", "PUT"),
    "info": (lambda c: c.video_info("v1"), "/api/videos/v1", "GET"),
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(
    ("upstream", "status", "detail"),
    [
        (400, 502, vdocipher.REFUSED),
        (401, 502, vdocipher.REFUSED),
        (403, 502, vdocipher.REFUSED),
        (404, 502, vdocipher.UNKNOWN_VIDEO),
        (429, 503, vdocipher.UNAVAILABLE),
        (500, 502, vdocipher.FAILED),
        (502, 502, vdocipher.FAILED),
        (503, 503, vdocipher.UNAVAILABLE),
        (302, 502, vdocipher.GARBLED),
    ],
)
def test_upstream_errors_are_mapped_and_their_body_is_logged_not_returned(
    vdo, client_, caplog, call, upstream, status, detail
):
    run, path, method = CALLS[call]
    vdo.server.expect_request(path, method=method).respond_with_data(UPSTREAM_BODY, status=upstream)

    with caplog.at_level(logging.WARNING, logger="videos.providers.vdocipher"):
        error = provider_error(lambda: run(client_))

    assert (error.status, error.detail) == (status, detail)
    assert UPSTREAM_BODY not in str(error)
    assert UPSTREAM_BODY in caplog.text, "the upstream body must be logged for the operators"


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("body", ["<html>Bad gateway</html>", "[1, 2, 3]", '"otp"', "", "{not json"])
def test_malformed_answers_are_a_502(vdo, client_, call, body):
    run, path, method = CALLS[call]
    vdo.server.expect_request(path, method=method).respond_with_data(body, content_type="application/json")
    error = provider_error(lambda: run(client_))
    assert (error.status, error.detail) == (502, vdocipher.GARBLED)


def test_an_otp_answer_missing_a_field_is_a_502_and_the_otp_is_not_logged(vdo, client_, caplog):
    vdo.server.expect_request("/api/videos/v1/otp", method="POST").respond_with_json({"otp": OTP})
    with caplog.at_level(logging.WARNING, logger="videos.providers.vdocipher"):
        error = provider_error(lambda: client_.playback("v1", viewer=VIEWER))
    assert error.status == 502
    assert OTP not in caplog.text and "otp" in caplog.text


def test_a_slow_otp_times_out_quickly_is_a_503_and_is_not_retried(vdo, client_, settings):
    settings.VIDEO_HTTP_READ_TIMEOUT = 0.05
    vdo.serve_otp("v1", sleep=0.4)

    started = time.monotonic()
    error = provider_error(lambda: client_.playback("v1", viewer=VIEWER))
    elapsed = time.monotonic() - started

    assert elapsed < 0.35, f"the read timeout from settings was not applied: the call took {elapsed:.2f}s"
    assert (error.status, error.detail) == (503, vdocipher.TIMED_OUT)
    assert vdo.slow.started == ["POST"]


def test_a_slow_status_times_out_after_a_bounded_number_of_attempts(vdo, client_, settings):
    settings.VIDEO_HTTP_READ_TIMEOUT = 0.05
    vdo.serve_video("v1", sleep=0.3)

    error = provider_error(lambda: client_.video_info("v1"))

    assert (error.status, error.detail) == (503, vdocipher.TIMED_OUT)
    assert vdo.slow.started == ["GET"] * (1 + vdocipher.GET_RETRIES)


def test_an_unreachable_service_is_a_503(settings, client_):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.VDOCIPHER_API_BASE = f"http://127.0.0.1:{port}/api"
    settings.VIDEO_HTTP_CONNECT_TIMEOUT = 0.2
    for call in (
        lambda: VdoCipherProvider().playback("v1", viewer=VIEWER),
        lambda: VdoCipherProvider().video_info("v1"),
    ):
        error = provider_error(call)
        assert (error.status, error.detail) == (503, vdocipher.UNREACHABLE)


def test_a_failing_get_is_retried_a_bounded_number_of_times(vdo, client_):
    vdo.server.expect_request("/api/videos/v1", method="GET").respond_with_data(UPSTREAM_BODY, status=503)
    error = provider_error(lambda: client_.video_info("v1"))
    assert error.status == 503
    assert len(vdo.requests("GET")) == 1 + vdocipher.GET_RETRIES


def test_a_get_succeeds_when_a_retry_does(vdo, client_):
    vdo.server.expect_oneshot_request("/api/videos/v1", method="GET").respond_with_data("", status=502)
    vdo.serve_video("v1", status="ready", length=30)
    assert client_.video_info("v1") == (VideoStatus.READY, 30)
    assert len(vdo.requests("GET")) == 2


@pytest.mark.parametrize("call", ["otp", "upload"])
@pytest.mark.parametrize("upstream", [500, 502, 503, 504])
def test_post_and_put_are_never_retried(vdo, client_, call, upstream):
    run, path, method = CALLS[call]
    vdo.server.expect_request(path, method=method).respond_with_data("", status=upstream)
    provider_error(lambda: run(client_))
    assert [request.method for request in vdo.requests()] == [method]


def test_concurrent_otp_requests_share_the_client_safely(vdo):
    vdo.serve_otp()
    results: list = []

    def fetch():
        results.append(VdoCipherProvider().playback("v1", viewer=VIEWER))

    threads = [threading.Thread(target=fetch) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [{"otp": OTP, "playbackInfo": PLAYBACK_INFO}] * 5
