"""The log's entries are found by what they are about (an index on ref); entries appended from now on have
version-2 leaves, which commit to an entry's public flag, ref and organisation; the version-1 entries
already in the log are sealed: their public flags, refs and organisations committed in one new entry

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Written out rather than imported from credence.log: a migration keeps the logic of its revision
# whatever the package becomes. credence.log.verify checks the seal with the same definitions.
CHUNK = 8192  # version-1 entries are sealed in chunks of this many indices
NODE_LEVEL = 4  # the smallest subtree the store keeps has 2**NODE_LEVEL leaves (migration 0010)
V1 = b"credence-log-entry/v1\n"
V2 = b"credence-log-entry/v2\n"

entries = sa.table(
    "log_entries",
    sa.column("idx", sa.BigInteger()),
    sa.column("kind", sa.String()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("ref", sa.Text()),
    sa.column("organisation_id", sa.Integer()),
    sa.column("public", sa.Boolean()),
    sa.column("content", sa.Text()),
    sa.column("salt", sa.LargeBinary()),
    sa.column("commitment", sa.LargeBinary()),
    sa.column("leaf_hash", sa.LargeBinary()),
)
organisations = sa.table("organisations", sa.column("id", sa.Integer()), sa.column("key", sa.String()))
head = sa.table(
    "log_head",
    sa.column("id", sa.Integer()),
    sa.column("size", sa.BigInteger()),
    sa.column("frontier", sa.LargeBinary()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
nodes = sa.table("log_nodes", sa.column("level"), sa.column("idx"), sa.column("hash"))


def upgrade() -> None:
    op.create_index("ix_log_entries_ref", "log_entries", ["ref", "idx"])
    _seal(op.get_bind())


def downgrade() -> None:
    # Entries with version-2 leaves stay; revision 0010's code reads every leaf as version 1.
    op.drop_index("ix_log_entries_ref", table_name="log_entries")


def _stamp(at: datetime) -> str:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _seal(conn: sa.Connection) -> None:
    """Append one entry (kind log.sealed, not public) that commits to the public flag, ref and organisation
    of every version-1 entry, as a SHA-256 over each chunk of indices, when a version-1 entry follows the
    last seal (or there is none yet). An entry's leaf is version 1 when its leaf hash is that of its index,
    kind, time and commitment with the version-1 prefix."""
    last_seal = conn.execute(
        sa.select(sa.func.max(entries.c.idx)).where(entries.c.kind == "log.sealed")
    ).scalar()
    query = (
        sa.select(
            entries.c.idx,
            entries.c.kind,
            entries.c.at,
            entries.c.ref,
            entries.c.public,
            entries.c.commitment,
            entries.c.leaf_hash,
            organisations.c.key,
        )
        .select_from(entries.outerjoin(organisations, organisations.c.id == entries.c.organisation_id))
        .order_by(entries.c.idx)
    )
    digests: dict[int, tuple[int, Any]] = {}
    v1 = unsealed = 0
    for row in conn.execute(query):
        data = f"{row.idx}\n{row.kind}\n{_stamp(row.at)}\n{bytes(row.commitment).hex()}\n".encode()
        if _leaf(V1 + data) != bytes(row.leaf_hash):
            continue
        v1 += 1
        if last_seal is None or row.idx > last_seal:
            unsealed += 1
        count, digest = digests.get(row.idx // CHUNK) or (0, hashlib.sha256())
        digest.update(f"{row.idx}\n{int(bool(row.public))}\n{row.ref}\n{row.key or ''}\n".encode())
        digests[row.idx // CHUNK] = (count + 1, digest)
    if not unsealed:
        return
    content = json.dumps(
        {
            "leaf_version": 2,
            "entries": v1,
            "chunk": CHUNK,
            "digests": [[chunk, n, digest.hexdigest()] for chunk, (n, digest) in sorted(digests.items())],
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    _append(conn, "log.sealed", "log", content)


def _append(conn: sa.Connection, kind: str, ref: str, content: str) -> None:
    """Append one entry (no organisation, not public) with a version-2 leaf, as credence.log.store does:
    the entry, the complete subtrees of 16 leaves or more it closes, and the head's new size and edge."""
    found = conn.execute(sa.select(head.c.size, head.c.frontier).where(head.c.id == 1)).first()
    size, edge = (found.size, bytes(found.frontier)) if found is not None else (0, b"")
    frontier = [edge[i : i + 32] for i in range(0, len(edge), 32)]
    at = datetime.now(UTC)
    salt = os.urandom(16)
    committed = hashlib.sha256(salt + f"{ref}\n\n".encode() + content.encode()).digest()
    leaf = _leaf(V2 + f"{size}\n{kind}\n{_stamp(at)}\n0\n{committed.hex()}\n".encode())
    conn.execute(
        entries.insert().values(
            idx=size,
            kind=kind,
            at=at,
            ref=ref,
            organisation_id=None,
            public=False,
            content=content,
            salt=salt,
            commitment=committed,
            leaf_hash=leaf,
        )
    )
    node, level, n = leaf, 0, size
    while n & 1:
        node = hashlib.sha256(b"\x01" + frontier.pop() + node).digest()
        level += 1
        n >>= 1
        if level >= NODE_LEVEL:
            conn.execute(nodes.insert().values(level=level, idx=((size + 1) >> level) - 1, hash=node))
    frontier.append(node)
    values = {"size": size + 1, "frontier": b"".join(frontier), "updated_at": at}
    if found is None:
        conn.execute(head.insert().values(id=1, **values))
    else:
        conn.execute(head.update().where(head.c.id == 1).values(**values))
