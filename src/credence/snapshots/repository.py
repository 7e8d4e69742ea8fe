"""The queries a snapshot runs, each streamed, and the Arrow schema of each file."""

from __future__ import annotations

from typing import cast

import pyarrow as pa
from sqlalchemy import Select, Table, select

from credence.store.models import Organisation, RatingRow, Record

_organisations = cast(Table, Organisation.__table__)
_records = cast(Table, Record.__table__)
_ratings = cast(Table, RatingRow.__table__)

_UTC = pa.timestamp("us", tz="UTC")

# Each table's query and schema, column for column. Records carry the facts rating reads
# (credence.rating.repository's _FACTS) and noticed_at: a record without it never counts or shows.
QUERIES: dict[str, tuple[Select[tuple[object, ...]], pa.Schema]] = {
    "organisations": (
        select(
            _organisations.c.id,
            _organisations.c.file_id,
            _organisations.c.key,
            _organisations.c.code,
            _organisations.c.scheme,
            _organisations.c.kind,
            _organisations.c.never_public,
        ).order_by(_organisations.c.id),
        pa.schema(
            [
                ("id", pa.int64()),
                ("file_id", pa.int64()),
                ("key", pa.string()),
                ("code", pa.string()),
                ("scheme", pa.string()),
                ("kind", pa.string()),
                ("never_public", pa.bool_()),
            ]
        ),
    ),
    "records": (
        select(
            _records.c.id,
            _records.c.organisation_id,
            _records.c.department,
            _records.c.source_record_id,
            _records.c.category,
            _records.c.severity,
            _records.c.status,
            _records.c.decided_on,
            _records.c.state,
            _records.c.noticed_at,
            _records.c.noticed_at.is_not(None),
        ).order_by(_records.c.id),
        pa.schema(
            [
                ("record_id", pa.int64()),
                ("organisation_id", pa.int64()),
                ("department", pa.string()),
                ("source_record_id", pa.string()),
                ("category", pa.string()),
                ("severity", pa.string()),
                ("status", pa.string()),
                ("decided_on", pa.date32()),
                ("state", pa.string()),
                ("noticed_at", _UTC),
                ("noticed", pa.bool_()),
            ]
        ),
    ),
    "ratings": (
        select(
            _ratings.c.organisation_id,
            _ratings.c.as_of,
            _ratings.c.score,
            _ratings.c.grade,
            _ratings.c.grade_limited_by,
            _ratings.c.reasons,
            _ratings.c.policy_version,
            _ratings.c.policy_sha256,
            _ratings.c.rated_at,
        ).order_by(_ratings.c.organisation_id),
        pa.schema(
            [
                ("organisation_id", pa.int64()),
                ("as_of", pa.date32()),
                ("score", pa.int64()),
                ("grade", pa.string()),
                ("grade_limited_by", pa.string()),
                ("reasons", pa.string()),  # JSON, as stored
                ("policy_version", pa.string()),
                ("policy_sha256", pa.string()),
                ("rated_at", _UTC),
            ]
        ),
    ),
}
