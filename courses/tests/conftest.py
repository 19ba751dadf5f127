"""Fixtures shared by the catalog tests."""

from courses.tests.fake_vdocipher import vdo, vdo_server  # noqa: F401  (pytest fixtures)
