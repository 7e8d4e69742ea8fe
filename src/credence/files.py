"""What the registry needs to know about a file on disk, whoever wrote it: its SHA-256, streamed.

One function for the ingest (the digest of a submitted file), the exports (the checksum published beside
each file) and the snapshots (each table's checksum in the manifest), at the bottom of the layers so that
each of them can use it without importing another."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(path: Path) -> str:
    """The file's SHA-256 as lowercase hex, read in blocks (hashlib.file_digest): a file of any size."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
