"""The transparency log keeps only subtrees of 16 leaves or more; smaller ones are computed from their leaves

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 15:00:00
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing is lost: each of these hashes is recomputed from the leaves it covers when a proof needs it.
    op.execute("DELETE FROM log_nodes WHERE level < 4")


def downgrade() -> None:
    """Rebuild the subtrees of 2, 4 and 8 leaves, which revision 0009's code expects to find stored."""
    conn = op.get_bind()
    nodes = sa.table("log_nodes", sa.column("level"), sa.column("idx"), sa.column("hash"))
    entries = conn.execute(sa.text("SELECT leaf_hash FROM log_entries ORDER BY idx"))
    group: list[bytes] = []
    first = 0
    rows: list[dict[str, object]] = []
    for (leaf,) in entries:
        group.append(bytes(leaf))
        if len(group) == 8:
            rows.extend(_small_subtrees(first, group))
            first += 8
            group = []
        if len(rows) >= 7000:
            conn.execute(nodes.insert(), rows)
            rows = []
    rows.extend(_small_subtrees(first, group))
    if rows:
        conn.execute(nodes.insert(), rows)


def _small_subtrees(first: int, leaves: list[bytes]) -> list[dict[str, object]]:
    """The complete subtrees of 2, 4 and 8 leaves among the leaves from index `first` (a multiple of 8).

    RFC 9162's node hash, SHA-256(0x01 || left || right), is written out here rather than imported from
    credence.log.merkle: a migration keeps the logic of its revision whatever the package becomes."""
    out: list[dict[str, object]] = []
    level, hashes, start = 0, leaves, first
    while len(hashes) >= 2:
        hashes = [
            hashlib.sha256(b"\x01" + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes) - 1, 2)
        ]
        level, start = level + 1, start >> 1
        out.extend({"level": level, "idx": start + i, "hash": h} for i, h in enumerate(hashes))
    return out
