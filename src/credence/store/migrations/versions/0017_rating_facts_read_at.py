"""A rating keeps when its facts were read (ratings.facts_read_at), so that a rating made from older facts,
stored after a fresher one (two ratings at once), does not replace it; the ratings stored before count as
read when they were stored. On PostgreSQL, ratings' pages are filled to half (fillfactor 50), so that a
re-rating, which updates every row, writes each new version beside the old one (a heap-only update, no
new index entry)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("facts_read_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE ratings SET facts_read_at = rated_at")
    with op.batch_alter_table("ratings") as batch:
        batch.alter_column("facts_read_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ratings SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ratings RESET (fillfactor)")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("facts_read_at")
