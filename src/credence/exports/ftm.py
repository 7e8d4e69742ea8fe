"""The export in OpenSanctions' formats: FollowTheMoney entities (one JSON entity a line) and the
`targets.simple.csv` screeners load.

A subject is a `Company` (enterprises, farmers' cooperatives), a `PublicBody` (government organs and
public institutions) or an `Organization` (any other kind, and subjects known by an LEI or by name only).
A `Sanction` points at it for each adverse public record, each entry on an adverse list (with the measures
the list brings as `provisions`), each discipline measure its grade brings, and each measure in force that
gives effect here to one of its decisions published abroad (`measures.decisions`, as the checks decide).
Favourable and neutral records and honours are not sanctions: they are in the flat export only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, TextIO

import orjson
from followthemoney import ValueEntity, model

from credence.catalog import Catalog, Polarity
from credence.catalog.model import ListKind
from credence.exports.content import Snapshot
from credence.measures import decisions
from credence.measures.catalog import Measure, Measures
from credence.records.publicity import published_until
from credence.sources.opensanctions import (
    TARGETS_COLUMNS,  # the one definition of the format read and written
)

DATASET = "credence"
DATASET_TITLE = "Credence"
_COMPANY = frozenset({"enterprise", "farmers_cooperative"})
_PUBLIC_BODY = frozenset({"government_organ", "public_institution", "military_public_institution"})
_ADVERSE_LISTS = frozenset({ListKind.serious_dishonesty.value, ListKind.abnormal_operation.value})


def entity_id(*parts: str) -> str:
    """An FtM id from our own keys: letters, digits, dots and dashes only."""
    text = "-".join(("credence", *parts))
    return "".join(c if c.isascii() and (c.isalnum() or c in ".-") else "-" for c in text)


def _seen(at: datetime) -> str:
    """An instant as FtM's first_seen/last_seen write it: UTC, to the second."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _entity(schema: str, id_: str, first_seen: str, last_seen: str, last_change: str) -> ValueEntity:
    return ValueEntity(
        model[schema],
        {
            "id": id_,
            "datasets": [DATASET],
            "first_seen": first_seen,
            "last_seen": last_seen,
            "last_change": last_change,
        },
    )


def _add(entity: ValueEntity, prop: str, value: Any) -> None:
    # The values are the store's, already clean (ISO dates, lower-case country codes): added as they are,
    # and the tests validate every entity written against the schema.
    if value is None or value == "":
        return
    entity.add(prop, value.isoformat() if isinstance(value, date) else str(value), cleaned=True)


def schema_of(kind: str | None) -> str:
    if kind in _COMPANY:
        return "Company"
    if kind in _PUBLIC_BODY:
        return "PublicBody"
    return "Organization"


def entities(shown: Snapshot, catalog: Catalog, measures: Measures) -> Iterator[ValueEntity]:
    """Each subject, followed by its sanctions."""
    last_seen = _seen(shown.at)
    records_of, entries_of = shown.records_of(), shown.entries_of()
    list_measures: dict[str, list[str]] = {}
    grade_measures: dict[str, list[Any]] = {}
    for m in measures.measures.values():
        if m.incentive:
            continue
        if m.trigger.list is not None:
            list_measures.setdefault(m.trigger.list.value, []).append(f"{m.title} ({m.domain})")
        elif m.trigger.grade is not None:
            grade_measures.setdefault(m.trigger.grade, []).append(m)
    record_measures = decisions.record_measures(measures)
    for s in shown.subjects:
        own_records, own_entries = records_of.get(s.id, []), entries_of.get(s.id, [])
        changes = [r.noticed_at for r in own_records if r.noticed_at is not None]
        first_seen = _seen(s.created_at)
        last_change = _seen(max([s.created_at, *changes]))
        subject_id = entity_id(s.key)
        subject = _entity(schema_of(s.kind), subject_id, first_seen, last_seen, last_change)
        _add(subject, "name", s.name)
        _add(subject, "alias", s.alt_name)
        _add(subject, "country", (s.country or "").lower())
        _add(subject, "registrationNumber", s.code)
        if s.scheme == "uscc":
            _add(subject, "uscCode", s.code)
        elif s.scheme == "lei":
            _add(subject, "leiCode", s.code)
        grade = shown.grades.get(s.id)
        if grade is not None:
            _add(subject, "classification", f"Credence grade {grade.grade}")
        seen = (first_seen, last_seen, last_change)
        sanctions: list[ValueEntity] = []
        for r in own_records:
            category = catalog.categories[r.category]
            if category.polarity is not Polarity.adverse or category.list is not None:
                continue  # a list's own records are its entries, below
            sanctions.append(
                _sanction(
                    entity_id("record", str(r.id)),
                    subject_id,
                    seen,
                    program=category.title,
                    authority=_department(catalog, r.department),
                    authorityId=r.source_record_id,
                    reason=r.summary,
                    summary=r.legal_basis,
                    status=r.status,
                    startDate=r.decided_on,
                    endDate=published_until(catalog, r),
                    listingDate=r.noticed_at.date() if r.noticed_at else None,
                )
            )
        for e in own_entries:
            if e.list not in _ADVERSE_LISTS:
                continue
            list_category = catalog.list_category(ListKind(e.list))
            sanctions.append(
                _sanction(
                    entity_id("entry", str(e.id)),
                    subject_id,
                    seen,
                    program=list_category.title if list_category else e.list,
                    authority=_department(catalog, e.department),
                    authorityId=f"{e.list} entry {e.id}",
                    reason=e.criterion,
                    summary=e.legal_basis,
                    status=e.state,
                    startDate=e.starts_on,
                    endDate=e.ends_on,
                    provisions=list_measures.get(e.list, []),
                )
            )
        for r, m, since, until in _record_measures(shown, catalog, own_records, record_measures):
            sanctions.append(_decision_sanction(catalog, subject_id, seen, r, m, since, until))
        graded = [] if grade is None else [(grade, m) for m in grade_measures.get(grade.grade, [])]
        for rating, m in graded:
            sanctions.append(
                _sanction(
                    entity_id("measure", m.code, s.key),
                    subject_id,
                    seen,
                    program=m.title,
                    authority=_department(catalog, m.department),
                    reason=f"Credence grade {rating.grade}",
                    summary=str(m.legal_basis),
                    provisions=[f"{m.title} ({m.domain})"],
                    startDate=rating.as_of,
                )
            )
        if sanctions:
            _add(subject, "topics", "reg.action")
        if any(e.list == ListKind.serious_dishonesty.value for e in own_entries):
            _add(subject, "topics", "debarment")
        yield subject
        yield from sanctions


