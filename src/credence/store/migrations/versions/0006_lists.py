"""Lists with a procedure: list entries, their events, and notices about them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "list_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("list", sa.String(32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("criterion", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("decision_ref", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("hearing_requested", sa.Boolean(), nullable=False),
        sa.Column("hearing", sa.Text(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("warned_on", sa.Date(), nullable=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=True),
        sa.Column("escalated_from", sa.Integer(), sa.ForeignKey("list_entries.id"), nullable=True),
    )
    op.create_index("ix_list_entries_organisation", "list_entries", ["organisation_id"])
    op.create_index("ix_list_entries_current", "list_entries", ["list", "state", "ends_on"])
    op.create_index("ix_list_entries_record", "list_entries", ["record_id"])
    op.create_table(
        "list_entry_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("list_entries.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_list_entry_events_entry", "list_entry_events", ["entry_id", "id"])
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("list_entry_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_notices_list_entry_id_list_entries", "list_entries", ["list_entry_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint("fk_notices_list_entry_id_list_entries", type_="foreignkey")
        batch.drop_column("list_entry_id")
    op.drop_table("list_entry_events")
    op.drop_table("list_entries")
