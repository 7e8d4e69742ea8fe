"""An index on records' decision day, for the tick to find the records whose weight changes today (a decay
band ends, a rule stops counting them: credence.rating.ageing)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 09:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_decided_on", "records", ["decided_on"])


def downgrade() -> None:
    op.drop_index("ix_records_decided_on", table_name="records")
