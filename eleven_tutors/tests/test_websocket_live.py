"""A real WebSocket client (``websockets``) against a real ASGI server (daphne, in a thread of
this process, on a free port of the loopback): the event arrives within a second of the HTTP
request that caused it, a bad token is refused at the handshake, logout closes the socket.

The events are caused over HTTP through the same server, as a client would: the request runs
in daphne's worker threads and its notification reaches the socket through the channel layer
(in-memory on the embedded default, Redis with REDIS_URL)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.django_db(transaction=True)


class LiveDaphne:
    """daphne's Server on 127.0.0.1:<free port>, its Twisted reactor in a daemon thread (a
    reactor runs once per process: one server for the module)."""

    def __init__(self) -> None:
        from daphne.server import Server  # installs Twisted's asyncio reactor

        from eleven_tutors.asgi import application

        self.listening = threading.Event()
        outer = self

        class Listening(Server):
            def listen_success(self, port):
                super().listen_success(port)
                outer.listening.set()

        self.server = Listening(
            application=application,
            endpoints=["tcp:port=0:interface=127.0.0.1"],
            signal_handlers=False,
            websocket_handshake_timeout=5,
        )
        self.thread = threading.Thread(target=self._run, name="daphne", daemon=True)

    def _run(self) -> None:
        from daphne.server import twisted_loop

        asyncio.set_event_loop(twisted_loop)
        self.server.run()

    def __enter__(self) -> str:
        self.thread.start()
        assert self.listening.wait(10), "daphne did not start listening within 10 s"
        host, port = self.server.listening_addresses[0]
        return f"{host}:{port}"

    def __exit__(self, *exc) -> None:
        from twisted.internet import reactor

        reactor.callFromThread(reactor.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def live_server_address():
    with LiveDaphne() as address:
        yield address


def test_a_real_socket_gets_the_event_within_a_second_and_is_closed_on_logout(live_server_address, make_user):
    user = make_user(email="before@example.com")
    refresh = RefreshToken.for_user(user)
    access = str(refresh.access_token)
    http = httpx.Client(base_url=f"http://{live_server_address}", timeout=5, headers={"Host": "localhost"})
    ws_url = f"ws://{live_server_address}/ws/notifications/"

    with pytest.raises(InvalidStatus) as refused:
        connect(f"{ws_url}?token=forged.token.value", open_timeout=5)
    assert refused.value.response.status_code == 403

    with connect(ws_url, subprotocols=["bearer", access], open_timeout=5) as socket:
        assert socket.subprotocol == "bearer"
        assert json.loads(socket.recv(timeout=2)) == {"type": "unread_count", "unread_count": 0}

        started = time.monotonic()
        changed = http.patch(
            "/api/auth/users/me/", json={"email": "after@example.com"}, headers={"Authorization": f"Bearer {access}"}
        )
        assert changed.status_code == 200, changed.text
        frame = json.loads(socket.recv(timeout=1))
        assert time.monotonic() - started < 1.5, "the event reaches the socket within a second of the request"
        assert frame["type"] == "notification" and frame["unread_count"] == 1
        assert frame["notification"]["kind"] == "email_changed"
        assert frame["notification"]["data"]["new_email"] == "after@example.com"

        logout = http.post(
            "/api/auth/logout/", json={"refresh": str(refresh)}, headers={"Authorization": f"Bearer {access}"}
        )
        assert logout.status_code == 205, logout.text
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=2)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
    http.close()
