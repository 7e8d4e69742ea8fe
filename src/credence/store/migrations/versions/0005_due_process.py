"""Due process: notices (inbox and outbox), objections and credit repairs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("produced_at", TS, nullable=False),
        sa.Column("deemed_on", sa.Date(), nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("delivery", sa.String(16), nullable=True),
        sa.Column("delivered_by", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
    )
    op.create_index("ix_notices_organisation", "notices", ["organisation_id", "id"])
    op.create_index("ix_notices_record", "notices", ["record_id"])
    op.create_index("ix_notices_pending", "notices", ["delivered_at", "deemed_on"])
    op.create_table(
        "repairs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("commitment", sa.Text(), nullable=True),
        sa.Column("applied_by", sa.Text(), nullable=False),
        sa.Column("applied_at", TS, nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("decide_by", sa.Date(), nullable=False),
        sa.Column("complete_by", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_repairs_record", "repairs", ["record_id"])
    op.create_index("ix_repairs_open", "repairs", ["state", "decide_by"])
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("ground", sa.String(16), nullable=False),
        sa.Column("repair_id", sa.Integer(), sa.ForeignKey("repairs.id"), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.Text(), nullable=False),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_at", TS, nullable=True),
        sa.Column("new_information", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_objections_record", "objections", ["record_id"])
    op.create_index("ix_objections_open", "objections", ["state", "due_on"])


def downgrade() -> None:
    op.drop_table("objections")
    op.drop_table("repairs")
    op.drop_table("notices")
