"""The meeting providers: BigBlueButton over real HTTP against a local fake that checks the
checksums, Jitsi's JWT claims, and the failure mapping (502/503), timeouts and bounded retries."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from live import services
from live.models import Attendance
from live.providers import LiveProviderError, get_provider
from live.providers.bigbluebutton import checksum
from live.tests.conftest import BBB_SECRET, session_url

pytestmark = pytest.mark.django_db


def _join_params(url: str, fake) -> dict:
    """The join URL's parameters, after checking its checksum as BigBlueButton would."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{fake.base_url}/api/join"
    params = fake.verify("join", parts.query)
    assert params is not None, f"the join URL's checksum does not verify: {url}"
    return params


def test_checksum_is_the_documented_one():
    # BigBlueButton's API docs: sha1("create" + query + secret).
    query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
    secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
    expected = hashlib.sha1(f"create{query}{secret}".encode()).hexdigest()
    assert checksum("create", query, secret) == expected == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"


def test_tutor_joins_as_moderator_and_student_as_viewer(people, make_session, client_for, clock, fake_bbb):
    session = make_session(starts_in=timedelta(minutes=10), provider="bigbluebutton")
    services.registration_create(session=session, student=people.student)

    tutor = client_for(people.tutor).get(session_url(session, "join/"))
    student = client_for(people.student).get(session_url(session, "join/"))

    assert tutor.status_code == student.status_code == 200, (tutor.content, student.content)
    meeting_id = f"11tutors-{session.room_key}"
    assert [call["valid"] for call in fake_bbb.calls] == [True, True], "create before every join, signed"
    assert list(fake_bbb.meetings) == [meeting_id]
    assert fake_bbb.meetings[meeting_id]["name"] == session.title
    moderator = _join_params(tutor.json()["join_url"], fake_bbb)
    viewer = _join_params(student.json()["join_url"], fake_bbb)
    assert (moderator["meetingID"], moderator["role"], moderator["userID"]) == (
        meeting_id,
        "MODERATOR",
        people.tutor.pk,
    )
    assert (viewer["meetingID"], viewer["role"], viewer["userID"]) == (meeting_id, "VIEWER", people.student.pk)
    assert viewer["fullName"] == people.student.full_name
    assert Attendance.objects.count() == 2


def test_sha256_checksums(people, make_session, clock, fake_bbb, settings):
    settings.BBB_CHECKSUM_ALGORITHM = fake_bbb.algorithm = "sha256"
    session = make_session(starts_in=timedelta(minutes=10), provider="bigbluebutton")
    url = get_provider("bigbluebutton").join_url(session=session, user=people.tutor, moderator=True)
    assert fake_bbb.calls[0]["valid"]
    assert len(parse_qs(urlsplit(url).query)["checksum"][0]) == 64
    assert _join_params(url, fake_bbb)["role"] == "MODERATOR"


def test_a_wrong_secret_is_refused_by_the_server_and_is_a_502(people, make_session, clock, fake_bbb, settings):
    settings.BBB_SECRET = "not-the-servers-secret"
    session = make_session(starts_in=timedelta(minutes=10), provider="bigbluebutton")
    with pytest.raises(LiveProviderError) as refused:
        get_provider("bigbluebutton").join_url(session=session, user=people.tutor, moderator=True)
    assert refused.value.status == 502
    assert fake_bbb.calls[0]["valid"] is False


@pytest.mark.parametrize(
    ("answer", "status", "detail"),
    [
        ((500, "boom"), 502, "The meeting service sent an unexpected answer."),
        ((503, "overloaded"), 503, "The meeting service is unavailable at the moment. Please try again shortly."),
        ((200, "not xml <"), 502, "The meeting service sent an unexpected answer."),
    ],
)
def test_failures_map_to_502_and_503(answer, status, detail, people, make_session, client_for, clock, fake_bbb):
    session = make_session(starts_in=timedelta(minutes=10), provider="bigbluebutton")
    fake_bbb.fail_with = answer
    response = client_for(people.tutor).get(session_url(session, "join/"))
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert not Attendance.objects.exists(), "no attendance without a join URL"


