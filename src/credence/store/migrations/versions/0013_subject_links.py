"""Links between subjects as judgements (subject_links, append-only) and the file each subject's records
are part of (organisations.file_id, derived from the judgements; None for a subject's own file)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable column: no table rebuild on SQLite, whatever the number of organisations.
    op.add_column("organisations", sa.Column("file_id", sa.Integer(), nullable=True))
    op.create_index("ix_organisations_file_id", "organisations", ["file_id"])
    op.create_table(
        "subject_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("left_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("judgement", sa.String(16), nullable=False),
        sa.Column("basis", sa.String(32), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("comparisons", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["left_id"], ["organisations.id"], name=op.f("fk_subject_links_left_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["right_id"], ["organisations.id"], name=op.f("fk_subject_links_right_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_links")),
    )
    op.create_index("ix_subject_links_pair", "subject_links", ["left_id", "right_id", "id"])
    op.create_index("ix_subject_links_right", "subject_links", ["right_id"])


def downgrade() -> None:
    op.drop_index("ix_subject_links_right", table_name="subject_links")
    op.drop_index("ix_subject_links_pair", table_name="subject_links")
    op.drop_table("subject_links")
    op.drop_index("ix_organisations_file_id", table_name="organisations")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("file_id")
