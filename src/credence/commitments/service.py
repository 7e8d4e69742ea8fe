"""Making a commitment and marking it kept or broken: one transaction each, with the records they cause."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, insert, select, update

from credence.catalog import Catalog
from credence.clock import Clock, today
from credence.commitments.templates import BROKEN, MADE, Template, Templates
from credence.identity import no_organisation
from credence.log import events as log
from credence.process import repository as process_repo
from credence.process.errors import NotAllowed, NotFound, needs
from credence.process.machine import COMMITMENT
from credence.rating import repository as rating_repo
from credence.rating.service import RatingService
from credence.records.service import IngestService
from credence.settings import Settings
from credence.store.models import Commitment

commitments = cast(Table, Commitment.__table__)


@dataclass(frozen=True)
class Marked:
    commitment: Any
    breach_record_id: int | None


class CommitmentService:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        templates: Templates,
        clock: Clock,
        settings: Settings,
        rating: RatingService,
        ingest: IngestService,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.templates = templates
        self.clock = clock
        self.settings = settings
        self.rating = rating
        self.ingest = ingest

    def today(self) -> date:
        return today(self.clock, self.settings.timezone)

    def make(
        self, organisation: str, template: str, *, department: str, made_by: str, due_on: date | None = None
    ) -> Any:
        """The organisation commits in a template to a department that accepts it; the approval it goes
        with proceeds at once. The commitment is a public record (credit_commitment), noticed like any."""
        needs(made_by=made_by)
        rule = self._template(template, department)
        with self.engine.begin() as conn:
            org = rating_repo.find_organisation(conn, organisation)
            if org is None:
                raise NotFound(no_organisation(organisation))
            if made_by.strip() != f"organisation:{org.code}":
                raise NotAllowed("only the organisation itself makes its commitment (organisation:CODE)")
            if due_on is not None and due_on < self.today():
                raise NotAllowed(f"due_on {due_on.isoformat()} is in the past")
            now = self.clock.now()
            commitment_id = int(
                conn.execute(
                    insert(commitments)
                    .values(
                        organisation_id=org.id,
                        department=department,
                        template=rule.code,
                        text=rule.text,
                        state="made",
                        made_at=now,
                        made_by=made_by.strip(),
                        due_on=due_on,
                    )
                    .returning(commitments.c.id)
                ).scalar_one()
            )
            record_id = self._record(
                conn, org, department, f"COMMIT-{commitment_id}", MADE, None, rule, rule.text
            )
            conn.execute(
                update(commitments).where(commitments.c.id == commitment_id).values(record_id=record_id)
            )
            made = find(conn, commitment_id)
            log.note(conn, log.about_commitment("commitment.made", made, due_on=due_on, record_id=record_id))
            log.flush(conn, now)
            return made

    def mark(self, commitment_id: int, *, department: str, kept: bool, actor: str, reason: str) -> Marked:
        """The department finds the commitment kept, or broken: a broken one becomes a record of breach of
        the template's severity, with its notice, objection and repair like any record."""
        needs(actor=actor, reason=reason)
        # A breach's description becomes its record's summary: screened as any record's text.
        self.ingest.screen_texts(department, "commitment", {"reason": reason})
        with self.engine.begin() as conn:
            found = find(conn, commitment_id)
            if found is None:
                raise NotFound(f"no commitment {commitment_id}")
            if found.department != department:
                raise NotAllowed(
                    f"commitment {commitment_id} is marked by {found.department}, not {department}"
                )
            state = COMMITMENT.next(
                found.state, "be kept" if kept else "be broken", f"commitment {commitment_id}"
            )
            values: dict[str, Any] = {
                "state": state,
                "decided_at": self.clock.now(),
                "decided_by": actor.strip(),
                "decision_reason": reason.strip(),
            }
            breach = None
            if not kept:
                org = process_repo.organisation(conn, found.organisation_id)
                rule = self.templates.templates.get(found.template)
                if rule is None:
                    raise NotAllowed(
                        f"template '{found.template}' is no longer published; its breach has no severity"
                    )
                summary = f"Broke the commitment of {found.made_at:%Y-%m-%d}: {found.text} {reason.strip()}"
                breach = self._record(
                    conn,
                    org,
                    department,
                    f"BREACH-{commitment_id}",
                    BROKEN,
                    rule.breach_severity.value,
                    rule,
                    summary,
                )
                values["breach_record_id"] = breach
            conn.execute(update(commitments).where(commitments.c.id == commitment_id).values(**values))
            marked = find(conn, commitment_id)
            log.note(
                conn,
                log.about_commitment(
                    "commitment.settled", marked, reason=reason.strip(), breach_record_id=breach
                ),
            )
            log.flush(conn, self.clock.now())
            return Marked(marked, breach)

    def _template(self, code: str, department: str) -> Template:
        rule = self.templates.templates.get(code)
        if rule is None:
            raise NotAllowed(
                f"'{code}' is not a published commitment template ({', '.join(self.templates.templates)})"
            )
        if department not in rule.departments:
            raise NotAllowed(
                f"department {department} does not accept '{code}' ({', '.join(rule.departments)} do)"
            )
        return rule

    def _record(
        self,
        conn: Connection,
        org: Any,
        department: str,
        source_record_id: str,
        category: str,
        severity: str | None,
        rule: Template,
        summary: str,
    ) -> int:
        return self.ingest.procedure_record_in(
            conn,
            department,
            {
                "source_record_id": source_record_id,
                "category": category,
                "subject_id": org.code,
                "subject_name": org.name,
                "subject_country": org.country,
                "severity": severity,
                "decided_on": self.today().isoformat(),
                "legal_basis": str(rule.legal_basis),
                "status": "final",
                "summary": summary,
            },
            procedure="commitment",
        )


def find(conn: Connection, commitment_id: int) -> Any | None:
    return conn.execute(select(commitments).where(commitments.c.id == commitment_id)).first()


def of_organisation(conn: Connection, organisation_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(commitments)
            .where(commitments.c.organisation_id == organisation_id)
            .order_by(commitments.c.id.desc())
        )
    )


def awaiting_department(conn: Connection, department: str) -> list[Any]:
    """Commitments made to a department and not yet marked, those with a due day first."""
    return list(
        conn.execute(
            select(commitments)
            .where(commitments.c.department == department, commitments.c.state == "made")
            .order_by(commitments.c.due_on.is_(None), commitments.c.due_on, commitments.c.id)
        )
    )
