"""The notifications API: the caller's own inbox only (another user's id is a 404), filters,
read/read-all/delete, preferences and devices; query budgets on the lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import kinds
from notifications.models import Device, Notification, Preference

pytestmark = pytest.mark.django_db

BASE = "/api/notifications/"


def make(user, n=1, *, kind=kinds.THREAD_REPLY, read=False, start=None):
    start = start or timezone.now()
    return [
        Notification.objects.create(
            recipient=user,
            kind=kind,
            title=f"T{i}",
            dedupe_key=f"{kind}:{user.pk}:{i}:{start.timestamp()}",
            created_at=start + timedelta(seconds=i),
            read_at=timezone.now() if read else None,
        )
        for i in range(n)
    ]


def test_anonymous_is_401_everywhere(api_client):
    for method, url in [
        ("get", BASE),
        ("get", f"{BASE}unread-count/"),
        ("post", f"{BASE}read-all/"),
        ("post", f"{BASE}1/read/"),
        ("delete", f"{BASE}1/"),
        ("get", f"{BASE}preferences/"),
        ("patch", f"{BASE}preferences/"),
        ("get", f"{BASE}devices/"),
        ("post", f"{BASE}devices/"),
        ("delete", f"{BASE}devices/1/"),
    ]:
        assert getattr(api_client, method)(url).status_code == 401, (method, url)


def test_the_list_is_the_callers_own_newest_first_with_filters(client_for, user, make_user):
    other = make_user()
    old = make(user, 2, start=timezone.now() - timedelta(hours=1), read=True)
    new = make(user, 2, kind=kinds.NEW_REVIEW)
    make(other, 3)
    Notification.objects.create(recipient=user, kind=kinds.THREAD_REPLY, title="hidden", dedupe_key="h", in_inbox=False)

    body = client_for(user).get(BASE).json()
    assert body["count"] == 4
    assert [n["id"] for n in body["results"]] == [new[1].pk, new[0].pk, old[1].pk, old[0].pk]
    assert set(body["results"][0]) == {"id", "kind", "title", "body", "url", "data", "created_at", "read_at"}

    unread = client_for(user).get(BASE, {"unread": "true"}).json()
    assert [n["id"] for n in unread["results"]] == [new[1].pk, new[0].pk]
    by_kind = client_for(user).get(BASE, {"kind": kinds.THREAD_REPLY}).json()
    assert [n["id"] for n in by_kind["results"]] == [old[1].pk, old[0].pk]
    paged = client_for(user).get(BASE, {"page_size": 1, "page": 2}).json()
    assert [n["id"] for n in paged["results"]] == [new[0].pk] and paged["next"]


@pytest.mark.parametrize("query", [{"unread": "maybe"}, {"kind": "nonsense"}])
def test_bad_filters_are_400(client_for, user, query):
    response = client_for(user).get(BASE, query)
    assert response.status_code == 400
    assert list(response.json()) == list(query)


def test_the_inbox_costs_a_fixed_number_of_queries(client_for, user, django_assert_max_num_queries):
    make(user, 30)
    client = client_for(user)
    with django_assert_max_num_queries(3):  # the user, the count, the page
        assert client.get(BASE).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(f"{BASE}unread-count/").json() == {"count": 30}
    with django_assert_max_num_queries(3):
        assert client.post(f"{BASE}read-all/").json() == {"updated": 30}
    assert client.get(f"{BASE}unread-count/").json() == {"count": 0}


def test_read_and_delete_own_others_are_404(client_for, user, make_user):
    mine = make(user)[0]
    theirs = make(make_user())[0]
    client = client_for(user)

    assert client.post(f"{BASE}{theirs.pk}/read/").status_code == 404
    assert client.delete(f"{BASE}{theirs.pk}/").status_code == 404
    assert client.post(f"{BASE}999999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(f"{BASE}{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    first_read = response.json()["read_at"]
    assert client.post(f"{BASE}{mine.pk}/read/").json()["read_at"] == first_read, "idempotent"
    assert client.delete(f"{BASE}{mine.pk}/").status_code == 204
    assert client.delete(f"{BASE}{mine.pk}/").status_code == 404
    assert Notification.objects.filter(pk=theirs.pk).exists()


def test_read_all_touches_only_the_callers(client_for, user, make_user):
    other = make_user()
    make(user, 2)
    make(other, 2)
    assert client_for(user).post(f"{BASE}read-all/").json() == {"updated": 2}
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 2


def test_preferences_defaults_patch_and_locked_email(client_for, user, make_user, django_assert_max_num_queries):
    client = client_for(user)
    with django_assert_max_num_queries(2):
        table = client.get(f"{BASE}preferences/").json()
    assert set(table) == set(kinds.KINDS)
    assert table[kinds.THREAD_REPLY] == {
        "label": "A reply to your thread",
        "in_app": True,
        "email": True,
        "push": True,
        "email_locked": False,
    }
    assert table[kinds.REFUND_PROCESSED]["email_locked"] is True
    assert table[kinds.EMAIL_CHANGED]["email_locked"] is True

    response = client.patch(f"{BASE}preferences/", {kinds.THREAD_REPLY: {"email": False}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()[kinds.THREAD_REPLY] | {} == {
        "label": "A reply to your thread",
        "in_app": True,
        "email": False,
        "push": True,
        "email_locked": False,
    }
    assert Preference.objects.get(user=user, kind=kinds.THREAD_REPLY).email is False
    assert not Preference.objects.filter(user=make_user()).exists()

    locked = client.patch(f"{BASE}preferences/", {kinds.REFUND_PROCESSED: {"email": False}}, format="json")
    assert locked.status_code == 400
    assert kinds.REFUND_PROCESSED in locked.json()
    assert (
        client.patch(f"{BASE}preferences/", {kinds.REFUND_PROCESSED: {"push": False}}, format="json").status_code == 200
    )


@pytest.mark.parametrize(
    "body",
    [
        {"nonsense": {"email": False}},
        {kinds.THREAD_REPLY: {"email": "perhaps"}},
        {kinds.THREAD_REPLY: {}},
        {kinds.THREAD_REPLY: True},
        {},
        [],
    ],
)
def test_bad_preferences_are_400(client_for, user, body):
    response = client_for(user).patch(f"{BASE}preferences/", body, format="json")
    assert response.status_code == 400, response.content
    assert isinstance(response.json(), dict)


def test_devices_register_move_list_and_delete(client_for, user, make_user, django_assert_max_num_queries):
    other = make_user()
    token = "fcm:" + "a" * 60
    created = client_for(other).post(f"{BASE}devices/", {"platform": "android", "token": token}, format="json")
    assert created.status_code == 201, created.content
    assert "token" not in created.json()

    moved = client_for(user).post(f"{BASE}devices/", {"platform": "web", "token": token}, format="json")
    assert moved.status_code == 200
    assert Device.objects.get().user_id == user.pk, "one token belongs to one user: it moved"
    assert client_for(other).get(f"{BASE}devices/").json()["count"] == 0

    client = client_for(user)
    with django_assert_max_num_queries(3):  # the user, the count, the page
        listed = client.get(f"{BASE}devices/").json()
    assert [d["platform"] for d in listed["results"]] == ["web"]

    device_id = listed["results"][0]["id"]
    assert client_for(other).delete(f"{BASE}devices/{device_id}/").status_code == 404
    assert client.delete(f"{BASE}devices/{device_id}/").status_code == 204
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "symbian", "token": "a" * 40},
        {"platform": "ios", "token": "short"},
        {"platform": "ios", "token": "a/../../" + "a" * 30},
        {"platform": "ios"},
        {"token": "a" * 40},
    ],
)
def test_bad_devices_are_400(client_for, user, body):
    response = client_for(user).post(f"{BASE}devices/", body, format="json")
    assert response.status_code == 400, response.content
    assert not Device.objects.exists()
