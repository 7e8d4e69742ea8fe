"""Snapshots: the tables batch work reads, as Parquet files consistent as of one size of the transparency
log, for engines outside the store (Spark). Operator data, kept locally: see docs/snapshots.md."""

from credence.snapshots.files import MANIFEST, TABLES, Manifest, SnapshotError, read_manifest
from credence.snapshots.service import take_snapshot

__all__ = ["MANIFEST", "TABLES", "Manifest", "SnapshotError", "read_manifest", "take_snapshot"]
