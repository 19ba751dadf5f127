"""Upload naming: every stored file gets a unique name, so no upload overwrites another."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath


def unique_upload_path(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"{folder}/{uuid.uuid4().hex}{suffix}"
