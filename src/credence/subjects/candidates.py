"""The registry's subjects as the model sees them: every name a subject was submitted under (the
organisation's first-seen name and alternative name, and each record's names), its country, its
identifier (a USCC carries the old organisation code in positions 9-17, which the model compares too), and
the matching data its records carry: an address (the model's city or address line), an old organisation
code and an old registration number, each the one of its latest record that gives one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, Table, or_, select

from credence.store.models import Organisation, Record
from credence.subjects.model import Candidate

_orgs: Table = Organisation.__table__  # type: ignore[assignment]
_records: Table = Record.__table__  # type: ignore[assignment]
_CHUNK = 500


def candidates(conn: Connection, ids: Sequence[int] | None = None) -> list[Candidate]:
    """The subjects with these ids (every subject when None), in id order. Sole proprietors (never public)
    are left out: a natural person in business is never screened by name."""
    return [c for chunk in _chunks(conn, ids) for c in chunk]


def _chunks(conn: Connection, ids: Sequence[int] | None) -> Iterator[list[Candidate]]:
    o = _orgs.c
    if ids is None:
        ids = list(conn.execute(select(o.id).where(o.never_public.is_(False)).order_by(o.id)).scalars())
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        rows = conn.execute(
            select(o.id, o.scheme, o.code, o.name, o.alt_name, o.country)
            .where(o.id.in_(chunk), o.never_public.is_(False))
            .order_by(o.id)
        ).all()
        names: dict[int, list[str]] = defaultdict(list)
        for row in rows:
            names[row.id] += [n for n in (row.name, row.alt_name) if n]
        r = _records.c
        for organisation_id, name, alt_name in conn.execute(
            select(r.organisation_id, r.subject_name, r.subject_alt_name)
            .where(r.organisation_id.in_(chunk))
            .distinct()
            .order_by(r.organisation_id, r.subject_name, r.subject_alt_name)
        ):
            names[organisation_id] += [n for n in (name, alt_name) if n]
        matching: dict[int, dict[str, str]] = defaultdict(dict)
        for given in conn.execute(
            select(r.organisation_id, r.subject_address, r.subject_org_code, r.subject_registration)
            .where(
                r.organisation_id.in_(chunk),
                or_(
                    r.subject_address.is_not(None),
                    r.subject_org_code.is_not(None),
                    r.subject_registration.is_not(None),
                ),
            )
            .order_by(r.id)
        ):
            found = matching[given.organisation_id]
            for field, value in (
                ("city", given.subject_address),
                ("org_code", given.subject_org_code),
                ("registration", given.subject_registration),
            ):
                if value:
                    found[field] = value  # the latest record's wins
        yield [
            Candidate(
                id=row.id,
                names=tuple(dict.fromkeys(names[row.id])),
                country=row.country,
                uscc=row.code if row.scheme == "uscc" else None,
                lei=row.code if row.scheme == "lei" else None,
                **matching.get(row.id, {}),
            )
            for row in rows
        ]
