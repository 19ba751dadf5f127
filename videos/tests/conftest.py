"""Fixtures shared by the video tests (``s3_server`` is in the root conftest)."""

from courses.tests.conftest import b_course  # noqa: F401  (pytest fixture: the co-tutor tests' course)
from videos.tests.fake_vdocipher import vdo, vdo_server  # noqa: F401  (pytest fixtures)
