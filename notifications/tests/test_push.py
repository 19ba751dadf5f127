"""Push over real HTTP against local fakes of FCM (HTTP v1 + Google's OAuth token endpoint) and
APNs that check the request's shape and signatures, as the providers do. Dead tokens reported
by a provider delete the device; a provider's outage leaves the delivery for a retry."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug import Request, Response

from notifications import kinds, services
from notifications.models import Channel, Delivery, DeliveryStatus, Device
from notifications.push import apns, fcm

pytestmark = pytest.mark.django_db

PROJECT = "eleven-tutors-test"


def pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class FakeGoogle:
    """Google's token endpoint (JWT bearer grant) and FCM's messages:send."""

    def __init__(self, public_key, token_uri: str) -> None:
        self.public_key = public_key
        self.token_uri = token_uri
        self.minted = 0
        self.messages: list[dict] = []

    def token(self, request: Request) -> Response:
        form = parse_qs(request.get_data(as_text=True))
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        claims = jwt.decode(form["assertion"][0], self.public_key, algorithms=["RS256"], audience=self.token_uri)
        assert claims["iss"] == "push@eleven-tutors-test.iam.gserviceaccount.com"
        assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
        assert claims["exp"] - claims["iat"] == 3600
        assert jwt.get_unverified_header(form["assertion"][0])["kid"] == "key-1"
        self.minted += 1
        body = {"access_token": f"ya29.token-{self.minted}", "expires_in": 3599, "token_type": "Bearer"}
        return Response(json.dumps(body), content_type="application/json")

    def send(self, request: Request) -> Response:
        assert request.headers["Authorization"] == f"Bearer ya29.token-{self.minted}"
        assert request.headers["Content-Type"] == "application/json"
        message = request.get_json()["message"]
        assert set(message) <= {"token", "notification", "data", "webpush"}
        assert set(message["notification"]) == {"title", "body"}
        assert all(isinstance(v, str) for v in message["data"].values()), "FCM data values are strings"
        self.messages.append(message)
        token = message["token"]
        if token.startswith("gone"):
            error = {"code": 404, "status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}
            return Response(json.dumps({"error": error}), status=404, content_type="application/json")
        if token.startswith("bad"):
            error = {"code": 400, "status": "INVALID_ARGUMENT", "message": "The registration token is not valid"}
            return Response(json.dumps({"error": error}), status=400, content_type="application/json")
        if token.startswith("down"):
            return Response(json.dumps({"error": {"code": 503, "status": "UNAVAILABLE"}}), status=503)
        return Response(json.dumps({"name": f"projects/{PROJECT}/messages/{len(self.messages)}"}))


class FakeApns:
    def __init__(self, public_key) -> None:
        self.public_key = public_key
        self.pushes: list[tuple[str, dict]] = []

    def push(self, request: Request) -> Response:
        scheme, token = request.headers["authorization"].split(" ", 1)
        assert scheme == "bearer"
        assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": "ABC123DEFG", "typ": "JWT"}
        claims = jwt.decode(token, self.public_key, algorithms=["ES256"])
        assert claims["iss"] == "TEAM123456" and isinstance(claims["iat"], int)
        assert request.headers["apns-topic"] == "com.eleventutors.app"
        assert request.headers["apns-push-type"] == "alert"
        payload = request.get_json()
        assert set(payload["aps"]["alert"]) == {"title", "body"}
        device = request.path.rsplit("/", 1)[1]
        self.pushes.append((device, payload))
        if device.startswith("gone"):
            return Response(json.dumps({"reason": "Unregistered", "timestamp": 1}), status=410)
        if device.startswith("bad"):
            return Response(json.dumps({"reason": "BadDeviceToken"}), status=400)
        return Response("", status=200, headers={"apns-id": "00000000-0000-0000-0000-000000000001"})


@pytest.fixture
def fake_fcm(httpserver, settings, monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake = FakeGoogle(key.public_key(), httpserver.url_for("/token"))
    httpserver.expect_request("/token", method="POST").respond_with_handler(fake.token)
    httpserver.expect_request(f"/v1/projects/{PROJECT}/messages:send", method="POST").respond_with_handler(fake.send)
    settings.FCM_PROJECT_ID = PROJECT
    settings.FCM_BASE_URL = httpserver.url_for("").rstrip("/")
    settings.FCM_SERVICE_ACCOUNT = {
        "type": "service_account",
        "client_email": "push@eleven-tutors-test.iam.gserviceaccount.com",
        "private_key_id": "key-1",
        "private_key": pem(key),
        "token_uri": fake.token_uri,
    }
    settings.PUSH_TIMEOUT_SECONDS = 5
    monkeypatch.setattr(fcm, "_token", {"key": None, "value": "", "expires": 0.0})
    return fake


@pytest.fixture
def fake_apns(httpserver, settings, monkeypatch):
    key = ec.generate_private_key(ec.SECP256R1())
    fake = FakeApns(key.public_key())
    httpserver.expect_request(re.compile(r"^/3/device/[A-Za-z0-9]+$"), method="POST").respond_with_handler(fake.push)
    settings.APNS_BASE_URL = httpserver.url_for("").rstrip("/")
    settings.APNS_KEY_ID = "ABC123DEFG"
    settings.APNS_TEAM_ID = "TEAM123456"
    settings.APNS_PRIVATE_KEY = pem(key)
    settings.APNS_TOPIC = "com.eleventutors.app"
    monkeypatch.setattr(apns, "_token", {"key": None, "value": "", "issued": 0.0})
    return fake


def announce(user, django_capture_on_commit_callbacks, key="event:1"):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[user], kind=kinds.NEW_REVIEW, title="New review", body="5 stars", url="/c/x", dedupe_key=key
        )


def test_fcm_sends_to_android_and_web_with_one_minted_token_and_deletes_dead_tokens(
    user, fake_fcm, django_capture_on_commit_callbacks
):
    for platform, token in [("android", "ok-android-1"), ("web", "ok-web-1"), ("android", "gone-1"), ("web", "bad-1")]:
        Device.objects.create(user=user, platform=platform, token=token)

    announce(user, django_capture_on_commit_callbacks)
    announce(user, django_capture_on_commit_callbacks, key="event:2")

    assert fake_fcm.minted == 1, "the access token is kept until it expires"
    sent_to = [m["token"] for m in fake_fcm.messages]
    assert sorted(sent_to[:4]) == ["bad-1", "gone-1", "ok-android-1", "ok-web-1"]
    assert sorted(sent_to[4:]) == ["ok-android-1", "ok-web-1"], "the dead tokens were deleted after the first"
    first = fake_fcm.messages[0]
    assert first["notification"] == {"title": "New review", "body": "5 stars"}
    assert first["data"]["kind"] == kinds.NEW_REVIEW and first["data"]["url"] == "/c/x"
    assert first["webpush"] == {"fcm_options": {"link": "http://localhost:3000/c/x"}}
    assert sorted(Device.objects.values_list("token", flat=True)) == ["ok-android-1", "ok-web-1"]
    assert set(Delivery.objects.filter(channel=Channel.PUSH).values_list("status", flat=True)) == {"sent"}


def test_fcm_mints_a_new_token_when_the_old_one_expired(user, fake_fcm, django_capture_on_commit_callbacks):
    Device.objects.create(user=user, platform="android", token="ok-android-1")
    announce(user, django_capture_on_commit_callbacks)
    fcm._token["expires"] = 0.0  # an hour later
    announce(user, django_capture_on_commit_callbacks, key="event:2")
    assert fake_fcm.minted == 2


def test_apns_sends_with_a_signed_provider_token_and_deletes_dead_tokens(
    user, fake_apns, django_capture_on_commit_callbacks
):
    for token in ("a1b2c3d4e5f60718293a4b5c6d7e8f90", "gone0001", "bad00001"):
        Device.objects.create(user=user, platform="ios", token=token)

    announce(user, django_capture_on_commit_callbacks)

    assert sorted(device for device, _ in fake_apns.pushes) == sorted(
        ["a1b2c3d4e5f60718293a4b5c6d7e8f90", "gone0001", "bad00001"]
    )
    payload = fake_apns.pushes[0][1]
    assert payload["aps"]["alert"] == {"title": "New review", "body": "5 stars"}
    assert payload["kind"] == kinds.NEW_REVIEW and payload["url"] == "/c/x"
    assert list(Device.objects.values_list("token", flat=True)) == ["a1b2c3d4e5f60718293a4b5c6d7e8f90"]


def test_a_provider_outage_keeps_the_device_and_fails_the_delivery_for_a_retry(
    user, fake_fcm, django_capture_on_commit_callbacks
):
    Device.objects.create(user=user, platform="android", token="down-1")
    announce(user, django_capture_on_commit_callbacks)  # eager: the last attempt, logged
    delivery = Delivery.objects.get(channel=Channel.PUSH)
    assert delivery.status == DeliveryStatus.FAILED and "503" in delivery.error
    assert Device.objects.filter(token="down-1").exists()


def test_an_unreachable_provider_is_a_push_error_not_a_crash(
    user, settings, fake_fcm, django_capture_on_commit_callbacks
):
    settings.FCM_BASE_URL = "http://127.0.0.1:9"  # discard port: the connection is refused
    Device.objects.create(user=user, platform="android", token="ok-android-1")
    announce(user, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(channel=Channel.PUSH)
    assert delivery.status == DeliveryStatus.FAILED and "unreachable" in delivery.error


def test_without_provider_settings_push_is_skipped(user, settings, django_capture_on_commit_callbacks):
    settings.FCM_PROJECT_ID = ""
    settings.APNS_KEY_ID = ""
    Device.objects.create(user=user, platform="ios", token="a1b2c3d4e5f60718293a4b5c6d7e8f90")
    announce(user, django_capture_on_commit_callbacks)
    assert Delivery.objects.get(channel=Channel.PUSH).status == DeliveryStatus.SKIPPED
    assert Device.objects.exists()


def test_push_switched_off_sends_nothing(user, fake_fcm, django_capture_on_commit_callbacks):
    Device.objects.create(user=user, platform="android", token="ok-android-1")
    services.preferences_update(user=user, changes={kinds.NEW_REVIEW: {"push": False}})
    announce(user, django_capture_on_commit_callbacks)
    assert fake_fcm.messages == []
    assert not Delivery.objects.filter(channel=Channel.PUSH).exists()
