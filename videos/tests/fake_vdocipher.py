"""A stand-in for VdoCipher's API on a real local HTTP server (pytest-httpserver).

The real client code talks to it over HTTP: the base URL setting points here, with the
same ``/api`` prefix as ``https://dev.vdocipher.com/api``. Answers follow VdoCipher's wire
format; every request is kept in ``server.log`` for assertions.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from types import SimpleNamespace

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

API_SECRET = "test-apisecret-5b7e0c"
# Distinctive values: tests assert they never reach a caller who may not watch.
OTP = "20160313versASE323FAKEotp4b1c9d"
PLAYBACK_INFO = "eyJ2aWRlb0lkIjoiRkFLRS1QTEFZQkFDSyJ9FAKEpi"
CLIENT_PAYLOAD = {
    "policy": "eyJleHBpcmF0aW9uIjoiMjAzMC0wMS0wMVQwMDowMDowMFoifQ==",
    "key": "orig/FAKEKEY123",
    "x-amz-signature": "f00dfeed",
    "x-amz-algorithm": "AWS4-HMAC-SHA256",
    "x-amz-date": "20300101T000000Z",
    "x-amz-credential": "AKIAFAKE/20300101/ap-southeast-1/s3/aws4_request",
    "uploadLink": "https://fake-bucket.s3.amazonaws.com",
}
OTP_PATH = re.compile(r"^/api/videos/[^/]+/otp$")


def start_server() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    return server


class FakeVdoCipher:
    def __init__(self, server: HTTPServer, settings) -> None:
        self.server = server
        settings.VIDEO_PROVIDER = "vdocipher"
        settings.VIDEO_SERVICE_SECRET_KEY = API_SECRET
        settings.VDOCIPHER_API_BASE = server.url_for("/api")
        settings.VIDEO_OTP_TTL_SECONDS = 300
        settings.VIDEO_WATERMARK = True
        self.slow = SimpleNamespace(started=[], answered=threading.Semaphore(0))

    # --- Answers -------------------------------------------------------------------------------

    def serve_otp(self, video_id: str | None = None, **answer) -> None:
        """``POST /videos/{id}/otp`` (any id when None) answers ``{otp, playbackInfo}``."""
        uri = f"/api/videos/{video_id}/otp" if video_id else OTP_PATH
        body = {"otp": OTP, "playbackInfo": PLAYBACK_INFO}
        self._answer(self.server.expect_request(uri, method="POST"), lambda: body, **answer)

    def serve_upload(self, video_id: str | None = "fakevideo0001", **answer) -> None:
        """``PUT /videos`` answers upload credentials for ``video_id`` (a new id each time if None)."""
        ids = itertools.count(1)
        self._answer(
            self.server.expect_request("/api/videos", method="PUT"),
            lambda: {"clientPayload": CLIENT_PAYLOAD, "videoId": video_id or f"fakevideo{next(ids):04d}"},
            **answer,
        )

    def serve_video(self, video_id: str, *, status: str = "ready", length=125, **answer) -> None:
        """``GET /videos/{id}`` answers the video with ``status`` and ``length``; ``code``,
        ``raw`` and ``sleep`` change the HTTP answer (as for every ``serve_*``)."""
        body = {"id": video_id, "title": "clip.mp4", "status": status, "length": length, "posters": [], "tags": []}
        self._answer(self.server.expect_request(f"/api/videos/{video_id}", method="GET"), lambda: body, **answer)

    def _answer(self, handler, body, *, code: int = 200, raw: str | None = None, sleep: float = 0) -> None:
        def respond(request: Request) -> Response:
            if sleep:
                self.slow.started.append(request.method)
                time.sleep(sleep)
                self.slow.answered.release()
            if raw is not None:
                return Response(raw, status=code, content_type="text/html")
            return Response(json.dumps(body()), status=code, content_type="application/json")

        handler.respond_with_handler(respond)

    def settle(self) -> None:
        """Wait until every slow answer went out, so no late log entry spills into the next test."""
        for _ in self.slow.started:
            assert self.slow.answered.acquire(timeout=5), "a slow answer never went out"
        if self.slow.started:
            time.sleep(0.02)  # the server logs the exchange right after the handler returns

    # --- What was asked -----------------------------------------------------------------------

    def requests(self, method: str | None = None) -> list[Request]:
        return [request for request, _ in self.server.log if method is None or request.method == method]

    def otp_requests(self) -> list[Request]:
        return [r for r in self.requests("POST") if OTP_PATH.match(r.path)]


@pytest.fixture(scope="module")
def vdo_server():
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def vdo(vdo_server, settings):
    fake = FakeVdoCipher(vdo_server, settings)
    yield fake
    fake.settle()
    vdo_server.clear()
