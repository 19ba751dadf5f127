"""The video API paths, for the tests of every app (constants, not a URLconf)."""

CREDENTIALS = "/api/courses/vdocipher/upload-credentials/"
