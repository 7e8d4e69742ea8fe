"""The list procedures, called by the edges and by DueProcess. Each step is one transaction with its
event (who, when, why), the notice it owes and the re-rating it causes.

- serious dishonesty: proposed → noticed (open for answer, at least 30 days) → listed or dropped; a listed
  entry expires by itself, ends early on repair, and follows its record when an objection withdraws it;
- abnormal operation: listed at once (its record is noticed like any record) → cured, or escalated to the
  serious list after 3 years with a warning at least 60 days before;
- honours: granted with an end date → expired or revoked.

An entry takes effect through its record, in the list's catalog category: published only once the
record's notice is delivered, counted by the rating while it is active, lifted when it ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from credence.catalog import Catalog
from credence.catalog.model import ListKind
from credence.clock import Clock, today
from credence.i18n import N_, _
from credence.identity import no_organisation
from credence.lists import repository as repo
from credence.lists.config import FIELDS, Criterion, Lists
from credence.log import events as log
from credence.measures.catalog import Measures, load_measures
from credence.process import notices
from credence.process import repository as process_repo
from credence.process.errors import NotAllowed, NotFound, needs
from credence.process.machine import ABNORMAL_ENTRY, HONOUR_ENTRY, RECORD, SERIOUS_ENTRY, Machine
from credence.rating import repository as rating_repo
from credence.rating.service import RatingService
from credence.records import notices as record_notices
from credence.records import publicity
from credence.records import repository as records_repo
from credence.records.service import IngestService
from credence.settings import Settings

MACHINE = {
    ListKind.serious_dishonesty: SERIOUS_ENTRY,
    ListKind.abnormal_operation: ABNORMAL_ENTRY,
    ListKind.honour: HONOUR_ENTRY,
}
# Each list named for a reader (marked for the catalogs; `_()` translates where shown).
TITLE = {
    ListKind.serious_dishonesty: N_("serious-dishonesty list"),
    ListKind.abnormal_operation: N_("abnormal-operation list"),
    ListKind.honour: N_("honours list"),
}
# What ending an entry does to its record: every way out of "listed" ends the record with it. The words
# are kept on the record's event (stored, in English); the organisation's notice says it in its language.
ENDINGS = {"expire": "expired", "be cured": "cured", "be escalated": "escalated", "be revoked": "revoked"}
ENDED = {
    "expire": N_("Your entry %(entry)s on the %(list)s expired on %(day)s: %(reason)s"),
    "be cured": N_("Your entry %(entry)s on the %(list)s cured on %(day)s: %(reason)s"),
    "be escalated": N_("Your entry %(entry)s on the %(list)s escalated on %(day)s: %(reason)s"),
    "be revoked": N_("Your entry %(entry)s on the %(list)s revoked on %(day)s: %(reason)s"),
}


@dataclass
class ListTick:
    expired: int = 0
    warned: int = 0
    escalated: int = 0
    proposals_opened: int = 0
    organisation_ids: set[int] = field(default_factory=set)

    def lines(self) -> list[str]:
        return [
            _("list entries expired: %(n)s", n=self.expired),
            _("abnormal-operation entries warned of escalation: %(n)s", n=self.warned),
            _("abnormal-operation entries escalated to the serious-dishonesty list: %(n)s", n=self.escalated),
        ]


class ListService:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        lists: Lists,
        clock: Clock,
        settings: Settings,
        rating: RatingService,
        ingest: IngestService,
        measures: Measures | None = None,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.lists = lists
        self.clock = clock
        self.settings = settings
        self.rating = rating
        self.ingest = ingest
        self._measures = measures

    @property
    def measures(self) -> Measures:
        """The measures catalog in force (loaded when first needed): which measures an entry brings."""
        if self._measures is None:
            self._measures = load_measures(self.catalog, self.settings.measures_path)
        return self._measures

    def today(self) -> date:
        return today(self.clock, self.settings.timezone)

    # -- serious dishonesty ------------------------------------------------------------------------------

    def propose(
        self, department: str, subject: str, criterion: str, *, facts: str, decision_ref: str, actor: str
    ) -> Any:
        """Propose an entry on the serious-dishonesty list. Nothing is published: the organisation gets a
        notice and, from its delivery, at least `list_answer_days` to answer before any decision."""
        needs(facts=facts, decision_ref=decision_ref, actor=actor)
        self.ingest.screen_texts(department, "list procedure", {"facts": facts})
        kind = ListKind.serious_dishonesty
        rule = self._criterion(kind, criterion, department)
        assert rule.published_on is not None and rule.field is not None  # the loader requires both
        usable = rule.published_on + timedelta(days=self.settings.list_comment_days)
        if self.today() < usable:
            raise NotAllowed(
                _(
                    "criterion '%(criterion)s' was published for comment on %(published)s and may be used "
                    "from %(usable)s",
                    criterion=criterion,
                    published=rule.published_on.isoformat(),
                    usable=usable.isoformat(),
                )
            )
        with self.engine.begin() as conn:
            organisation = self._organisation(conn, subject)
            entry = self._add(
                conn, kind, organisation, department, rule, "proposed", actor, facts, decision_ref
            )
            self._notice(
                conn,
                "list_proposal",
                entry,
                _(
                    "%(department)s proposes to put you on the serious-dishonesty list under criterion "
                    "'%(criterion)s' (%(field)s; %(legal_basis)s): %(facts)s You have %(days)s days from "
                    "delivery of this notice to answer, and may ask for a hearing if you dispute the facts. "
                    "Nothing is published before the decision.",
                    department=department,
                    criterion=rule.code,
                    field=_(FIELDS[rule.field]),
                    legal_basis=rule.legal_basis.cited(),
                    facts=facts.strip(),
                    days=self.settings.list_answer_days,
                ),
            )
            log.flush(conn, self.clock.now())
            return repo.find(conn, entry.id)

    def opened(self, conn: Connection, delivered: Sequence[Any]) -> int:
        """Delivered proposal notices open their entries for answer: the period runs from delivery."""
        count = 0
        for notice in delivered:
            if notice.kind != "list_proposal" or notice.list_entry_id is None:
                continue
            entry = repo.find(conn, notice.list_entry_id)
            if entry is None or entry.state != "proposed":
                continue
            due = self.today() + timedelta(days=self.settings.list_answer_days)
            self._step(conn, entry, "be noticed", "registry", f"notice {notice.id} {notice.delivery}")
            repo.change(conn, entry.id, answer_due=due)
            count += 1
        return count

    def answer(self, entry_id: int, *, statement: str, hearing: bool, filed_by: str) -> Any:
        """The organisation answers a proposal, and may ask for a hearing when it disputes the facts."""
        needs(statement=statement, filed_by=filed_by)
        with self.engine.begin() as conn:
            entry = self._entry(conn, entry_id)
            organisation = process_repo.organisation(conn, entry.organisation_id)
            if filed_by.strip() != f"organisation:{organisation.code}":
                raise NotAllowed(_("only the organisation proposed for listing answers the proposal"))
            if entry.state == "open" and entry.answer_due is not None and self.today() > entry.answer_due:
                raise NotAllowed(
                    _(
                        "the answer period of list entry %(entry)s ended on %(day)s",
                        entry=entry_id,
                        day=entry.answer_due.isoformat(),
                    )
                )
            self._step(conn, entry, "be answered", filed_by, statement)
            repo.change(conn, entry.id, answer=statement.strip(), hearing_requested=hearing)
            log.flush(conn, self.clock.now())
            return repo.find(conn, entry_id)

    def decide(
        self,
        entry_id: int,
        *,
        department: str,
        listed: bool,
        actor: str,
        reason: str,
        hearing: str | None = None,
    ) -> Any:
        """List or drop a proposed entry. Listing waits for the end of the answer period and, when the
        organisation asked for one, for a hearing; it creates the entry's record, noticed like any other."""
        needs(actor=actor, reason=reason)
        self.ingest.screen_texts(department, "list procedure", {"reason": reason, "hearing": hearing})
        with self.engine.begin() as conn:
            entry = self._entry(conn, entry_id, department)
            if not listed:
                self._step(conn, entry, "be dropped", actor, reason)
                self._notice(
                    conn,
                    "list",
                    entry,
                    _(
                        "The proposal to list you (entry %(entry)s) was dropped: %(reason)s",
                        entry=entry_id,
                        reason=reason,
                    ),
                )
                log.flush(conn, self.clock.now())
                return repo.find(conn, entry_id)
            SERIOUS_ENTRY.next(entry.state, "be listed", _("list entry %(id)s", id=entry_id))
            assert entry.answer_due is not None  # set when the proposal was noticed
            if self.today() <= entry.answer_due:
                raise NotAllowed(
                    _(
                        "list entry %(entry)s can be decided from the day after its answer period ends "
                        "(%(day)s)",
                        entry=entry_id,
                        day=entry.answer_due.isoformat(),
                    )
                )
            if entry.hearing_requested and not (hearing and hearing.strip()):
                raise NotAllowed(
                    _(
                        "the organisation asked for a hearing on list entry %(entry)s: give its record "
                        "(hearing)",
                        entry=entry_id,
                    )
                )
            rule = self._criterion(ListKind.serious_dishonesty, entry.criterion, None)
            assert rule.max_days is not None
            starts = self.today()
            repo.change(conn, entry.id, hearing=hearing.strip() if hearing else None)
            self._list(conn, entry, starts, starts + timedelta(days=rule.max_days), actor, reason)
            log.flush(conn, self.clock.now())
            return repo.find(conn, entry_id)

    # -- abnormal operation ------------------------------------------------------------------------------

    def enter(
        self, department: str, subject: str, criterion: str, *, facts: str, decision_ref: str, actor: str
    ) -> Any:
        """Put an organisation on the abnormal-operation list; it is published once its notice is delivered
        and stays until cured (or escalated)."""
        needs(facts=facts, decision_ref=decision_ref, actor=actor)
        self.ingest.screen_texts(department, "list procedure", {"facts": facts})
        kind = ListKind.abnormal_operation
        rule = self._criterion(kind, criterion, department)
        with self.engine.begin() as conn:
            organisation = self._organisation(conn, subject)
            entry = self._add(
                conn, kind, organisation, department, rule, "listed", actor, facts, decision_ref
            )
            self._list(conn, entry, self.today(), None, actor, facts, event=None)
            log.flush(conn, self.clock.now())
            return repo.find(conn, entry.id)

    def cure(self, entry_id: int, *, department: str, actor: str, evidence: str) -> Any:
        """The department finds the cause cured (the report filed, the address reachable): removed now."""
        needs(actor=actor, evidence=evidence)
        with self.engine.begin() as conn:
            entry = self._entry(conn, entry_id, department)
            self._end(conn, entry, "be cured", actor, evidence)
            log.flush(conn, self.clock.now())
            return repo.find(conn, entry_id)

    # -- honours -----------------------------------------------------------------------------------------

    def grant(
        self,
        department: str,
        subject: str,
        criterion: str,
        *,
        facts: str,
        actor: str,
        ends_on: date | None = None,
    ) -> Any:
        """Grant an honour, with its end date (at most the criterion's max_days away)."""
        needs(facts=facts, actor=actor)
        self.ingest.screen_texts(department, "list procedure", {"facts": facts})
        kind = ListKind.honour
        rule = self._criterion(kind, criterion, department)
        assert rule.max_days is not None
        starts = self.today()
        latest = starts + timedelta(days=rule.max_days)
        if ends_on is not None and not starts <= ends_on <= latest:
            raise NotAllowed(
                _(
                    "ends_on %(ends)s is outside %(starts)s–%(latest)s: an honour under '%(criterion)s' "
                    "lasts at most %(days)s days",
                    ends=ends_on.isoformat(),
                    starts=starts.isoformat(),
                    latest=latest.isoformat(),
                    criterion=criterion,
                    days=rule.max_days,
                )
            )
        with self.engine.begin() as conn:
            organisation = self._organisation(conn, subject)
            entry = self._add(conn, kind, organisation, department, rule, "listed", actor, facts, None)
            self._list(conn, entry, starts, ends_on or latest, actor, facts, event=None)
            log.flush(conn, self.clock.now())
            return repo.find(conn, entry.id)

    def revoke(self, entry_id: int, *, department: str, actor: str, reason: str) -> Any:
        needs(actor=actor, reason=reason)
        with self.engine.begin() as conn:
            entry = self._entry(conn, entry_id, department)
            self._end(conn, entry, "be revoked", actor, reason)
            log.flush(conn, self.clock.now())
            return repo.find(conn, entry_id)

    # -- following the record and time -------------------------------------------------------------------

    def follow_record(self, conn: Connection, record: Any, event: str, actor: str, reason: str) -> None:
        """The entry of a record that was withdrawn, reinstated or repaired follows it in the same
        transaction: a repair removes a serious entry early and cures an abnormal-operation one."""
        entry = repo.of_record(conn, record.id)
        if entry is None:
            return
        if event == "be repaired":
            kind = ListKind(entry.list)
            event = "be removed on repair" if kind is ListKind.serious_dishonesty else "be cured"
        state = MACHINE[ListKind(entry.list)].next(entry.state, event, _("list entry %(id)s", id=entry.id))
        self._record_step(conn, entry, state, event, actor, reason, record=record)
        if state != "listed":
            repo.change(conn, entry.id, ended_on=self.today())

    def took_effect(self, conn: Connection, published: Sequence[Any]) -> None:
        """Records just published (records rows with never_public) that are listed entries' records bring
        those entries' measures into force: measures are derived from entries in force, not stored, so
        their start is logged here."""
        listed = [r for r in published if self.catalog.categories[r.category].list is not None]
        by_record = {r.id: r for r in listed}
        for entry in repo.of_records(conn, list(by_record)):
            if entry.state != "listed":
                continue
            record = by_record[entry.record_id]
            public = publicity.entry_public(conn, self.catalog, record, never_public=record.never_public)
            self._note_measures(conn, "measure.applied", entry, public, since=self.today())

    def tick_in(self, conn: Connection, result: ListTick) -> None:
        """Expiries, escalation warnings and escalations due today, in the caller's transaction."""
        on = self.today()
        for entry in repo.past_end(conn, on):
            day = entry.ends_on.isoformat()
            told = _("its end date %(day)s passed", day=day)
            self._end(conn, entry, "expire", "registry", f"its end date {day} passed", told=told)
            result.expired += 1
            result.organisation_ids.add(entry.organisation_id)
        escalation, warning = self.settings.abnormal_escalation_days, self.settings.abnormal_warning_days
        for entry in repo.to_warn(conn, on, escalation, warning):
            moves_on = max(entry.starts_on + timedelta(days=escalation), on + timedelta(days=warning))
            self._notice(
                conn,
                "list_warning",
                entry,
                _(
                    "You have been on the abnormal-operation list since %(since)s. Unless the cause is "
                    "cured, entry %(entry)s moves to the serious-dishonesty list on %(day)s.",
                    since=entry.starts_on.isoformat(),
                    entry=entry.id,
                    day=moves_on.isoformat(),
                ),
            )
            repo.change(conn, entry.id, warned_on=on)
            repo.add_event(
                conn, entry.id, entry.state, "warned", "registry", f"moves on {moves_on}", self.clock.now()
            )
            log.note(conn, log.about_entry("list.step", entry, event="warned", moves_on=moves_on))
            result.warned += 1
        rule = self.lists.escalation
        for entry in repo.to_escalate(conn, on, escalation, warning) if rule is not None else []:
            assert rule is not None and rule.max_days is not None
            why = (
                f"uncured on the abnormal-operation list since {entry.starts_on.isoformat()}, warned on "
                f"{entry.warned_on.isoformat()}"
            )
            told = _(
                "uncured on the abnormal-operation list since %(since)s, warned on %(warned)s",
                since=entry.starts_on.isoformat(),
                warned=entry.warned_on.isoformat(),
            )
            self._end(conn, entry, "be escalated", "registry", why, told=told)
            organisation = process_repo.organisation(conn, entry.organisation_id)
            moved = self._add(
                conn,
                ListKind.serious_dishonesty,
                organisation,
                entry.department,
                rule,
                "listed",
                "registry",
                f"{why} (abnormal-operation entry {entry.id}).",
                entry.decision_ref,
                escalated_from=entry.id,
            )
            self._list(conn, moved, on, on + timedelta(days=rule.max_days), "registry", why, event=None)
            result.escalated += 1
            result.organisation_ids.add(entry.organisation_id)

    # -- helpers -----------------------------------------------------------------------------------------

    def _criterion(self, kind: ListKind, code: str, department: str | None) -> Criterion:
        rule = self.lists.criterion(kind, code)
        if rule is None:
            known = ", ".join(self.lists.criteria[kind]) or _("none")
            raise NotAllowed(
                _(
                    "'%(code)s' is not a criterion of the %(list)s (criteria: %(known)s)",
                    code=code,
                    list=_(TITLE[kind]),
                    known=known,
                )
            )
        if department is not None and department not in rule.departments:
            raise NotAllowed(
                _(
                    "department %(department)s may not list under '%(code)s' (%(departments)s may)",
                    department=department,
                    code=code,
                    departments=", ".join(rule.departments),
                )
            )
        return rule

    def _organisation(self, conn: Connection, subject: str) -> Any:
        organisation = rating_repo.find_organisation(conn, subject)
        if organisation is None:
            raise NotFound(no_organisation(subject))
        if organisation.scheme == "unresolved":
            raise NotAllowed(_("a list names an organisation by its USCC or LEI"))
        return organisation

    def _entry(self, conn: Connection, entry_id: int, department: str | None = None) -> Any:
        entry = repo.find(conn, entry_id)
        if entry is None:
            raise NotFound(_("no list entry %(entry)s", entry=entry_id))
        if department is not None and entry.department != department:
            raise NotAllowed(
                _(
                    "list entry %(entry)s is decided by %(by)s, not %(department)s",
                    entry=entry_id,
                    by=entry.department,
                    department=department,
                )
            )
        return entry

    def _add(
        self,
        conn: Connection,
        kind: ListKind,
        organisation: Any,
        department: str,
        rule: Criterion,
        state: str,
        actor: str,
        facts: str,
        decision_ref: str | None,
        escalated_from: int | None = None,
    ) -> Any:
        if repo.live(conn, organisation.id, kind.value, rule.code) is not None:
            raise NotAllowed(
                _(
                    "%(organisation)s already has an entry under '%(criterion)s' in procedure or in force",
                    organisation=organisation.code,
                    criterion=rule.code,
                )
            )
        now = self.clock.now()
        entry_id = repo.add(
            conn,
            list=kind.value,
            organisation_id=organisation.id,
            department=department,
            criterion=rule.code,
            field=rule.field,
            legal_basis=str(rule.legal_basis),
            facts=facts.strip(),
            decision_ref=decision_ref.strip() if decision_ref else None,
            state=state,
            created_at=now,
            created_by=actor.strip(),
            hearing_requested=False,
            escalated_from=escalated_from,
        )
        repo.add_event(conn, entry_id, state, "created", actor.strip(), facts.strip(), now)
        entry = repo.find(conn, entry_id)
        if state == "proposed":  # a listed entry is logged by _list, which puts it in force
            ref = decision_ref.strip() if decision_ref else None
            log.note(conn, log.about_entry("list.proposed", entry, decision_ref=ref))
        return entry

    def _list(
        self,
        conn: Connection,
        entry: Any,
        starts: date,
        ends: date | None,
        actor: str,
        reason: str,
        event: str | None = "be listed",
    ) -> None:
        """The entry in force from `starts`: its record is stored (and noticed) in the list's category."""
        if event is not None:
            self._step(conn, entry, event, actor, reason, logged=False)
        kind = ListKind(entry.list)
        category = self.catalog.list_category(kind)
        if category is None:
            raise NotAllowed(_("the catalog has no category for the %(list)s", list=_(TITLE[kind])))
        organisation = process_repo.organisation(conn, entry.organisation_id)
        rule = self._criterion(kind, entry.criterion, None)
        record_id = self.ingest.procedure_record_in(
            conn,
            entry.department,
            {
                "source_record_id": f"LIST-{entry.id}",
                "category": category.code,
                "subject_id": organisation.code,
                "subject_name": organisation.name,
                "subject_country": organisation.country,
                "decided_on": starts.isoformat(),
                "legal_basis": entry.legal_basis,
                "status": "final",
                "summary": f"{rule.text} {entry.facts}",
                "effective_until": ends.isoformat() if ends else None,
            },
            procedure="list procedure",
        )
        repo.change(conn, entry.id, starts_on=starts, ends_on=ends, record_id=record_id)
        # Not public yet: the entry is published with its record, once the record's notice is delivered.
        log.note(
            conn,
            log.about_entry(
                "list.listed",
                repo.find(conn, entry.id),
                event=event or "created",
                field=entry.field,
                decision_ref=entry.decision_ref,
                starts_on=starts,
                ends_on=ends,
                record_id=record_id,
                escalated_from=entry.escalated_from,
            ),
        )

    def _end(
        self, conn: Connection, entry: Any, event: str, actor: str, reason: str, *, told: str | None = None
    ) -> None:
        """Take an entry out of force, with its record, and re-rate the organisation. `reason` is kept on
        the events (stored, as given); `told` is the registry's own reason in the organisation's notice, in
        the language of the work at hand (the clerk's `reason` when not given)."""
        self._step(conn, entry, event, actor, reason)
        repo.change(conn, entry.id, ended_on=self.today())
        if entry.record_id is not None:
            record = process_repo.record(conn, entry.record_id)
            if record.state == "active":
                RECORD.next(record.state, "end", f"record '{record.source_record_id}'")
                now = self.clock.now()
                public = publicity.entry_public(conn, self.catalog, record)
                log.note(
                    conn,
                    log.about_record(
                        "record.ended", record, public=public, list_entry_id=entry.id, reason=reason.strip()
                    ),
                )
                records_repo.set_state(conn, record.id, "ended", now)
                records_repo.add_event(
                    conn,
                    record.id,
                    record.current_version,
                    "ended",
                    actor.strip(),
                    f"list entry {entry.id} {ENDINGS[event]}: {reason.strip()}",
                    now,
                )
        self._notice(
            conn,
            "list",
            entry,
            _(
                ENDED[event],
                entry=entry.id,
                list=_(TITLE[ListKind(entry.list)]),
                day=self.today().isoformat(),
                reason=(told if told is not None else reason).strip(),
            ),
        )
        self.rating.rate_within(conn, [entry.organisation_id], f"list entry {entry.id} {ENDINGS[event]}")

    def _step(
        self, conn: Connection, entry: Any, event: str, actor: str, reason: str, *, logged: bool = True
    ) -> str:
        machine: Machine = MACHINE[ListKind(entry.list)]
        state = machine.next(entry.state, event, _("list entry %(id)s", id=entry.id))
        self._record_step(conn, entry, state, event, actor, reason, logged=logged)
        return state

    def _record_step(
        self,
        conn: Connection,
        entry: Any,
        state: str,
        event: str,
        actor: str,
        reason: str,
        *,
        record: Any | None = None,
        logged: bool = True,
    ) -> None:
        """Move an entry to `state`, keep the step's event and log it. `record` is the entry's record as it
        was before the step (read here when not given)."""
        if logged:
            self._note_step(conn, entry, state, event, reason, record)
        repo.change(conn, entry.id, state=state)
        repo.add_event(conn, entry.id, state, event, actor.strip(), reason.strip(), self.clock.now())

    def _note_step(
        self, conn: Connection, entry: Any, state: str, event: str, reason: str, record: Any | None
    ) -> None:
        """Log a step of an entry (before it is taken). Leaving "listed" delists it and lifts its measures
        if it was in force (its record published and active); public if anyone could see the entry."""
        content = {"state": state, "event": event, "from": entry.state, "reason": reason.strip()}
        if entry.state != "listed":
            kind = "list.listed" if state == "listed" else "list.step"  # listed again on reinstatement
            log.note(conn, log.about_entry(kind, entry, **content))
            return
        if record is None and entry.record_id is not None:
            record = process_repo.record(conn, entry.record_id)
        in_force = record is not None and record.noticed_at is not None and record.state == "active"
        public = publicity.entry_public(conn, self.catalog, record)
        log.note(conn, log.about_entry("list.delisted", entry, public=public, **content))
        if in_force:
            self._note_measures(conn, "measure.lifted", entry, public, reason=reason.strip())

    def _note_measures(self, conn: Connection, kind: str, entry: Any, public: bool, **content: Any) -> None:
        """measure.applied or measure.lifted for the measures an entry of its list brings, if any."""
        codes = [
            m.code
            for m in self.measures.measures.values()
            if m.trigger.list is not None and m.trigger.list.value == entry.list
        ]
        if codes:
            trigger = f"list {entry.list}"
            log.note(
                conn,
                log.about_measures(
                    kind, f"list_entry:{entry.id}", entry.organisation_id, codes, trigger, public, **content
                ),
            )

    def _notice(self, conn: Connection, kind: str, entry: Any, message: str) -> int:
        deemed = record_notices.deemed_on(self.today(), self.settings)
        return notices.produce_about_entry(conn, kind, entry, self.clock.now(), deemed, message)
