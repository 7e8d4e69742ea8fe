"""An index on records' decision day, for the tick to find the records whose weight changes today (a decay
band ends, a rule stops counting them: credence.rating.ageing), and the day the tick last ran (tick_marks),
so that it looks only at the days since

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_decided_on", "records", ["decided_on"])
    op.create_table(
        "tick_marks",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tick_marks")),
    )


def downgrade() -> None:
    op.drop_table("tick_marks")
    op.drop_index("ix_records_decided_on", table_name="records")