def _record_measures(
    shown: Snapshot, catalog: Catalog, own_records: list[Any], measures: list[Measure]
) -> Iterator[tuple[Any, Measure, date, date]]:
    """Each published record of the subject with each measure in force today that gives it effect."""
    for r in own_records:
        for m in measures:
            found = decisions.in_force(m, r, published_until(catalog, r), shown.today)
            if found is not None:
                yield r, m, *found


def _decision_sanction(
    catalog: Catalog,
    subject_id: str,
    seen: tuple[str, str, str],
    record: Any,
    measure: Measure,
    since: date,
    until: date,
) -> ValueEntity:
    """A measure giving effect to a decision abroad, as a Sanction of its own beside the decision's: it has
    its own legal basis, domain and period (the decision's, cut at its publication), as OpenSanctions
    writes each program a listing brings as its own Sanction. Decided by the record's department."""
    department = catalog.departments.get(record.department)
    listed = department.publishes if department is not None and department.publishes else None
    decision = f"{record.department}/{record.source_record_id} of {record.decided_on}"
    reason = f"Gives effect to the decision {decision}" + (f" on {listed}" if listed else "")
    return _sanction(
        entity_id("measure", measure.code, "record", str(record.id)),
        subject_id,
        seen,
        program=measure.title,
        programId=measure.code,
        authority=_department(catalog, record.department),
        authorityId=record.source_record_id,
        reason=reason,
        summary=str(measure.legal_basis),
        provisions=[f"{measure.title} ({measure.domain})"],
        startDate=since,
        endDate=until,
        listingDate=record.noticed_at.date() if record.noticed_at else None,
    )


def _sanction(id_: str, subject_id: str, seen: tuple[str, str, str], **values: Any) -> ValueEntity:
    """A Sanction on the subject, in China, with these properties (a list: each value)."""
    sanction = _entity("Sanction", id_, *seen)
    _add(sanction, "entity", subject_id)
    for prop, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            _add(sanction, prop, one)
    _add(sanction, "country", "cn")
    return sanction


def _department(catalog: Catalog, code: str) -> str:
    found = catalog.departments.get(code)
    return f"{found.name} ({code})" if found else code


def write_entities(out: Any, items: Iterable[ValueEntity]) -> None:
    for entity in items:
        out.write(orjson.dumps(entity.to_dict(), option=orjson.OPT_APPEND_NEWLINE))


def _join(values: Iterable[str]) -> str:
    """Several values in one cell, `;`-separated and quoted where needed, as OpenSanctions joins them."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(sorted(set(values)))
    return out.getvalue()


def sanction_text(sanction: ValueEntity) -> str:
    """`PROGRAM: AUTHORITY - start - end`, the form screeners read in the `sanctions` column."""
    head = ": ".join(v for v in (sanction.first("program"), sanction.first("authority")) if v)
    return " - ".join(v for v in (head, sanction.first("startDate"), sanction.first("endDate")) if v)


def write_targets(out: TextIO, items: Iterable[ValueEntity]) -> None:
    """One row per subject that has a sanction (a target), in `targets.simple.csv`'s columns."""
    writer = csv.writer(out, dialect=csv.unix_dialect)
    writer.writerow(TARGETS_COLUMNS)
    for subject, sanctions in _targets(items):
        aliases = [n for n in subject.get("name") + subject.get("alias") if n != subject.caption]
        identifiers = subject.get("registrationNumber") + subject.get("uscCode") + subject.get("leiCode")
        writer.writerow(
            [
                subject.id,
                subject.schema.name,
                subject.caption,
                _join(aliases),
                "",
                _join(subject.get("country")),
                _join(subject.get("address")),
                _join(identifiers),
                _join(sanction_text(s) for s in sanctions),
                _join(subject.get("phone")),
                _join(subject.get("email")),
                DATASET_TITLE,
                subject.first_seen,
                subject.last_seen,
                subject.last_change,
            ]
        )


def _targets(items: Iterable[ValueEntity]) -> Iterator[tuple[ValueEntity, list[ValueEntity]]]:
    subject: ValueEntity | None = None
    sanctions: list[ValueEntity] = []
    for entity in items:
        if entity.schema.name == "Sanction":
            sanctions.append(entity)
            continue
        if subject is not None and sanctions:
            yield subject, sanctions
        subject, sanctions = entity, []
    if subject is not None and sanctions:
        yield subject, sanctions
