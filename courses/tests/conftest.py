"""Fixtures shared by the catalog tests."""

import pytest
from moto.server import ThreadedMotoServer

from courses.tests.fake_vdocipher import vdo, vdo_server  # noqa: F401  (pytest fixtures)


@pytest.fixture(scope="module")
def s3_server():
    """A local S3 server (moto in server mode) on the loopback interface: its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
