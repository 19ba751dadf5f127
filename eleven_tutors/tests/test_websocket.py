"""/ws/notifications/ through the project's ASGI application (Channels' WebsocketCommunicator):
authentication by the JWT access token, the unread count on connect, a new notification
pushed at once, closed on logout and password change. The live test (a real socket against a
real daphne server) is test_websocket_live.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from eleven_tutors.asgi import application
from notifications import kinds, services
from notifications.models import Notification

# Committed data: the consumer's database_sync_to_async closes a connection it finds inside a
# transaction (as the test's would be), which is right for a server and wrong for a test.
pytestmark = pytest.mark.django_db(transaction=True)

URL = "/ws/notifications/"


def access(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def run(scenario):
    """Run an async scenario from this (the test's) thread: the ORM calls it makes through
    sync_to_async run here too, inside the test's transaction (not database_sync_to_async,
    which closes the connection it finds in a transaction: the test's)."""
    return async_to_sync(scenario)()


async def opened(path: str, **kwargs) -> tuple[WebsocketCommunicator, bool, object]:
    communicator = WebsocketCommunicator(application, path, **kwargs)
    connected, subprotocol = await communicator.connect(timeout=3)
    return communicator, connected, subprotocol


def test_connect_with_the_query_token_sends_the_unread_count(user):
    Notification.objects.create(recipient=user, kind=kinds.THREAD_REPLY, title="a", dedupe_key="1")
    Notification.objects.create(
        recipient=user, kind=kinds.THREAD_REPLY, title="b", dedupe_key="2", read_at=timezone.now()
    )

    token = access(user)

    async def scenario():
        communicator, connected, _ = await opened(f"{URL}?token={token}")
        assert connected
        assert await communicator.receive_json_from(timeout=1) == {"type": "unread_count", "unread_count": 1}
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}
        await communicator.disconnect()

    run(scenario)


def test_connect_with_the_token_as_a_subprotocol_accepts_bearer(user):
    token = access(user)

    async def scenario():
        communicator, connected, subprotocol = await opened(URL, subprotocols=["bearer", token])
        assert connected and subprotocol == "bearer"
        assert (await communicator.receive_json_from(timeout=1))["type"] == "unread_count"
        await communicator.disconnect()

    run(scenario)


def expired(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=2))
    return str(token)


@pytest.mark.parametrize(
    "make_path",
    [
        pytest.param(lambda user: URL, id="no-token"),
        pytest.param(lambda user: f"{URL}?token=not.a.jwt", id="garbage"),
        pytest.param(lambda user: f"{URL}?token={expired(user)}", id="expired"),
        pytest.param(lambda user: f"{URL}?token={RefreshToken.for_user(user)}", id="refresh-token"),
        pytest.param(lambda user: f"{URL}?token={access(user)[:-4]}abcd", id="bad-signature"),
    ],
)
def test_bad_tokens_are_refused(user, make_path):
    path = make_path(user)

    async def scenario():
        _, connected, _ = await opened(path)
        assert not connected, "the handshake is refused"

    run(scenario)


def test_tokens_issued_before_a_password_change_are_refused(user):
    token = access(user)
    user.tokens_valid_after = timezone.now() + timedelta(seconds=2)
    user.save(update_fields=["tokens_valid_after"])

    async def scenario():
        _, connected, _ = await opened(f"{URL}?token={token}")
        assert not connected

    run(scenario)


def test_an_inactive_user_is_refused(user):
    token = access(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    async def scenario():
        _, connected, _ = await opened(f"{URL}?token={token}")
        assert not connected

    run(scenario)


def test_a_new_notification_arrives_with_the_unread_count_and_only_for_its_recipient(
    user, make_user, django_capture_on_commit_callbacks
):
    other = make_user()

    def notify() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(
                recipients=[user], kind=kinds.NEW_REVIEW, title="New review", url="/courses/x", dedupe_key="r:1"
            )

    mine_token, their_token = access(user), access(other)

    async def scenario():
        mine, connected, _ = await opened(f"{URL}?token={mine_token}")
        theirs, connected_too, _ = await opened(f"{URL}?token={their_token}")
        assert connected and connected_too
        await mine.receive_json_from(timeout=1)
        await theirs.receive_json_from(timeout=1)

        await sync_to_async(notify)()

        frame = await mine.receive_json_from(timeout=1)
        assert frame["type"] == "notification" and frame["unread_count"] == 1
        assert frame["notification"]["title"] == "New review"
        assert set(frame["notification"]) == {"id", "kind", "title", "body", "url", "data", "created_at", "read_at"}
        assert await theirs.receive_nothing(timeout=0.2), "another user's socket hears nothing"

        # Read elsewhere (another tab): the count follows.
        notification = await sync_to_async(Notification.objects.get)(recipient=user)

        def read() -> None:
            with django_capture_on_commit_callbacks(execute=True):
                services.notification_mark_read(notification=notification)

        await sync_to_async(read)()
        assert await mine.receive_json_from(timeout=1) == {"type": "unread_count", "unread_count": 0}
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)


@pytest.mark.parametrize("action", ["logout", "password_change"])
def test_the_socket_is_closed_on_logout_and_password_change(user, action, django_capture_on_commit_callbacks):
    from users import services as user_services

    refresh = RefreshToken.for_user(user)

    def end_session() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            if action == "logout":
                user_services.refresh_token_blacklist(user=user, refresh=refresh)
            else:
                user_services.user_password_set(user=user, password="A-new-long-passphrase-1")

    async def scenario():
        communicator, connected, _ = await opened(f"{URL}?token={refresh.access_token}")
        assert connected
        await communicator.receive_json_from(timeout=1)
        await sync_to_async(end_session)()
        assert await communicator.receive_output(timeout=1) == {"type": "websocket.close", "code": 4001}

    run(scenario)


def test_the_socket_closes_when_the_access_token_expires(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=2))  # exp is whole seconds: at least one left

    async def scenario():
        communicator, connected, _ = await opened(f"{URL}?token={token}")
        assert connected
        await communicator.receive_json_from(timeout=1)
        assert await communicator.receive_output(timeout=4) == {"type": "websocket.close", "code": 4001}

    run(scenario)


def test_an_unknown_ws_path_is_refused(user):
    token = access(user)

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/nothing/?token={token}")
        with pytest.raises(ValueError, match="No route found"):
            await communicator.connect(timeout=1)

    run(scenario)
