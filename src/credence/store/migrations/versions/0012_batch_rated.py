"""A batch keeps when the organisations whose records it added or changed were rated (ingest_batches.
rated_at), so that the rating after an ingest takes up what an earlier batch left unrated (--no-rate, a
Ctrl-C, a crash); records are found by their batch (ix_records_batch)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_batches") as batch:
        batch.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))
    # The batches stored so far count as rated: `credence rate` rates every organisation if in doubt.
    op.execute("UPDATE ingest_batches SET rated_at = COALESCE(finished_at, started_at)")
    op.create_index("ix_records_batch", "records", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_records_batch", table_name="records")
    with op.batch_alter_table("ingest_batches") as batch:
        batch.drop_column("rated_at")
