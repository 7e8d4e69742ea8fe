"""current version in the record's own row; record_versions keeps the earlier versions

Storing a new record becomes one insert instead of two (docs/benchmarks.md). Existing stores move each
record's current version from record_versions into its row; no version is lost either way.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (name, type, required) of the content and provenance columns that move into records.
COLUMNS = (
    ("subject_name", sa.Text(), True),
    ("subject_alt_name", sa.Text(), False),
    ("severity", sa.String(length=16), False),
    ("decided_on", sa.Date(), True),
    ("legal_basis", sa.Text(), True),
    ("status", sa.String(length=16), True),
    ("amount", sa.String(length=40), False),
    ("currency", sa.String(length=3), False),
    ("summary", sa.Text(), False),
    ("effective_until", sa.Date(), False),
    ("until_kind", sa.String(length=16), False),
    ("batch_id", sa.Integer(), True),
    ("line", sa.Integer(), True),
    ("received_at", sa.DateTime(timezone=True), True),
)
CURRENT = "record_versions.record_id = records.id AND record_versions.version = records.current_version"


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        for name, type_, _ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    for name, _, _ in COLUMNS:
        op.execute(
            f"UPDATE records SET {name} = "
            f"(SELECT record_versions.{name} FROM record_versions WHERE {CURRENT})"
        )
    op.execute(f"DELETE FROM record_versions WHERE EXISTS (SELECT 1 FROM records WHERE {CURRENT})")
    with op.batch_alter_table("records") as batch:
        for name, type_, required in COLUMNS:
            if required:
                batch.alter_column(name, existing_type=type_, nullable=False)
        batch.create_foreign_key(
            op.f("fk_records_batch_id_ingest_batches"), "ingest_batches", ["batch_id"], ["id"]
        )


def downgrade() -> None:
    names = [name for name, _, _ in COLUMNS]
    copied = ", ".join(names)
    op.execute(
        "INSERT INTO record_versions (record_id, version, organisation_id, category, content_hash, "
        f"file_name, {copied}) SELECT records.id, records.current_version, records.organisation_id, "
        f"records.category, records.content_hash, ingest_batches.file_name, "
        f"{', '.join('records.' + n for n in names)} FROM records "
        "JOIN ingest_batches ON ingest_batches.id = records.batch_id"
    )
    with op.batch_alter_table("records") as batch:
        batch.drop_constraint(op.f("fk_records_batch_id_ingest_batches"), type_="foreignkey")
        for name in names:
            batch.drop_column(name)
