"""A record's matching data: the subject's address, old organisation code and old registration number
(records and record_versions; nullable, none for the records stored before)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("subject_address", sa.Text()),
    ("subject_org_code", sa.String(9)),
    ("subject_registration", sa.String(15)),
)


def upgrade() -> None:
    # Plain nullable columns: no table rebuild on SQLite, whatever the number of records.
    for table in ("records", "record_versions"):
        for name, type_ in _COLUMNS:
            op.add_column(table, sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for table in ("record_versions", "records"):
        with op.batch_alter_table(table) as batch:
            for name, _ in reversed(_COLUMNS):
                batch.drop_column(name)
