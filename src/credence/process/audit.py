"""`credence audit grounds`: screen every stored record again with the catalog and screening rules in
force, and withdraw each that fails, as if it had been refused on the day it came in.

Rules change: the lexicon learns a word, a category's closed list of laws narrows. A record stored under
the old rules that the new ones refuse is withdrawn with a logged event (record.withdrawn, its reason
naming the ground or the rule, never the text), a notice to its organisation, and a re-rating. The
server runs this after the catalog or the screening rules change (`audit_if_changed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from credence.catalog import Catalog
from credence.i18n import _
from credence.log import events as log
from credence.log.store import Event
from credence.process import notices
from credence.process import repository as repo
from credence.records.validation import basis_refusal
from credence.screening import Refusal

ACTOR = "registry (audit of grounds)"
CHANGED = "screening.changed"
_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class Withdrawn:
    record_id: int
    department: str
    source_record_id: str
    field: str
    reason: (
        str  # prohibited_ground | personal_data | religious_body | trade_union | legal_basis_not_in_catalog
    )
    ground: str | None


@dataclass
class AuditReport:
    rules: str  # the catalog and screening versions the store was screened with
    screened: int = 0
    withdrawn: list[Withdrawn] = field(default_factory=list)
    organisations: set[int] = field(default_factory=set)

    def by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for w in self.withdrawn:
            key = f"{w.reason} ({w.ground})" if w.ground else w.reason
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))


def verdict(catalog: Catalog, record: Any, scheme: str) -> Refusal | None:
    """Why the rules in force would refuse this stored record (a records row), or None."""
    screen = catalog.screen
    if record.summary:
        refused = screen.text("summary", record.summary)
        if refused is not None:
            return refused
    if record.subject_address:  # matching data, never published, but free text all the same
        refused = screen.text("subject_address", record.subject_address)
        if refused is not None:
            return refused
    refused = screen.legal_basis(record.legal_basis)
    if refused is not None:
        return refused
    category = catalog.categories.get(record.category)
    if category is not None and not category.accepts_basis(record.legal_basis):
        return Refusal("legal_basis", "legal_basis_not_in_catalog", basis_refusal(category))
    if scheme != "uscc":
        return screen.subject_name(record.subject_name, record.subject_alt_name)
    return None


def audit_grounds(process: Any, on_progress: Callable[[int], None] | None = None) -> AuditReport:
    """Screen every active record; withdraw, notice and re-rate each that fails. `process` is the
    DueProcess whose catalog, rating and clock apply."""
    catalog: Catalog = process.catalog
    report = AuditReport(rules=rules_version(catalog))
    for chunk in _active_records(process.engine):
        failing = []
        for record, scheme in chunk:
            refused = verdict(catalog, record, scheme)
            if refused is not None:
                failing.append((record, refused))
        report.screened += len(chunk)
        for record, refused in failing:
            _withdraw(process, record, refused)
            report.withdrawn.append(
                Withdrawn(
                    record.id,
                    record.department,
                    record.source_record_id,
                    refused.field,
                    refused.reason,
                    refused.ground,
                )
            )
            report.organisations.add(int(record.organisation_id))
        if on_progress:
            on_progress(report.screened)
    return report


def rules_version(catalog: Catalog) -> str:
    return f"catalog {catalog.version} ({catalog.sha256[:12]}); {catalog.screen.version}"


def audit_if_changed(process: Any) -> AuditReport | None:
    """Run the audit when the catalog or the screening rules differ from the last ones it ran with (the
    first time, too). Called when a server starts."""
    with process.engine.connect() as conn:
        if last_audited(conn) == rules_version(process.catalog):
            return None
    return run_audit(process)


def run_audit(process: Any, on_progress: Callable[[int], None] | None = None) -> AuditReport:
    """The audit, then a public screening.changed event saying with which rules it ran and what it did."""
    version = rules_version(process.catalog)
    report = audit_grounds(process, on_progress)
    with process.engine.begin() as conn:
        log.note(
            conn,
            Event(
                CHANGED,
                "screening",
                {"rules": version, "screened": report.screened, "withdrawn": len(report.withdrawn)},
                None,
                True,
            ),
        )
        log.flush(conn, process.clock.now())
    return report


def last_audited(conn: Connection) -> str | None:
    """The rules the last audit ran with, from the log."""
    return log.last_field(conn, CHANGED, "rules")


def _active_records(engine: Any) -> Iterator[list[tuple[Any, str]]]:
    r, o = repo.records, repo.organisations
    after = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(r, o.c.scheme.label("scheme_"))
                .join(o, o.c.id == r.c.organisation_id)
                .where(r.c.state == "active", r.c.id > after)
                .order_by(r.c.id)
                .limit(_CHUNK)
            ).all()
        if not rows:
            return
        after = rows[-1].id
        yield [(row, str(row.scheme_)) for row in rows]


def _withdraw(process: Any, record: Any, refused: Refusal) -> None:
    why = (
        f"withdrawn by the audit of grounds: {refused.field} "
        + {
            "prohibited_ground": f"touches a prohibited ground ({refused.ground})",
            "personal_data": "carries a natural person's data",
            "legal_basis_not_in_catalog": "cites a law or article outside its category's closed list",
        }.get(refused.reason, f"names a body out of scope ({refused.reason})")
        + " under the rules in force"
    )
    now = process.clock.now()
    with process.engine.begin() as conn:
        current = repo.record(conn, record.id)
        if current.state != "active":
            return
        process.withdraw_in(conn, current, "withdrawn_on_grounds", ACTOR, why)
        notices.produce(conn, "withdrawal", current, now, process.deemed(), _told(current, refused))
        process.rerate_in(
            conn, current.organisation_id, f"record {current.id} withdrawn by the audit of grounds"
        )
        log.flush(conn, now)


def _told(record: Any, refused: Refusal) -> str:
    """The organisation's notice of a withdrawal on grounds, in the reader's language: which field and which
    kind of rule, never the text (the event's reason, kept in the log, is the English of the same words)."""
    if refused.reason == "prohibited_ground":
        why = _(
            "withdrawn by the audit of grounds: %(field)s touches a prohibited ground (%(ground)s) under the "
            "rules in force",
            field=refused.field,
            ground=refused.ground,
        )
    elif refused.reason == "personal_data":
        why = _(
            "withdrawn by the audit of grounds: %(field)s carries a natural person's data under the rules in "
            "force",
            field=refused.field,
        )
    elif refused.reason == "legal_basis_not_in_catalog":
        why = _(
            "withdrawn by the audit of grounds: %(field)s cites a law or article outside its category's "
            "closed list under the rules in force",
            field=refused.field,
        )
    else:
        why = _(
            "withdrawn by the audit of grounds: %(field)s names a body out of scope (%(reason)s) under the "
            "rules in force",
            field=refused.field,
            reason=refused.reason,
        )
    return _(
        "Your record %(record)s was withdrawn: %(why)s. Nothing of it is published, shared or counted any "
        "more.",
        record=record.source_record_id,
        why=why,
    )