def test_retries_are_bounded_and_a_transient_failure_recovers(people, make_session, clock, fake_bbb, settings):
    settings.LIVE_HTTP_RETRIES = 2
    session = make_session(starts_in=timedelta(minutes=10), provider="bigbluebutton")
    fake_bbb.fail_with, fake_bbb.fail_times = (502, "bad gateway"), 1
    get_provider("bigbluebutton").join_url(session=session, user=people.tutor, moderator=True)
    assert len(fake_bbb.calls) == 2, "one failure, one retry that succeeded"

    fake_bbb.calls.clear()
    fake_bbb.fail_with, fake_bbb.fail_times = (502, "bad gateway"), None
    with pytest.raises(LiveProviderError):
        get_provider("bigbluebutton").join_url(session=session, user=people.tutor, moderator=True)
    assert len(fake_bbb.calls) == 3, "the first attempt and two retries, no more"


def test_a_slow_server_times_out_as_503(people, make_session, clock, fake_bbb, settings):
    settings.LIVE_HTTP_READ_TIMEOUT = 0.2
    fake_bbb.delay_seconds = 1.0
    session = make_session(starts_in=timedelta(minutes=10), provider="bigbluebutton")
    with pytest.raises(LiveProviderError) as unavailable:
        get_provider("bigbluebutton").join_url(session=session, user=people.tutor, moderator=True)
    assert unavailable.value.status == 503


def test_an_unreachable_server_is_503(people, make_session, clock, settings):
    settings.BBB_URL, settings.BBB_SECRET, settings.LIVE_HTTP_RETRIES = "http://127.0.0.1:9", BBB_SECRET, 0
    session = make_session(starts_in=timedelta(minutes=10), provider="bigbluebutton")
    with pytest.raises(LiveProviderError) as unavailable:
        get_provider("bigbluebutton").join_url(session=session, user=people.tutor, moderator=True)
    assert unavailable.value.status == 503


def test_unconfigured_provider_of_an_existing_session_is_503(
    people, make_session, client_for, clock, fake_bbb, settings
):
    session = make_session(starts_in=timedelta(minutes=10), provider="bigbluebutton")
    settings.BBB_URL = ""
    response = client_for(people.tutor).get(session_url(session, "join/"))
    assert response.status_code == 503


# --- Jitsi -----------------------------------------------------------------------------------------


@pytest.fixture
def jitsi(settings):
    settings.JITSI_DOMAIN = "meet.11tutors.test"
    settings.JITSI_APP_ID = "eleven-tutors"
    settings.JITSI_APP_SECRET = "jitsi-app-secret-for-tests-0123456789"
    return settings


@pytest.mark.parametrize("moderator", [True, False])
def test_jitsi_link_carries_a_signed_jwt_with_the_claims(moderator, people, make_session, clock, jitsi):
    session = make_session(starts_in=timedelta(minutes=10), provider="jitsi")
    user = people.tutor if moderator else people.student
    url = get_provider("jitsi").join_url(session=session, user=user, moderator=moderator)

    parts = urlsplit(url)
    room = f"11tutors-{session.room_key}"
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "meet.11tutors.test", f"/{room}")
    token = parse_qs(parts.query)["jwt"][0]
    claims = jwt.decode(
        token,
        jitsi.JITSI_APP_SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        issuer="eleven-tutors",
        options={"verify_exp": False, "verify_nbf": False},
    )
    assert claims["sub"] == "meet.11tutors.test"
    assert claims["room"] == room
    assert claims["moderator"] is moderator
    assert claims["context"]["user"] == {
        "id": user.pk,
        "name": user.full_name,
        "email": user.email,
        "moderator": moderator,
    }
    assert claims["exp"] == int((session.ends_at + timedelta(hours=1)).timestamp())
    assert claims["nbf"] <= int(clock.now.timestamp())
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-of-enough-length-000000", algorithms=["HS256"], audience="jitsi")


def test_jitsi_through_the_api(people, make_session, client_for, clock, jitsi):
    session = make_session(starts_in=timedelta(minutes=10), provider="jitsi")
    services.registration_create(session=session, student=people.student)
    response = client_for(people.student).get(session_url(session, "join/"))
    assert response.status_code == 200
    assert response.json()["join_url"].startswith(f"https://meet.11tutors.test/11tutors-{session.room_key}?jwt=")
