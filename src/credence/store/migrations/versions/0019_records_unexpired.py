"""Which version of a record has expired (records.expired_version), and an index of the published records
whose current version has not, by category, severity and day: the tick finds the records whose publication
period ended without reading every record that ended before (records.repository.to_expire). The column is
filled from the 'expired' events already logged.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UNEXPIRED = sa.text(
    "noticed_at IS NOT NULL AND state = 'active' "
    "AND (expired_version IS NULL OR expired_version < current_version)"
)


def upgrade() -> None:
    op.add_column("records", sa.Column("expired_version", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE records SET expired_version = current_version WHERE EXISTS (SELECT 1 FROM record_events e "
        "WHERE e.record_id = records.id AND e.kind = 'expired' AND e.version = records.current_version)"
    )
    op.create_index(
        "ix_records_unexpired",
        "records",
        ["category", "severity", "decided_on"],
        postgresql_where=UNEXPIRED,
        sqlite_where=UNEXPIRED,
    )


def downgrade() -> None:
    op.drop_index("ix_records_unexpired", table_name="records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("expired_version")
