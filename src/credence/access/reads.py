"""Purpose-bound reads: every read of an organisation's non-public data names a purpose from the fixed
list, and is kept (who, which organisation, which purpose, when, what) and appended to the transparency
log in the same transaction, so the organisation sees who read its file and nobody can deny a read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from credence.access.principal import PURPOSES, Principal
from credence.log import store as log
from credence.store.models import AccessRead


class UnknownPurpose(ValueError):
    pass


def check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise UnknownPurpose(f"purpose: '{purpose}' is not one of {', '.join(PURPOSES)}")
    return purpose


def record_read(
    conn: Connection, principal: Principal, organisation_id: int, purpose: str, what: str, now: datetime
) -> None:
    """Keep one read and log it; call inside the transaction that serves it (or just before)."""
    check_purpose(purpose)
    conn.execute(
        insert(AccessRead).values(
            organisation_id=organisation_id,
            at=now,
            actor=principal.actor,
            role=principal.role.value,
            department=principal.department,
            purpose=purpose,
            what=what,
        )
    )
    content = {
        "organisation_id": organisation_id,
        "actor": principal.actor,
        "role": principal.role.value,
        "purpose": purpose,
        "what": what,
    }
    log.append(
        conn, [log.Event("access.read", f"organisation:{organisation_id}", content, organisation_id)], now
    )


def reads_of(conn: Connection, organisation_id: int, limit: int = 100) -> list[Any]:
    """The organisation's file's reads, newest first."""
    return list(
        conn.execute(
            select(AccessRead)
            .where(AccessRead.organisation_id == organisation_id)
            .order_by(AccessRead.id.desc())
            .limit(limit)
        )
    )


def all_reads(conn: Connection, limit: int = 100, before: int | None = None) -> list[Any]:
    """Every read, newest first (the auditor's view)."""
    query = select(AccessRead).order_by(AccessRead.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AccessRead.id < before)
    return list(conn.execute(query))
