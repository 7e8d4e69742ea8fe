"""The files that links make: which subjects' records are read together as one organisation's file.

A file is a connected set of subjects joined by links that hold. A link holds when the latest judgement on
its pair is `same` and it was made by a shared identifier, by a named clerk, or by the model between two
subjects that both lack an identifier. The model alone never brings a record into an identified
organisation's file: such a pair waits for a clerk (credence.subjects.links).

Each file has a head: the subject identified by a USCC, else by an LEI, else the smallest id. Members
other than the head carry organisations.file_id = head; the head and every subject alone carry None. So
the file is a pure function of the judgements: judge a pair `same` and then `not_same`, and every
subject's file_id is what it was before, whatever else the store holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, Connection, Table, bindparam, or_, select, update

from credence.store.models import Organisation, SubjectLink

_orgs: Table = Organisation.__table__  # type: ignore[assignment]
_links: Table = SubjectLink.__table__  # type: ignore[assignment]
SCHEME_RANK = {"uscc": 0, "lei": 1}  # the head of a file: a USCC, else an LEI, else the smallest id
_CHUNK = 500  # ids per IN (...): well within SQLite's and PostgreSQL's parameter limits


def holds(judgement: str, basis: str, left_scheme: str, right_scheme: str) -> bool:
    """Whether a latest judgement joins its two subjects into one file."""
    if judgement != "same":
        return False
    if basis == "model":
        return left_scheme == "unresolved" and right_scheme == "unresolved"
    return True


def head_of(members: Iterable[int], schemes: Mapping[int, str]) -> int:
    return min(members, key=lambda i: (SCHEME_RANK.get(schemes[i], 9), i))


def latest(rows: Iterable[tuple[int, int, int, str, str]]) -> dict[tuple[int, int], tuple[str, str]]:
    """(id, left, right, judgement, basis) rows: the latest judgement and basis of each pair."""
    found: dict[tuple[int, int], tuple[int, str, str]] = {}
    for link_id, left, right, judgement, basis in rows:
        pair = (left, right)
        if pair not in found or found[pair][0] < link_id:
            found[pair] = (link_id, judgement, basis)
    return {pair: (judgement, basis) for pair, (_, judgement, basis) in found.items()}


def _schemes(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(conn.execute(select(_orgs.c.id, _orgs.c.scheme).where(_orgs.c.id.in_(chunk))).all())
    return found


def _links_touching(conn: Connection, ids: list[int]) -> list[tuple[int, int, int, str, str]]:
    rows: list[tuple[int, int, int, str, str]] = []
    c = _links.c
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(c.id, c.left_id, c.right_id, c.judgement, c.basis).where(
            or_(c.left_id.in_(chunk), c.right_id.in_(chunk))
        )
        rows.extend(tuple(row) for row in conn.execute(query))
    return rows


def component(conn: Connection, seeds: Iterable[int]) -> tuple[set[int], dict[int, str]]:
    """Every subject joined to the seeds by links that hold (the seeds included), with their schemes."""
    members = set(seeds)
    schemes = _schemes(conn, members)
    frontier = sorted(members)
    while frontier:
        rows = _links_touching(conn, frontier)
        schemes.update(_schemes(conn, {r[1] for r in rows} | {r[2] for r in rows} - schemes.keys()))
        frontier = []
        for (left, right), (judgement, basis) in latest(rows).items():
            if not holds(judgement, basis, schemes[left], schemes[right]):
                continue
            for other in (left, right):
                if other not in members:
                    members.add(other)
                    frontier.append(other)
        frontier.sort()
    return members, schemes


def refresh(conn: Connection, seeds: Iterable[int]) -> dict[int, int | None]:
    """Set file_id for the files the seeds are in now (after a judgement on a pair, its two subjects:
    every subject of the file they were in before is joined to one of them still, or was only through the
    pair). The file_id of each subject that changed, as it is now."""
    changed: dict[int, int | None] = {}
    done: set[int] = set()
    for seed in sorted(set(seeds)):
        if seed in done:
            continue
        members, schemes = component(conn, [seed])
        done |= members
        changed.update(_assign(conn, members, schemes))
    return changed


def rebuild(conn: Connection) -> dict[int, int | None]:
    """Every file again from every judgement (credence link --rebuild): union-find over the links that
    hold. The file_id of each subject that changed."""
    c = _links.c
    rows = [tuple(r) for r in conn.execute(select(c.id, c.left_id, c.right_id, c.judgement, c.basis))]
    pairs = latest(rows)
    schemes = _schemes(conn, {i for pair in pairs for i in pair})
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for (left, right), (judgement, basis) in pairs.items():
        root(left), root(right)
        if holds(judgement, basis, schemes[left], schemes[right]):
            parent[root(left)] = root(right)
    groups: dict[int, set[int]] = defaultdict(set)
    for i in parent:
        groups[root(i)].add(i)
    wanted = {i: head for group in groups.values() for i in group if (head := head_of(group, schemes)) != i}
    stale = conn.execute(select(_orgs.c.id, _orgs.c.file_id).where(_orgs.c.file_id.is_not(None))).all()
    changed: dict[int, int | None] = {i: None for i, file_id in stale if wanted.get(i) != file_id}
    current = dict(stale)
    changed.update({i: head for i, head in wanted.items() if current.get(i) != head})
    _write(conn, changed)
    return changed


def _assign(conn: Connection, members: set[int], schemes: Mapping[int, str]) -> dict[int, int | None]:
    head = head_of(members, schemes)
    now = dict(
        row
        for start in range(0, len(members), _CHUNK)
        for row in conn.execute(
            select(_orgs.c.id, _orgs.c.file_id).where(_orgs.c.id.in_(sorted(members)[start : start + _CHUNK]))
        ).all()
    )
    changed = {
        i: (None if i == head else head) for i in members if now.get(i) != (None if i == head else head)
    }
    _write(conn, changed)
    return changed


def _write(conn: Connection, changed: Mapping[int, int | None]) -> None:
    if changed:
        statement = update(_orgs).where(_orgs.c.id == bindparam("subject")).values(file_id=bindparam("file"))
        conn.execute(statement, [{"subject": i, "file": f} for i, f in sorted(changed.items())])


def file_ids(conn: Connection, ids: Iterable[int]) -> dict[int, int | None]:
    """The file_id of each of these subjects."""
    ordered = sorted(set(ids))
    found: dict[int, int | None] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        found.update(conn.execute(select(_orgs.c.id, _orgs.c.file_id).where(_orgs.c.id.in_(chunk))).all())
    return found


def file_head(conn: Connection, organisation_id: int) -> int:
    """The head of the file a subject is in (itself when it is the head or alone)."""
    file_id = conn.execute(select(_orgs.c.file_id).where(_orgs.c.id == organisation_id)).scalar_one()
    return int(file_id) if file_id is not None else organisation_id


def members_query(head: int) -> CompoundSelect[tuple[int]]:
    """The subjects of the file with this head, as a subquery: the head by its primary key, and those joined
    to it by ix file_id. A union, not `id = head OR file_id = head`: with most file_ids NULL, SQLite's
    statistics make file_id look unselective, and it answered the OR by reading the whole index, once per
    profile read (benchmarks/bench_lookup.py)."""
    return (
        select(_orgs.c.id)
        .where(_orgs.c.id == head)
        .union_all(select(_orgs.c.id).where(_orgs.c.file_id == head))
    )


@dataclass(frozen=True)
class Joined:
    """A subject in a file other than its head, and the judgements that hold on its pairs in the file."""

    subject: Any  # the organisations row
    links: tuple[Any, ...]  # subject_links rows: the latest judgement on each pair that joins it


def joined(conn: Connection, head: int) -> list[Joined]:
    """Every subject joined into the file with this head, by id, with the links that join it."""
    others = list(conn.execute(select(_orgs).where(_orgs.c.file_id == head).order_by(_orgs.c.id)))
    if not others:
        return []
    ids = [head, *(o.id for o in others)]
    schemes = {head: _schemes(conn, [head])[head], **{o.id: o.scheme for o in others}}
    c = _links.c
    rows = list(conn.execute(select(_links).where(c.left_id.in_(ids), c.right_id.in_(ids)).order_by(c.id)))
    last: dict[tuple[int, int], Any] = {}
    for row in rows:
        last[(row.left_id, row.right_id)] = row
    holding = [
        row
        for row in last.values()
        if holds(row.judgement, row.basis, schemes[row.left_id], schemes[row.right_id])
    ]
    return [Joined(o, tuple(r for r in holding if o.id in (r.left_id, r.right_id))) for o in others]


def members(conn: Connection, organisation_id: int) -> list[int]:
    """The subjects of the file a subject is in, head first."""
    head = file_head(conn, organisation_id)
    others = conn.execute(select(_orgs.c.id).where(_orgs.c.file_id == head).order_by(_orgs.c.id)).scalars()
    return [head, *others]
