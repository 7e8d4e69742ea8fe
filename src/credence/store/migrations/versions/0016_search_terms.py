"""Search terms of the subjects' names (search_vocabulary, search_terms; derived: filled by `credence db
upgrade` for the subjects stored before, then by every ingest), for searches that forgive typos and read
pinyin, and an index on records for search's department and category filters

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_vocabulary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_vocabulary")),
        sa.UniqueConstraint("term", name=op.f("uq_search_vocabulary_term")),
    )
    op.create_table(
        "search_terms",
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["term_id"], ["search_vocabulary.id"], name=op.f("fk_search_terms_term_id_search_vocabulary")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_search_terms_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("term_id", "organisation_id", name=op.f("pk_search_terms")),
    )
    op.create_index(op.f("ix_search_terms_organisation_id"), "search_terms", ["organisation_id"])
    # Search's department and category filters read who has a published record from this index alone.
    op.create_index(
        "ix_records_published",
        "records",
        ["department", "category", "severity", "decided_on", "organisation_id", "state", "noticed_at"],
    )
    # The subjects already stored get their terms from `credence db upgrade` (credence.subjects.search,
    # which this layer may not import), as an ingest makes them for new ones.


def downgrade() -> None:
    op.drop_index("ix_records_published", table_name="records")
    op.drop_index(op.f("ix_search_terms_organisation_id"), table_name="search_terms")
    op.drop_table("search_terms")
    op.drop_table("search_vocabulary")
