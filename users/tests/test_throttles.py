"""Throttles that stop attackers, not classrooms: registration and login behind one campus NAT.

These run with the default rates (settings.THROTTLE_RATES as the environment leaves them)
unless a test says otherwise, so they also pin the defaults down.
"""

from __future__ import annotations

import re

import pytest

from users.models import User
from users.tests.factories import PASSWORD
from users.tests.urls import TOKEN_URL, TUTORS_URL, USERS_URL

pytestmark = pytest.mark.django_db

RETRY_DETAIL = re.compile(r"^Too many (registration|login) attempts\. Try again in (\d+) seconds?\.$")


def register(client, email, *, password=PASSWORD, url=USERS_URL, ip="10.1.0.1"):
    body = {"email": email, "password": password, "first_name": "Ada", "last_name": "Lovelace"}
    return client.post(url, body, format="json", REMOTE_ADDR=ip)


def login(client, email, password=PASSWORD, *, ip="10.2.0.1"):
    return client.post(TOKEN_URL, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def retry_seconds(response) -> int:
    """The 429's seconds, from its detail, checked against its Retry-After header."""
    assert response.status_code == 429, f"expected 429, got {response.status_code}: {response.content!r}"
    assert set(response.data) == {"detail"}, f"a 429 is DRF's {{'detail': ...}}, got {response.data!r}"
    match = RETRY_DETAIL.match(str(response.data["detail"]))
    assert match, f"the detail should say when to retry, got {response.data['detail']!r}"
    seconds = int(match.group(2))
    assert int(response["Retry-After"]) == seconds, (
        f"Retry-After {response['Retry-After']!r} should match the detail's {seconds} seconds"
    )
    return seconds


# --- registration -----------------------------------------------------------------------------


def test_a_lecture_hall_of_300_registers_from_one_address_with_the_default_rates(api_client):
    statuses = [register(api_client, f"student{n}@campus.example").status_code for n in range(300)]

    refused = [n for n, code in enumerate(statuses) if code != 201]
    assert refused == [], f"300 sign-ups behind one NAT must all succeed; refused: #{refused[:3]}..."
    assert User.objects.filter(email__endswith="@campus.example").count() == 300


def test_registration_failures_from_one_address_are_throttled_with_the_seconds_to_wait(api_client, make_user):
    taken = [make_user().email for _ in range(10)]
    statuses = [register(api_client, email).status_code for email in taken]  # "already exists"
    statuses += [register(api_client, f"weak{n}@example.com", password="123").status_code for n in range(10)]

    response = register(api_client, "valid.newcomer@example.com")

    assert statuses == [400] * 20, f"the first 20 failures are plain 400s, got {statuses}"
    seconds = retry_seconds(response)
    assert 3500 < seconds <= 3600, f"the oldest failure ages out within the hour, got {seconds}"
    assert not User.objects.filter(email="valid.newcomer@example.com").exists()


def test_registration_failures_from_one_address_do_not_throttle_another(api_client):
    for n in range(20):
        register(api_client, f"weak{n}@example.com", password="123", ip="10.1.0.1")

    response = register(api_client, "elsewhere@example.com", ip="10.1.0.2")

    assert response.status_code == 201, f"another address has its own failure budget, got {response.status_code}"


def test_successful_registrations_do_not_use_up_the_failure_budget(api_client):
    for n in range(25):
        assert register(api_client, f"ok{n}@example.com").status_code == 201

    failure = register(api_client, "weak@example.com", password="123")

    assert failure.status_code == 400, f"successes are not failures: expected 400, got {failure.status_code}"


def test_attempts_for_one_email_address_are_throttled_from_any_address(api_client):
    statuses = [
        register(api_client, "Target@Example.com" if n % 2 else "target@example.com", ip=f"10.3.0.{n}").status_code
        for n in range(5)
    ]

    response = register(api_client, " TARGET@example.COM ", ip="10.3.0.99")

    assert statuses == [201, 400, 400, 400, 400], f"one account, then 'already exists', got {statuses}"
    assert retry_seconds(response) > 3500


def test_the_email_throttle_covers_both_registration_endpoints(api_client):
    for n in range(5):
        register(api_client, "both@example.com", url=USERS_URL if n % 2 else TUTORS_URL, ip=f"10.4.0.{n}")

    response = register(api_client, "both@example.com", url=TUTORS_URL, ip="10.4.0.50")

    assert response.status_code == 429, f"both endpoints share the per-address budget, got {response.status_code}"


def test_registration_rates_come_from_the_settings(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "register_failures": "2/min", "register_email": "100/hour"}
    register(api_client, "a@example.com", password="123")
    register(api_client, "b@example.com", password="123")

    response = register(api_client, "c@example.com")

    assert response.status_code == 429, f"THROTTLE_REGISTER_FAILURES=2/min: expected 429, got {response.status_code}"
    assert 0 < int(response["Retry-After"]) <= 60


# --- login -----------------------------------------------------------------------------------


def test_five_failures_from_one_address_throttle_that_address_but_not_the_owner_elsewhere(api_client, user):
    failures = [login(api_client, user.email, "wrong-password", ip="10.5.0.1").status_code for _ in range(5)]

    sixth = login(api_client, user.email, ip="10.5.0.1")
    owner = login(api_client, user.email, ip="10.5.0.2")

    assert failures == [401] * 5, f"the first five failures are plain 401s, got {failures}"
    assert owner.status_code == 200, (
        f"someone else's failures must not lock the owner out from another address, got {owner.status_code}"
    )
    assert "access" in owner.data
    seconds = retry_seconds(sixth)
    assert 0 < seconds <= 15 * 60, f"the (account, address) window is 15 minutes, got {seconds}"


def test_past_the_account_ceiling_the_account_is_throttled_from_new_addresses_too(api_client, user, make_user):
    other = make_user()
    # 100 failures (the default ceiling), five per address: no address hits its own limit.
    for n in range(100):
        response = login(api_client, user.email, "wrong-password", ip=f"10.6.{n // 5}.1")
        assert response.status_code == 401, f"failure #{n + 1} should still be a 401, got {response.status_code}"

    response = login(api_client, user.email, ip="10.6.200.1")
    other_account = login(api_client, other.email, ip="10.6.200.1")

    assert retry_seconds(response) > 3500, "the account-wide window is an hour"
    assert other_account.status_code == 200, f"other accounts are not affected, got {other_account.status_code}"


def test_a_success_resets_the_failures_from_that_address_only(api_client, user):
    for _ in range(4):
        login(api_client, user.email, "wrong-password", ip="10.7.0.1")
    assert login(api_client, user.email, ip="10.7.0.1").status_code == 200

    statuses = [login(api_client, user.email, "wrong-password", ip="10.7.0.1").status_code for _ in range(5)]
    sixth = login(api_client, user.email, ip="10.7.0.1")

    assert statuses == [401] * 5, f"after a success the address starts from zero again, got {statuses}"
    assert sixth.status_code == 429, f"and is throttled after five new failures, got {sixth.status_code}"
