"""Fixtures shared by the video tests (``s3_server`` is in the root conftest)."""

from videos.tests.fake_vdocipher import vdo, vdo_server  # noqa: F401  (pytest fixtures)
