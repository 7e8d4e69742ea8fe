"""records.noticed_at: nothing is published, or counts in a rating, before its notice is logged

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("noticed_at")
