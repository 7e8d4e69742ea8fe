"""Links between subjects are judgements, never rewrites (nomenklatura's idea).

A judgement says of two subjects `same`, `not_same` or `unsure`, and who made it: a shared identifier
(basis `identifier:<scheme>`), the model (`model`, with its probability, match weight and the weight of
each comparison), or a named clerk (`clerk`, with a reason). Judgements are appended to subject_links and
to the transparency log; nothing is updated or deleted, and no record is rewritten. The latest judgement
on a pair is the one that holds; the files follow from them (credence.subjects.clusters), so a split is a
judgement `not_same`, after which both files are exactly what they were.

Two subjects with different identifiers of one scheme (two USCCs, two LEIs) are two organisations: no
judgement may put them in one file, directly or through others.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from credence.log.events import note
from credence.log.store import Event
from credence.store.models import Organisation, SubjectLink
from credence.subjects import clusters

_orgs: Table = Organisation.__table__  # type: ignore[assignment]
_links: Table = SubjectLink.__table__  # type: ignore[assignment]
JUDGEMENTS = ("same", "not_same", "unsure")
BASES = ("identifier", "model", "clerk")


class LinkRefused(ValueError):
    """A judgement that cannot be taken: `reason` is a stable code, the message says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Judgement:
    left: int  # organisations.id; the order does not matter
    right: int
    judgement: str
    basis: str  # identifier:<scheme> | model | clerk
    actor: str
    reason: str
    probability: float | None = None
    weight: float | None = None
    comparisons: Sequence[Any] = field(default_factory=tuple)  # the model's (name, level, weight) each
    department: str | None = None  # the clerk's department (it answers an objection to the link)


@dataclass(frozen=True)
class Judged:
    id: int
    left_key: str
    right_key: str
    judgement: str
    basis: str
    changed: dict[int, int | None]  # the subjects whose file changed: their file_id now
    before: dict[int, int | None] = field(default_factory=dict)  # and what it was


def judge(conn: Connection, j: Judgement, at: datetime) -> Judged:
    """Append a judgement in the caller's transaction, note its log event, and refresh the files of its
    two subjects. The caller flushes the log (credence.log.events.flush) and commits."""
    _check(j)
    left, right = sorted((j.left, j.right))
    found = {
        row.id: row
        for row in conn.execute(
            select(_orgs.c.id, _orgs.c.key, _orgs.c.scheme, _orgs.c.code, _orgs.c.never_public).where(
                _orgs.c.id.in_([left, right])
            )
        )
    }
    for missing in (left, right):
        if missing not in found:
            raise LinkRefused("unknown_subject", f"no subject {missing}")
    a, b = found[left], found[right]
    if j.judgement == "same":
        _refuse_two_identified(conn, left, right)
    comparisons = [_comparison(c) for c in j.comparisons]
    link_id = conn.execute(
        insert(_links)
        .values(
            left_id=left,
            right_id=right,
            judgement=j.judgement,
            basis=j.basis,
            probability=j.probability,
            weight=j.weight,
            comparisons=json.dumps(comparisons, ensure_ascii=False) if comparisons else None,
            actor=j.actor,
            department=j.department,
            reason=j.reason,
            at=at,
        )
        .returning(_links.c.id)
    ).scalar_one()
    was, _ = clusters.component(conn, [left, right])
    files_before = clusters.file_ids(conn, was)
    changed = clusters.refresh(conn, [left, right])
    content: dict[str, Any] = {
        "left": a.key,
        "right": b.key,
        "judgement": j.judgement,
        "basis": j.basis,
        "actor": j.actor,
        "reason": j.reason,
    }
    if j.department is not None:
        content["department"] = j.department
    if j.probability is not None:
        content["probability"] = round(j.probability, 6)
    # Never public: a subject may be joined before any of its records is published, and nothing about it
    # is shown before its notice; the profile shows the joins of published listings.
    note(conn, Event("link.judged", f"link:{link_id}", content, organisation_id=right, public=False))
    before = {i: files_before.get(i) for i in changed}
    return Judged(link_id, a.key, b.key, j.judgement, j.basis, changed, before)


def _check(j: Judgement) -> None:
    if j.left == j.right:
        raise LinkRefused("same_subject", "a subject cannot be linked to itself")
    if j.judgement not in JUDGEMENTS:
        raise LinkRefused(
            "unknown_judgement", f"judgement '{j.judgement}' is not one of {', '.join(JUDGEMENTS)}"
        )
    if j.basis.split(":")[0] not in BASES:
        raise LinkRefused("unknown_basis", f"basis '{j.basis}' is not one of {', '.join(BASES)}")
    if not j.actor.strip():
        raise LinkRefused("actor_required", "a judgement names who made it (actor)")
    if j.basis == "clerk" and not j.reason.strip():
        raise LinkRefused("reason_required", "a clerk's judgement gives a reason")
    if j.basis == "clerk" and not (j.department or "").strip():
        raise LinkRefused("department_required", "a clerk's judgement names the clerk's department")


def _comparison(c: Any) -> dict[str, Any]:
    if isinstance(c, dict):
        return c
    return {"name": c.name, "level": c.level, "weight": round(float(c.weight), 6)}


def _refuse_two_identified(conn: Connection, left: int, right: int) -> None:
    """Refuse `same` when the file it would make holds two identifiers of one scheme."""
    members: set[int] = set()
    for side in (left, right):
        found, _ = clusters.component(conn, [side])
        members |= found
    codes: dict[str, set[str]] = {}
    rows = conn.execute(
        select(_orgs.c.scheme, _orgs.c.code).where(_orgs.c.id.in_(sorted(members)), _orgs.c.code.is_not(None))
    )
    for scheme, code in rows:
        codes.setdefault(scheme, set()).add(code)
    for scheme, found_codes in sorted(codes.items()):
        if len(found_codes) > 1:
            shown = " and ".join(f"{scheme}:{c}" for c in sorted(found_codes))
            raise LinkRefused(
                "two_identified",
                f"{shown} are two organisations: each identifier is its own, so they are never one file",
            )


def current(conn: Connection, left: int, right: int) -> Any | None:
    """The judgement that holds on a pair (the latest), or None."""
    left, right = sorted((left, right))
    c = _links.c
    query = select(_links).where(c.left_id == left, c.right_id == right).order_by(c.id.desc()).limit(1)
    return conn.execute(query).first()


def history(conn: Connection, organisation_id: int) -> list[Any]:
    """Every judgement on a pair one of whose subjects is this one, oldest first."""
    c = _links.c
    query = (
        select(_links).where((c.left_id == organisation_id) | (c.right_id == organisation_id)).order_by(c.id)
    )
    return list(conn.execute(query))
