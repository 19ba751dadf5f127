"""core.throttling: what the keyed throttles count against, and the wording of a 429."""

from __future__ import annotations

import pytest
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.throttling import FailureThrottle, SubjectRateThrottle, Throttled, ThrottledDetailMixin


class PerAddress(SubjectRateThrottle):
    scope = "test_subject"


class PerAddressAndIP(FailureThrottle):
    scope = "test_subject_ip"
    key_on = ("subject", "ip")


def request_for(email, ip="10.0.0.1"):
    raw = APIRequestFactory().post("/", {"email": email}, format="json", REMOTE_ADDR=ip)
    return Request(raw, parsers=[JSONParser()])


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "test_subject": "2/min", "test_subject_ip": "2/min"}


def test_the_subject_is_case_folded_and_only_a_digest_of_it_is_in_the_cache_key():
    throttle = PerAddress()

    keys = {throttle.get_cache_key(request_for(email), None) for email in ("Ada@Example.com", " ada@example.COM ")}

    assert len(keys) == 1, f"one address in any case is one subject, got {keys}"
    key = keys.pop()
    assert "ada" not in key.lower() and "example" not in key.lower(), f"the key must not hold the address: {key}"


def test_a_subject_and_ip_key_differs_per_client_address():
    throttle = PerAddressAndIP()

    first = throttle.get_cache_key(request_for("ada@example.com", "10.0.0.1"), None)
    second = throttle.get_cache_key(request_for("ada@example.com", "10.0.0.2"), None)

    assert first != second, "the same account from two addresses is counted separately"


@pytest.mark.parametrize("email", ["", "   ", None, 42])
def test_a_request_without_a_usable_subject_is_not_counted(email):
    assert PerAddress().get_cache_key(request_for(email), None) is None


def test_a_subject_throttle_counts_every_attempt():
    throttle = PerAddress()

    allowed = [throttle.allow_request(request_for("ada@example.com", f"10.0.0.{n}"), None) for n in range(3)]

    assert allowed == [True, True, False], f"2/min per address from any IP, got {allowed}"
    assert 0 < throttle.wait() <= 60


def test_a_failure_throttle_refuses_only_after_recorded_failures():
    throttle = PerAddressAndIP()
    request = request_for("ada@example.com")

    before = [throttle.allow_request(request, None) for _ in range(3)]
    for _ in range(2):
        throttle.record_failure(request, None)

    assert before == [True, True, True], "attempts alone are free"
    assert throttle.allow_request(request, None) is False, "two failures reach the 2/min rate"


@pytest.mark.parametrize(("wait", "words"), [(1, "Try again in 1 second."), (3539.2, "Try again in 3540 seconds.")])
def test_the_429_says_when_to_retry_in_words_and_in_retry_after(wait, words):
    class View(ThrottledDetailMixin, APIView):
        throttled_detail = "Too many things."

    with pytest.raises(Throttled) as raised:
        View().throttled(None, wait)

    assert raised.value.status_code == 429
    assert str(raised.value.detail) == f"Too many things. {words}"
    assert raised.value.wait == int(words.split()[3]), "the exception handler turns wait into Retry-After"
