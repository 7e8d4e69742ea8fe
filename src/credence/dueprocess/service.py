"""Due process, the one place the edges (CLI, API, web, the server's schedule) call: notices and their
delivery, objections, credit repair, withdrawal and certified reinstatement, and `tick`, which applies
what is due. Each step is one transaction with the events it leaves and the grade it changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, true

from credence.calendar import WorkingCalendar, calendar_from
from credence.catalog import Catalog
from credence.catalog.model import Polarity, Severity
from credence.clock import Clock, today
from credence.commitments.service import CommitmentService
from credence.commitments.templates import Templates, load_templates
from credence.dueprocess import links as not_us
from credence.dueprocess.links import NOT_US
from credence.i18n import N_, _
from credence.lists import repository as lists_repo
from credence.lists.config import Lists, load_lists
from credence.lists.service import ListService, ListTick
from credence.log import events as log
from credence.process import notices
from credence.process import repository as repo
from credence.process.errors import NotAllowed, NotFound, needs
from credence.process.machine import NOTICE, OBJECTION, OUTCOMES, RECORD, REPAIR, state_name
from credence.rating import repository as rating_repo
from credence.rating.service import RatingService
from credence.records import notices as record_notices
from credence.records import publicity
from credence.records import repository as records_repo
from credence.records.service import IngestService, RecordNotFound
from credence.settings import Settings

GROUNDS = ("content", "period", "repair_decision", NOT_US)
# What a department may change when it answers an objection "corrected": the decision's content, never
# the record's identity, category or subject.
CORRECTABLE = (
    "subject_name",
    "severity",
    "decided_on",
    "legal_basis",
    "status",
    "amount",
    "currency",
    "summary",
    "effective_until",
)

# The organisation's notice of an answer to its objection, by the answer; the department's reason follows,
# as it wrote it.
ANSWERED = {
    "corrected": N_("Your objection %(id)s was answered: corrected. %(reason)s"),
    "upheld": N_("Your objection %(id)s was answered: upheld. %(reason)s"),
    "withdrawn": N_("Your objection %(id)s was answered: withdrawn. %(reason)s"),
}


@dataclass
class TickResult:
    today: date
    notices_produced: int = 0
    notices_deemed: int = 0
    objections_lapsed: int = 0
    repairs_overdue: int = 0
    records_expired: int = 0
    grade_changes: int = 0
    lists: ListTick = field(default_factory=ListTick)
    organisation_ids: set[int] = field(default_factory=set)

    def lines(self) -> list[str]:
        return [
            _("notices produced: %(n)s", n=self.notices_produced),
            _("notices deemed delivered: %(n)s", n=self.notices_deemed),
            _("objections lapsed (records withdrawn): %(n)s", n=self.objections_lapsed),
            _("repair decisions overdue: %(n)s", n=self.repairs_overdue),
            _("records whose publication period ended: %(n)s", n=self.records_expired),
            *self.lists.lines(),
            _("grade changes: %(n)s", n=self.grade_changes),
        ]


class DueProcess:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        clock: Clock,
        settings: Settings,
        rating: RatingService,
        ingest: IngestService,
        calendar: WorkingCalendar | None = None,
        lists: Lists | None = None,
        templates: Templates | None = None,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.clock = clock
        self.settings = settings
        self.rating = rating
        self.ingest = ingest
        self.calendar = calendar or calendar_from(settings)
        self.lists = ListService(
            engine,
            catalog,
            lists or load_lists(catalog, settings.lists_path),
            clock,
            settings,
            rating,
            ingest,
        )
        self.commitments = CommitmentService(
            engine,
            catalog,
            templates or load_templates(catalog, settings.commitment_templates_path),
            clock,
            settings,
            rating,
            ingest,
        )

    def today(self) -> date:
        return today(self.clock, self.settings.timezone)

    # -- notices ---------------------------------------------------------------------------------------

    def deliver_notice(self, notice_id: int, *, actor: str, channel: str) -> Any:
        """Log that a notice reached its organisation: a record's notice publishes the record."""
        needs(actor=actor, channel=channel)
        with self.engine.begin() as conn:
            notice = notices.find(conn, notice_id)
            if notice is None:
                raise NotFound(_("no notice %(id)s", id=notice_id))
            NOTICE.next(
                "delivered" if notice.delivered_at else "pending",
                "be delivered",
                _("notice %(id)s", id=notice_id),
            )
            published = notices.mark_delivered(
                conn, [notice], "delivered", actor.strip(), channel.strip(), self.clock.now()
            )
            delivered = notices.find(conn, notice_id)
            self._note_delivered(conn, [delivered], published, "delivered")
            self.lists.opened(conn, [delivered])
            self._rerate(conn, notice.organisation_id, f"notice {notice_id} delivered")
            log.flush(conn, self.clock.now())
            return delivered

    def deliver_notices(
        self,
        notice_ids: Sequence[int],
        *,
        department: str,
        actor: str,
        channel: str,
        delivered_on: date | None = None,
    ) -> list[Any]:
        """deliver_notice() for several notices of one department at once, with one channel and one day
        (today when None; never after today, nor before a notice was produced), in one transaction: each
        delivery logged as one notice's delivery is. A notice that is not the department's, or that is
        already delivered, refuses the whole batch, naming it, and nothing is stored."""
        needs(actor=actor, channel=channel)
        if not notice_ids:
            raise NotAllowed(_("choose at least one notice to deliver"))
        on = self.today()
        if delivered_on is not None and delivered_on > on:
            raise NotAllowed(
                _(
                    "delivered on %(day)s: a delivery is logged on or before today (%(today)s)",
                    day=delivered_on,
                    today=on,
                )
            )
        now = self.clock.now()
        if delivered_on is not None and delivered_on < on:
            zone = ZoneInfo(self.settings.timezone)
            now = datetime.combine(delivered_on, time(12), zone).astimezone(UTC)
        with self.engine.begin() as conn:
            found = {n.id: n for n in notices.find_many(conn, sorted(set(notice_ids)))}
            chosen = []
            for notice_id in dict.fromkeys(notice_ids):
                notice = found.get(notice_id)
                if notice is None or notice.department != department:
                    raise NotFound(
                        _("notice %(id)s: no such notice in your outbox; nothing was delivered", id=notice_id)
                    )
                if notice.delivered_at is not None:
                    raise NotAllowed(
                        _("notice %(id)s is already delivered; nothing was delivered", id=notice_id)
                    )
                if (
                    delivered_on is not None
                    and delivered_on < notice.produced_at.astimezone(ZoneInfo(self.settings.timezone)).date()
                ):
                    raise NotAllowed(
                        _(
                            "notice %(id)s was produced after %(day)s; nothing was delivered",
                            id=notice_id,
                            day=delivered_on,
                        )
                    )
                chosen.append(notice)
            delivered: list[Any] = []
            for notice in chosen:  # each as one delivery is logged, in this one transaction
                published = notices.mark_delivered(
                    conn, [notice], "delivered", actor.strip(), channel.strip(), now
                )
                row = notices.find(conn, notice.id)
                self._note_delivered(conn, [row], published, "delivered")
                delivered.append(row)
            self.lists.opened(conn, delivered)
            self.rating.rate_within(
                conn,
                sorted({n.organisation_id for n in delivered}),
                f"notices {', '.join(str(n.id) for n in delivered)} delivered",
            )
            log.flush(conn, self.clock.now())
            return delivered

    def deliver_record_notice(
        self, department: str, source_record_id: str, *, actor: str, channel: str
    ) -> Any:
        """deliver_notice() for the pending notice of a record known by its department's id."""
        with self.engine.connect() as conn:
            record = self._record(conn, department, source_record_id)
            notice = notices.pending_for_record(conn, record.id)
        if notice is None:
            raise NotAllowed(
                _("record '%(record)s' has no notice awaiting delivery", record=source_record_id)
            )
        return self.deliver_notice(notice.id, actor=actor, channel=channel)

    def deliver_batch_notices(
        self, batch_ids: Sequence[int], *, actor: str, channel: str, rate: bool = True
    ) -> int:
        """Log delivery of every pending notice of these batches' records (a department that serves
        notices in bulk; the demo), then re-rate the organisations once (unless the caller rates them
        itself, as the demo does after all departments). Returns how many."""
        needs(actor=actor, channel=channel)
        now = self.clock.now()
        with self.engine.begin() as conn:
            pending = conn.execute(
                notices.select_pending().where(notices.records.c.batch_id.in_(list(batch_ids)))
            ).all()
            published = notices.mark_delivered(
                conn, pending, "delivered", actor.strip(), channel.strip(), now
            )
            self._note_delivered(conn, pending, published, "delivered")
            log.flush(conn, now)
        if pending and rate:
            self.rating.rate(
                sorted({n.organisation_id for n in pending}),
                cause=f"notices delivered for batch {', '.join(map(str, batch_ids))}",
            )
        return len(pending)

    def notice_body(self, conn: Connection, notice: Any) -> dict[str, Any]:
        record = repo.record(conn, notice.record_id) if notice.record_id is not None else None
        entry = lists_repo.find(conn, notice.list_entry_id) if notice.list_entry_id is not None else None
        organisation = repo.organisation(conn, notice.organisation_id)
        return notices.content(self.catalog, self.settings, notice, record, organisation, self.today(), entry)

    # -- withdrawal and reinstatement ------------------------------------------------------------------

    def withdraw(self, department: str, source_record_id: str, *, actor: str, reason: str) -> int:
        """Withdraw a record from publication and use; nothing is deleted. The organisation's id."""
        needs(actor=actor, reason=reason)
        with self.engine.begin() as conn:
            record = self._record(conn, department, source_record_id)
            self._withdraw(conn, record, "withdrawn", actor, reason)
            self._rerate(conn, record.organisation_id, f"record {department} / {source_record_id} withdrawn")
            log.flush(conn, self.clock.now())
            return int(record.organisation_id)

    def reinstate(
        self, department: str, source_record_id: str, *, actor: str, reason: str, certified_decision: str
    ) -> int:
        """Return a withdrawn record to use. It needs a certified decision (its reference) and a reason,
        and, like a new record, a notice: it is published again only once that notice is delivered."""
        needs(actor=actor, reason=reason, certified_decision=certified_decision)
        now = self.clock.now()
        with self.engine.begin() as conn:
            record = self._record(conn, department, source_record_id)
            RECORD.next(record.state, "be reinstated", _("record '%(record)s'", record=source_record_id))
            records_repo.set_state(conn, record.id, "active", now)
            records_repo.set_unnoticed(conn, record.id)
            why = f"certified decision {certified_decision.strip()}: {reason.strip()}"
            records_repo.add_event(
                conn, record.id, record.current_version, "reinstated", actor.strip(), why, now
            )
            # Not public: the record is published again only when the reinstatement's notice is delivered.
            log.note(
                conn,
                log.about_record(
                    "record.reinstated",
                    record,
                    public=False,
                    certified_decision=certified_decision.strip(),
                    reason=reason.strip(),
                ),
            )
            self.lists.follow_record(conn, record, "be reinstated", actor, why)
            told = _(
                "certified decision %(decision)s: %(reason)s",
                decision=certified_decision.strip(),
                reason=reason.strip(),
            )
            notices.produce(conn, "reinstatement", record, now, self._deemed(), told)
            log.flush(conn, now)
            return int(record.organisation_id)

    def withdraw_in(self, conn: Connection, record: Any, kind: str, actor: str, reason: str) -> None:
        """Withdraw a record in the caller's transaction (the audit of grounds); its event is noted."""
        self._withdraw(conn, record, kind, actor, reason)

    def rerate_in(self, conn: Connection, organisation_id: int, cause: str) -> None:
        self._rerate(conn, organisation_id, cause)

    def deemed(self) -> date:
        """The day a notice produced now is deemed delivered."""
        return self._deemed()

    def _withdraw(self, conn: Connection, record: Any, kind: str, actor: str, reason: str) -> None:
        RECORD.next(record.state, "be withdrawn", _("record '%(record)s'", record=record.source_record_id))
        now = self.clock.now()
        public = self._public(conn, record)  # as it was: a published record's withdrawal is public
        records_repo.set_state(conn, record.id, "withdrawn", now)
        records_repo.add_event(
            conn, record.id, record.current_version, kind, actor.strip(), reason.strip(), now
        )
        log.note(conn, log.about_record("record.withdrawn", record, public=public, reason=reason.strip()))
        self.lists.follow_record(conn, record, "be withdrawn", actor, reason)

    # -- objections ------------------------------------------------------------------------------------

    def object(
        self,
        department: str,
        source_record_id: str,
        *,
        ground: str,
        statement: str,
        filed_by: str,
        repair_id: int | None = None,
    ) -> Any:
        """File an objection, free of charge, acknowledged at once. `filed_by` is "organisation:CODE" (only
        the record's own organisation) or "department:CODE"."""
        needs(statement=statement, filed_by=filed_by)
        if ground not in GROUNDS:
            raise NotAllowed(
                _("ground '%(ground)s' is not one of %(grounds)s", ground=ground, grounds=", ".join(GROUNDS))
            )
        now, on = self.clock.now(), self.today()
        with self.engine.begin() as conn:
            record = self._record(conn, department, source_record_id)
            organisation = repo.organisation(conn, record.organisation_id)
            due = on + timedelta(days=self.settings.objection_answer_days)
            if ground == NOT_US:  # to the department whose clerk joined the record's listing to the file
                objector = rating_repo.find_organisation(conn, filed_by.strip().partition(":")[2])
                objection_id = not_us.object_not_us(conn, record, filed_by, objector, statement, now, on, due)
                return self._filed(conn, objection_id, record, ground, None, filed_by, due, now)
            self._check_filer(filed_by, organisation)
            if record.state != "active" and ground != "repair_decision":
                raise NotAllowed(
                    _(
                        "record '%(record)s' is %(state)s: there is nothing to object to",
                        record=source_record_id,
                        state=state_name(record.state),
                    )
                )
            if ground == "repair_decision":
                repair = self._refused_repair(conn, record, repair_id)
                repair_id = repair.id
            elif repair_id is not None:
                raise NotAllowed(_("repair_id goes only with the ground repair_decision"))
            if repo.open_objection(conn, record.id) is not None:
                raise NotAllowed(
                    _("record '%(record)s' already has an open objection", record=source_record_id)
                )
            objection_id = repo.add(
                conn,
                repo.objections,
                record_id=record.id,
                version=record.current_version,
                organisation_id=record.organisation_id,
                department=record.department,
                ground=ground,
                repair_id=repair_id,
                statement=statement.strip(),
                filed_by=filed_by.strip(),
                filed_at=now,
                filed_on=on,
                due_on=due,
                state="open",
            )
            return self._filed(conn, objection_id, record, ground, repair_id, filed_by, due, now)

    def _filed(
        self,
        conn: Connection,
        objection_id: int,
        record: Any,
        ground: str,
        repair_id: int | None,
        filed_by: str,
        due: date,
        now: Any,
    ) -> Any:
        """An objection stored: the record's history and the log say so."""
        objection = repo.find(conn, repo.objections, objection_id)
        assert objection is not None, f"objection {objection_id} was just stored"
        records_repo.add_event(
            conn,
            record.id,
            record.current_version,
            "objection_filed",
            filed_by.strip(),
            f"objection {objection_id} ({ground}): {objection.statement}",
            now,
        )
        log.note(
            conn,
            log.about_row(
                "objection.filed",
                "objection",
                objection,
                record,
                public=self._public(conn, record),  # a published record shows "under objection"
                ground=ground,
                repair_id=repair_id,
                filed_by=filed_by.strip(),
                due_on=due,
            ),
        )
        log.flush(conn, now)
        return objection

    def extend_objection(self, objection_id: int, *, new_information: str, filed_by: str) -> Any:
        """The organisation brings new information: the deadline moves once, by the extension days."""
        needs(new_information=new_information, filed_by=filed_by)
        with self.engine.begin() as conn:
            objection = self._objection(conn, objection_id)
            organisation = repo.organisation(conn, objection.organisation_id)
            if filed_by.strip() != f"organisation:{organisation.code}":
                raise NotAllowed(_("only the organisation the record concerns brings new information"))
            state = OBJECTION.next(objection.state, "be extended", _("objection %(id)s", id=objection_id))
            due = objection.due_on + timedelta(days=self.settings.objection_extension_days)
            repo.change(
                conn,
                repo.objections,
                objection_id,
                state=state,
                extended_at=self.clock.now(),
                new_information=new_information.strip(),
                due_on=due,
            )
            extended = repo.find(conn, repo.objections, objection_id)
            record = repo.record(conn, objection.record_id)
            log.note(
                conn,
                log.about_row(
                    "objection.extended",
                    "objection",
                    extended,
                    record,
                    public=self._public(conn, record),
                    due_on=due,
                ),
            )
            log.flush(conn, self.clock.now())
            return extended

    def answer_objection(
        self,
        objection_id: int,
        *,
        department: str,
        outcome: str,
        actor: str,
        reason: str,
        corrections: dict[str, Any] | None = None,
    ) -> Any:
        """The submitting department answers: corrected (a new version of the record, or, for a repair
        decision, the repair approved), upheld, or withdrawn. The organisation gets a notice of it."""
        needs(actor=actor, reason=reason)
        if outcome not in OUTCOMES:
            raise NotAllowed(
                _(
                    "outcome '%(outcome)s' is not one of %(outcomes)s",
                    outcome=outcome,
                    outcomes=", ".join(OUTCOMES),
                )
            )
        now = self.clock.now()
        # The answer's reason reaches the organisation's notice and the record's history: screened as a
        # record's own text is, and a correction's new content is screened as a submission.
        self.ingest.screen_texts(department, "objection answer", {"reason": reason})
        with self.ingest.refusals_logged(department, "objection answer"), self.engine.begin() as conn:
            objection = self._objection(conn, objection_id)
            if department != objection.department:
                raise NotAllowed(
                    _(
                        "objection %(id)s is for %(department)s to answer, not %(you)s",
                        id=objection_id,
                        department=objection.department,
                        you=department,
                    )
                )
            state = OBJECTION.next(
                objection.state, f"be answered {outcome}", _("objection %(id)s", id=objection_id)
            )
            if objection.ground == NOT_US:
                return self._answer_not_us(conn, objection, state, outcome, actor, reason, corrections)
            record = self._note_answered(conn, objection, state, reason.strip())
            if outcome == "corrected" and objection.ground != "repair_decision":
                if not corrections:
                    raise NotAllowed(_("a correction needs the corrected fields"))
                self._correct(conn, record, corrections, objection_id)
            elif corrections:
                raise NotAllowed(_("corrected fields go only with the outcome corrected"))
            if outcome == "corrected" and objection.ground == "repair_decision":
                repair = repo.find(conn, repo.repairs, objection.repair_id)
                self._approve(
                    conn, repair, record, actor, f"refusal reversed on objection {objection_id}: {reason}"
                )
            if outcome == "withdrawn":
                self._withdraw(
                    conn, record, "withdrawn", actor, f"objection {objection_id} answered: {reason}"
                )
            self._decided(conn, repo.objections, objection_id, state, actor, reason)
            record = repo.record(conn, objection.record_id)
            records_repo.add_event(
                conn,
                record.id,
                record.current_version,
                f"objection_{state}",
                actor.strip(),
                f"objection {objection_id}: {reason.strip()}",
                now,
            )
            notices.produce(
                conn,
                "objection",
                record,
                now,
                self._deemed(),
                _(ANSWERED[state], id=objection_id, reason=reason.strip()),
            )
            self._rerate(conn, record.organisation_id, f"objection {objection_id} answered {state}")
            log.flush(conn, now)
            return repo.find(conn, repo.objections, objection_id)

    def _answer_not_us(
        self,
        conn: Connection,
        objection: Any,
        state: str,
        outcome: str,
        actor: str,
        reason: str,
        corrections: dict[str, Any] | None,
    ) -> Any:
        """ "Not about us", answered: corrected splits the link, upheld keeps it; withdrawing the listing's
        record is not the answer (it is the publisher's, and about someone)."""
        if outcome == "withdrawn" or corrections:
            raise NotAllowed(
                _(
                    "objection %(id)s says a record is not about the organisation: answer corrected (the "
                    "link is split) or upheld (it stands)",
                    id=objection.id,
                )
            )
        now = self.clock.now()
        record = self._note_answered(conn, objection, state, reason.strip())
        self._decided(conn, repo.objections, objection.id, state, actor, reason)
        records_repo.add_event(
            conn,
            record.id,
            record.current_version,
            f"objection_{state}",
            actor.strip(),
            f"objection {objection.id}: {reason.strip()}",
            now,
        )
        touched = not_us.settle_not_us(
            conn, objection, outcome == "corrected", actor.strip(), reason.strip(), now, self._deemed()
        )
        self.rating.rate_within(conn, touched, f"objection {objection.id} answered {state}")
        log.flush(conn, now)
        return repo.find(conn, repo.objections, objection.id)

    def _correct(self, conn: Connection, record: Any, corrections: dict[str, Any], objection_id: int) -> None:
        unknown = sorted(set(corrections) - set(CORRECTABLE))
        if unknown:
            raise NotAllowed(
                _(
                    "field %(fields)s cannot be corrected; a correction may change %(correctable)s",
                    fields=", ".join(unknown),
                    correctable=", ".join(CORRECTABLE),
                )
            )
        organisation = repo.organisation(conn, record.organisation_id)
        row = interchange_row(record, organisation)
        row.update(corrections)
        self.ingest.correct_in(conn, record.department, row, file_name=f"objection-{objection_id}")

    # -- credit repair ---------------------------------------------------------------------------------

    def apply_repair(
        self, department: str, source_record_id: str, *, evidence: str, commitment: str, applied_by: str
    ) -> Any:
        """The organisation applies to repair its credit on an adverse record, free of charge: evidence that
        the duty is fulfilled and, for general and serious records, a public commitment."""
        needs(evidence=evidence, applied_by=applied_by)
        now, on = self.clock.now(), self.today()
        with self.engine.begin() as conn:
            record = self._record(conn, department, source_record_id)
            organisation = repo.organisation(conn, record.organisation_id)
            if applied_by.strip() != f"organisation:{organisation.code}":
                raise NotAllowed(_("only the organisation the record concerns applies to repair it"))
            category = self.catalog.categories[record.category]
            if category.polarity is not Polarity.adverse:
                raise NotAllowed(
                    _(
                        "record '%(record)s' is not adverse: there is nothing to repair",
                        record=source_record_id,
                    )
                )
            if record.state != "active":
                raise NotAllowed(
                    _(
                        "record '%(record)s' is %(state)s: there is nothing to repair",
                        record=source_record_id,
                        state=state_name(record.state),
                    )
                )
            severity = Severity(record.severity) if category.severity_applies and record.severity else None
            if severity is not Severity.minor and not commitment.strip():
                raise NotAllowed(
                    _("a repair needs a public commitment (only a minor record is repaired without one)")
                )
            earliest = record.decided_on + timedelta(days=category.period(severity).min_days)
            if on < earliest:
                raise NotAllowed(
                    _(
                        "record '%(record)s' can be repaired from %(day)s, when its minimum publication "
                        "period has passed",
                        record=source_record_id,
                        day=earliest.isoformat(),
                    )
                )
            if repo.open_repair(conn, record.id) is not None:
                raise NotAllowed(
                    _(
                        "record '%(record)s' already has a repair application awaiting decision",
                        record=source_record_id,
                    )
                )
            decide_by = self.calendar.add_working_days(on, self.settings.repair_decision_working_days)
            complete_by = self.calendar.add_working_days(on, self.settings.repair_total_working_days)
            repair_id = repo.add(
                conn,
                repo.repairs,
                record_id=record.id,
                organisation_id=record.organisation_id,
                department=record.department,
                evidence=evidence.strip(),
                commitment=commitment.strip() or None,
                applied_by=applied_by.strip(),
                applied_at=now,
                applied_on=on,
                decide_by=decide_by,
                complete_by=complete_by,
                state="applied",
            )
            records_repo.add_event(
                conn,
                record.id,
                record.current_version,
                "repair_applied",
                applied_by.strip(),
                f"repair {repair_id}: {evidence.strip()}",
                now,
            )
            repair = repo.find(conn, repo.repairs, repair_id)
            log.note(
                conn,
                log.about_row(
                    "repair.applied",
                    "repair",
                    repair,
                    record,
                    public=self._public(conn, record),
                    decide_by=decide_by,
                    complete_by=complete_by,
                ),
            )
            log.flush(conn, now)
            return repair

    def decide_repair(
        self, repair_id: int, *, department: str, approve: bool, actor: str, reason: str
    ) -> Any:
        """Approve (publication, sharing and every measure based on the record end and the grade is
        recomputed, at once and in one transaction) or refuse with reasons (which may be objected to)."""
        needs(actor=actor, reason=reason)
        with self.engine.begin() as conn:
            repair = repo.find(conn, repo.repairs, repair_id)
            if repair is None:
                raise NotFound(_("no repair application %(id)s", id=repair_id))
            if department != repair.department:
                raise NotAllowed(
                    _(
                        "repair %(id)s is for %(department)s to decide, not %(you)s",
                        id=repair_id,
                        department=repair.department,
                        you=department,
                    )
                )
            record = repo.record(conn, repair.record_id)
            if approve:
                self._approve(conn, repair, record, actor, reason)
            else:
                state = REPAIR.next(repair.state, "be refused", _("repair %(id)s", id=repair_id))
                self._decided(conn, repo.repairs, repair.id, state, actor, reason)
                self._note_repair_decided(conn, repair, record, state, reason)
                records_repo.add_event(
                    conn,
                    record.id,
                    record.current_version,
                    "repair_refused",
                    actor.strip(),
                    f"repair {repair_id}: {reason.strip()}",
                    self.clock.now(),
                )
                notices.produce(
                    conn,
                    "repair",
                    record,
                    self.clock.now(),
                    self._deemed(),
                    _(
                        "Your repair application %(id)s was refused: %(reason)s. You may object to this "
                        "refusal, free of charge.",
                        id=repair_id,
                        reason=reason.strip(),
                    ),
                )
            self._rerate(
                conn, record.organisation_id, f"repair {repair_id} {'approved' if approve else 'refused'}"
            )
            log.flush(conn, self.clock.now())
            return repo.find(conn, repo.repairs, repair_id)

    def _note_repair_decided(
        self, conn: Connection, repair: Any, record: Any, state: str, reason: str
    ) -> None:
        """Log a repair decision; public when the record was published (an approval ends publication, so
        that copies are removed)."""
        public = self._public(conn, record)
        event = log.about_row(
            "repair.decided", "repair", repair, record, public=public, state=state, reason=reason.strip()
        )
        log.note(conn, event)

    def _approve(self, conn: Connection, repair: Any, record: Any, actor: str, reason: str) -> None:
        state = REPAIR.next(repair.state, "be approved", _("repair %(id)s", id=repair.id))
        RECORD.next(record.state, "be repaired", _("record '%(record)s'", record=record.source_record_id))
        now = self.clock.now()
        public = self._public(conn, record)  # as it was: a published record's repair is public
        self._decided(conn, repo.repairs, repair.id, state, actor, reason)
        self._note_repair_decided(conn, repair, record, state, reason)
        records_repo.set_state(conn, record.id, "repaired", now)
        # Logged under the record too, as its every other change of state, for whoever follows the record.
        log.note(conn, log.about_record("record.repaired", record, public=public, repair_id=repair.id))
        records_repo.add_event(
            conn,
            record.id,
            record.current_version,
            "repaired",
            actor.strip(),
            f"repair {repair.id} approved: {reason.strip()}",
            now,
        )
        self.lists.follow_record(conn, record, "be repaired", actor, f"repair {repair.id} approved")
        notices.produce(
            conn,
            "repair",
            record,
            now,
            self._deemed(),
            _(
                "Your repair application %(id)s was approved: publication and sharing of this record have "
                "ended and every measure based on it is lifted.",
                id=repair.id,
            ),
        )

    def _decided(
        self, conn: Connection, table: Any, row_id: int, state: str, actor: str, reason: str
    ) -> None:
        """An objection or repair decided: its new state, with who, when and why."""
        repo.change(
            conn,
            table,
            row_id,
            state=state,
            decided_at=self.clock.now(),
            decided_on=self.today(),
            decided_by=actor.strip(),
            decision_reason=reason.strip(),
        )

    def _refused_repair(self, conn: Connection, record: Any, repair_id: int | None) -> Any:
        if repair_id is None:
            raise NotAllowed(_("an objection to a repair decision names the repair (repair_id)"))
        repair = repo.find(conn, repo.repairs, repair_id)
        if repair is None or repair.record_id != record.id:
            raise NotFound(
                _(
                    "no repair application %(id)s for record '%(record)s'",
                    id=repair_id,
                    record=record.source_record_id,
                )
            )
        if repair.state != "refused":
            raise NotAllowed(
                _(
                    "repair %(id)s is %(state)s: only a refusal can be objected to",
                    id=repair_id,
                    state=state_name(repair.state),
                )
            )
        return repair

    # -- time ------------------------------------------------------------------------------------------

    def tick(self) -> TickResult:
        """Apply what is due today: missing notices produced, notices deemed delivered, unanswered
        objections lapsed (their records withdrawn). Safe to run any number of times."""
        result = TickResult(self.today())
        now = self.clock.now()
        with self.engine.begin() as conn:
            result.notices_produced = record_notices.produce_for_records(conn, true(), now, self._deemed())
            deemed, published = notices.deem_due(conn, result.today, now)
            self._note_delivered(conn, deemed, published, "deemed")
            result.notices_deemed = len(deemed)
            result.organisation_ids |= {n.organisation_id for n in deemed if n.kind in record_notices.GATING}
            self.lists.opened(conn, deemed)
            for objection in repo.overdue_objections(conn, result.today):
                state = OBJECTION.next(objection.state, "lapse", _("objection %(id)s", id=objection.id))
                record = self._note_answered(
                    conn, objection, state, f"not answered by {objection.due_on.isoformat()}"
                )
                self._decided(
                    conn,
                    repo.objections,
                    objection.id,
                    state,
                    "registry",
                    f"not answered by {objection.due_on.isoformat()}",
                )
                if objection.ground == NOT_US:  # unanswered: the link is split, the listing stays
                    reason = f"objection {objection.id} not answered by {objection.due_on.isoformat()}"
                    told = _(
                        "objection %(id)s not answered by %(day)s",
                        id=objection.id,
                        day=objection.due_on.isoformat(),
                    )
                    split = not_us.settle_not_us(
                        conn, objection, True, "registry", reason, now, self._deemed(), told
                    )
                    result.organisation_ids |= set(split)
                elif record.state == "active":
                    self._withdraw(
                        conn,
                        record,
                        "withdrawn",
                        "registry",
                        f"objection {objection.id} not answered by {objection.due_on.isoformat()}",
                    )
                    notices.produce(
                        conn,
                        "objection",
                        record,
                        now,
                        self._deemed(),
                        _(
                            "Your objection %(id)s was not answered in time: the record is withdrawn from "
                            "publication and no longer counts.",
                            id=objection.id,
                        ),
                    )
                result.organisation_ids.add(objection.organisation_id)
                result.objections_lapsed += 1
            result.repairs_overdue = repo.count_overdue_repairs(conn, result.today)
            self.lists.tick_in(conn, result.lists)
            result.organisation_ids |= result.lists.organisation_ids
            expired = self._expire(conn, result.today)
            result.records_expired = len(expired)
            result.organisation_ids |= {r.organisation_id for r in expired}  # graded without them
            # Records weighed less from a day since the last tick (each day once: the tick runs hourly).
            since = repo.last_ran(conn, "tick")
            result.organisation_ids |= self.rating.crossed_in(conn, result.today, since)
            log.flush(conn, now)
        if result.organisation_ids:
            result.grade_changes = self.rating.rate(
                sorted(result.organisation_ids), cause="due process applied by tick"
            ).grade_changes
        if since is None or since < result.today:  # ran to its end: a failure above asks these days again
            with self.engine.begin() as conn:
                repo.ran(conn, "tick", result.today, now)
        return result

    def _expire(self, conn: Connection, on: date) -> list[Any]:
        """Records whose publication period ended leave publication by themselves: keep an event on each
        (once per version) and log it, so that erasing their content later still leaves the proof. Returns
        them, for their organisations to be rated again."""
        now = self.clock.now()
        expired = records_repo.to_expire(conn, publicity.periods(self.catalog), on)
        for record in expired:
            category = self.catalog.categories[record.category]
            level = Severity(record.severity) if category.severity_applies and record.severity else None
            until = record.decided_on + timedelta(days=category.period(level).max_days)
            why = f"publication period ended on {until.isoformat()}"
            records_repo.add_event(conn, record.id, record.current_version, "expired", "registry", why, now)
            # Public when anyone could see it until then (and so may have copied it).
            public = not record.never_public and publicity.in_period(
                self.catalog, record.category, record.severity, record.decided_on, until - timedelta(days=1)
            )
            log.note(conn, log.about_record("record.expired", record, public=public, ended_on=until))
        records_repo.mark_expired(conn, [r.id for r in expired])
        return list(expired)

    # -- the transparency log --------------------------------------------------------------------------

    def _public(self, conn: Connection, record: Any) -> bool:
        """Whether anyone may see this record (a records row, as it stands before the step) today."""
        return publicity.record_public(conn, self.catalog, record, self.today())

    def _note_answered(self, conn: Connection, objection: Any, state: str, reason: str) -> Any:
        """Log an objection answered (or lapsed) in its new state; the record it concerns."""
        record = repo.record(conn, objection.record_id)
        log.note(
            conn,
            log.about_row(
                "objection.answered",
                "objection",
                objection,
                record,
                public=self._public(conn, record),
                state=state,
                reason=reason,
            ),
        )
        return record

    def _note_delivered(
        self, conn: Connection, delivered: Sequence[Any], published: Sequence[Any], how: str
    ) -> None:
        """Log what delivered notices decided: a record's (or reinstatement's) notice publishes its record;
        any other notice is logged as delivered. A list entry's record, once published, brings the entry's
        measures into force."""
        on = self.today()
        by_record = {r.id: r for r in published}
        events = []
        for notice in delivered:
            record = by_record.pop(notice.record_id, None) if notice.kind in record_notices.GATING else None
            if record is None:
                events.append(log.about_notice("notice.delivered", notice, delivery=how))
                continue
            public = publicity.record_public(conn, self.catalog, record, on, never_public=record.never_public)
            events.append(
                log.about_record(
                    "record.published",
                    record,
                    public=public,
                    category=record.category,
                    content_hash=record.content_hash,
                    notice_id=notice.id,
                    delivery=how,
                )
            )
        log.note_all(conn, events)
        self.lists.took_effect(conn, published)

    # -- helpers ---------------------------------------------------------------------------------------

    def _deemed(self) -> date:
        return record_notices.deemed_on(self.today(), self.settings)

    def _rerate(self, conn: Connection, organisation_id: int, cause: str) -> None:
        self.rating.rate_within(conn, [organisation_id], cause)

    def _record(self, conn: Connection, department: str, source_record_id: str) -> Any:
        record = records_repo.find_record(conn, department, source_record_id)
        if record is None:
            raise RecordNotFound(
                _(
                    "no record '%(record)s' from department %(department)s",
                    record=source_record_id,
                    department=department,
                )
            )
        return record

    def _objection(self, conn: Connection, objection_id: int) -> Any:
        objection = repo.find(conn, repo.objections, objection_id)
        if objection is None:
            raise NotFound(_("no objection %(id)s", id=objection_id))
        return objection

    def _check_filer(self, filed_by: str, organisation: Any) -> None:
        kind, _sep, code = filed_by.strip().partition(":")
        if kind == "organisation" and code == organisation.code:
            return
        if kind == "department" and code in self.catalog.departments:
            return
        raise NotAllowed(
            _(
                "an objection is filed by the organisation the record concerns (organisation:CODE) or by a "
                "department (department:CODE)"
            )
        )


def interchange_row(record: Any, organisation: Any) -> dict[str, Any]:
    """A stored record's current version as an interchange row (the shape every submission has)."""
    if record.until_kind == "date":
        until: Any = record.effective_until.isoformat()
    else:
        until = {"permanent": "permanent", "open_ended": "open-ended"}.get(record.until_kind or "")
    return {
        "source_record_id": record.source_record_id,
        "category": record.category,
        "subject_id": organisation.code if organisation.scheme != "unresolved" else None,
        "subject_name": record.subject_name,
        "subject_alt_name": record.subject_alt_name,
        "subject_country": organisation.country,
        "severity": record.severity,
        "decided_on": record.decided_on.isoformat(),
        "legal_basis": record.legal_basis,
        "status": record.status,
        "amount": record.amount,
        "currency": record.currency,
        "summary": record.summary,
        "effective_until": until,
    }
