"""Each subject's forms as the linkage model compares them, kept beside it (subject_forms; derived,
filled by the next linkage run)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_forms",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.LargeBinary(16), nullable=False),
        sa.Column("forms", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_subject_forms_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_subject_forms")),
    )


def downgrade() -> None:
    op.drop_table("subject_forms")
