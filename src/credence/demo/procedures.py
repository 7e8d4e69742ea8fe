"""Due process in the demo registry: list entries, objections, repairs and commitments, each step taken
through the services on the day it would have happened (a clock set back in time), so that deadlines,
inboxes, histories and department figures look like a registry that has been running for a while.

Deterministic for a seed and a day. The organisations and records are the demo's own."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from credence.catalog.model import Polarity
from credence.clock import Clock
from credence.dueprocess.service import DueProcess
from credence.process import notices
from credence.process.errors import NotAllowed
from credence.process.machine import IllegalTransition
from credence.rating.service import RatingService
from credence.records import repository as records_repo
from credence.records.service import IngestService, RowsRejected

CLERK = "{department} (demo)"
CHANNEL = "registered mail to the registered address"


class DemoClock:
    """A clock the demo sets to the day of each step (at 10:00 in the registry's time zone)."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at

    def day(self, on: date) -> None:
        self.at = datetime.combine(on, time(10), self.zone).astimezone(UTC)


@dataclass
class ProcedureCounts:
    list_entries: int = 0
    objections: int = 0
    repairs: int = 0
    commitments: int = 0
    records: int = 0  # records the procedures stored (list entries, commitments, breaches)

    def line(self) -> str:
        return (
            f"{self.list_entries:,} list entries, {self.objections:,} objections, {self.repairs:,} repairs, "
            f"{self.commitments:,} commitments"
        )


class Procedures:
    def __init__(self, process: DueProcess, today: date, seed: int) -> None:
        settings = process.settings
        self.today = today
        self.rng = random.Random(seed + 2)
        self.clock = DemoClock(settings.timezone)
        clock: Clock = self.clock
        rating = RatingService(process.engine, process.catalog, process.rating.policy, clock, settings)
        ingest = IngestService(process.engine, process.catalog, clock, settings)
        self.process = DueProcess(
            process.engine,
            process.catalog,
            clock,
            settings,
            rating,
            ingest,
            lists=process.lists.lists,
            templates=process.commitments.templates,
        )
        self.counts = ProcedureCounts()

    @contextmanager
    def on(self, days_ago: int) -> Iterator[DueProcess]:
        self.clock.day(self.today - timedelta(days=days_ago))
        yield self.process

    def run(self, businesses: list[str], everyone: list[str]) -> ProcedureCounts:
        """Every kind of procedure, on organisations the demo already holds (their codes)."""
        rng = self.rng
        pool = rng.sample(businesses, min(len(businesses), max(12, len(businesses) // 20)))
        take = iter(pool)
        self._abnormal([c for c, _ in zip(take, range(max(4, len(pool) // 4)), strict=False)])
        self._serious([c for c, _ in zip(take, range(max(3, len(pool) // 12)), strict=False)])
        self._honours(rng.sample(everyone, min(len(everyone), max(4, len(everyone) // 100))))
        self._commitments(rng.sample(everyone, min(len(everyone), max(6, len(everyone) // 100))))
        self._objections_and_repairs()
        self.clock.day(self.today)
        self.process.tick()
        self._count_records()
        return self.counts

    # -- lists -------------------------------------------------------------------------------------------

    def _deliver(
        self, process: DueProcess, *, record_id: int | None = None, entry_id: int | None = None
    ) -> None:
        """Log delivery of the pending notices about a list entry or a record."""
        with process.engine.connect() as conn:
            pending = notices.undelivered_about(conn, record_id=record_id, entry_id=entry_id)
        for n in pending:
            process.deliver_notice(n.id, actor=CLERK.format(department=n.department), channel=CHANNEL)

    def _abnormal(self, codes: list[str]) -> None:
        reasons = ["annual_report_missed", "unreachable", "false_information"]
        for i, code in enumerate(codes):
            # Two entries near the end of three years: the tick warns them of the move.
            days_ago = 1095 - 30 - i if i < 2 else self.rng.randrange(20, 900)
            with self.on(days_ago) as p:
                entry = p.lists.enter(
                    "SAMR",
                    code,
                    reasons[i % 3] if i >= 2 else "annual_report_missed",
                    facts="Found in the annual check of registered enterprises.",
                    decision_ref=f"SAMR-AB-{self.today.year}-{i + 1:04d}",
                    actor="SAMR enterprise registration office",
                )
                self.counts.list_entries += 1
            with self.on(days_ago - 2) as p:
                self._deliver(p, record_id=entry.record_id)
            if i >= 2 and self.rng.random() < 0.3:
                with self.on(max(0, days_ago - self.rng.randrange(10, 60))) as p:
                    p.lists.cure(
                        entry.id,
                        department="SAMR",
                        actor="SAMR enterprise registration office",
                        evidence="The missing report was filed and checked.",
                    )

    def _serious(self, codes: list[str]) -> None:
        criteria = ["grave_food_drug_safety", "grave_unfair_competition", "refused_legal_duty"]
        for i, code in enumerate(codes):
            still_open = i == 0  # one proposal awaits its decision: the department's inbox shows it
            start = 12 if still_open else 150 + 7 * (i % 20)
            with self.on(start) as p:
                entry = p.lists.propose(
                    "SAMR",
                    code,
                    criteria[i % 3],
                    facts="Repeated serious violations found by legally effective decisions.",
                    decision_ref=f"SAMR-SD-{self.today.year}-{i + 1:04d}",
                    actor="SAMR credit office",
                )
                self.counts.list_entries += 1
            with self.on(start - 2) as p:
                self._deliver(p, entry_id=entry.id)
            if still_open:
                continue
            hearing = i % 2 == 1
            with self.on(start - 10) as p:
                p.lists.answer(
                    entry.id,
                    statement="The facts are disputed: one decision is under administrative review.",
                    hearing=hearing,
                    filed_by=f"organisation:{code}",
                )
            with self.on(start - 40) as p:
                entry = p.lists.decide(
                    entry.id,
                    department="SAMR",
                    listed=True,
                    actor="SAMR credit office",
                    reason="The decisions are final and the answer brought nothing new.",
                    hearing="Hearing held; minutes on file." if hearing else None,
                )
            with self.on(start - 42) as p:
                self._deliver(p, record_id=entry.record_id)

    def _honours(self, codes: list[str]) -> None:
        for code in codes:
            kind = code[:2]
            if kind not in ("91", "92", "93"):
                continue
            days_ago = self.rng.randrange(5, 600)
            with self.on(days_ago) as p:
                try:
                    entry = p.lists.grant(
                        "SAMR",
                        code,
                        "contract_abiding",
                        facts="No contract dispute or complaint in three years.",
                        actor="SAMR contract supervision office",
                    )
                except NotAllowed:
                    continue  # already honoured
                self.counts.list_entries += 1
            with self.on(days_ago - 1) as p:
                self._deliver(p, record_id=entry.record_id)

    # -- commitments -------------------------------------------------------------------------------------

    def _commitments(self, codes: list[str]) -> None:
        for i, code in enumerate(codes):
            template, department = [("licence_conditions", "SAMR"), ("missing_documents", "STA")][i % 2]
            if i % 5 == 4:
                template, department = "procurement_bid_truthful", "MOF"
            days_ago = self.rng.randrange(40, 400)
            with self.on(days_ago) as p:
                made = p.commitments.make(
                    code, template, department=department, made_by=f"organisation:{code}"
                )
                self.counts.commitments += 1
            with self.on(days_ago - 1) as p:
                self._deliver(p, record_id=made.record_id)
            if self.rng.random() < 0.6:
                broken = self.rng.random() < 0.3
                with self.on(days_ago - 30) as p:
                    marked = p.commitments.mark(
                        made.id,
                        department=department,
                        kept=not broken,
                        actor=f"{department} inspection office",
                        reason="Found on inspection that it was not kept." if broken else "Checked and kept.",
                    )
                if marked.breach_record_id is not None:
                    with self.on(days_ago - 32) as p:
                        self._deliver(p, record_id=marked.breach_record_id)

    # -- objections and repairs --------------------------------------------------------------------------

    def _adverse_published(self) -> list[Any]:
        catalog = self.process.catalog
        adverse = [
            c.code for c in catalog.categories.values() if c.polarity is Polarity.adverse and not c.list
        ]
        with self.process.engine.connect() as conn:
            rows = conn.execute(
                select(records_repo.records)
                .where(
                    records_repo.records.c.category.in_(adverse),
                    records_repo.records.c.state == "active",
                    records_repo.records.c.noticed_at.is_not(None),
                    records_repo.records.c.source_record_id.not_like("BREACH-%"),
                )
                .order_by(records_repo.records.c.id)
            ).all()
        return list(rows)

    def _objections_and_repairs(self) -> None:
        rows = self._adverse_published()
        if not rows:
            return
        chosen = self.rng.sample(rows, min(len(rows), max(8, len(rows) // 150)))
        half = len(chosen) // 2
        for i, record in enumerate(chosen[:half]):
            self._objection(i, record)
        for i, record in enumerate(chosen[half:]):
            self._repair(i, record)

    def _objection(self, i: int, record: Any) -> None:
        org = self._organisation_code(record.organisation_id)
        days_ago = [70, 50, 36, 20, 8, 3][i % 6]
        with self.on(days_ago) as p:
            try:
                objection = p.object(
                    record.department,
                    record.source_record_id,
                    ground="content" if i % 3 else "period",
                    statement="The decision names the wrong establishment; we were not at that address.",
                    filed_by=f"organisation:{org}",
                )
            except (NotAllowed, IllegalTransition):
                return
            self.counts.objections += 1
        if days_ago <= 30 or i % 7 == 6:
            return  # still open (some overdue: the final tick lapses them)
        outcome = ["upheld", "corrected", "withdrawn", "upheld"][i % 4]
        corrections = None
        if outcome == "corrected":
            corrections = {"summary": "Corrected on objection: the decision concerns the branch office."}
        with self.on(days_ago - self.rng.randrange(5, 30)) as p:
            try:
                p.answer_objection(
                    objection.id,
                    department=record.department,
                    outcome=outcome,
                    actor=f"{record.department} legal office",
                    reason="Reviewed the file and the organisation's evidence.",
                    corrections=corrections,
                )
            except (NotAllowed, IllegalTransition, RowsRejected, ValueError):
                pass

    def _repair(self, i: int, record: Any) -> None:
        org = self._organisation_code(record.organisation_id)
        days_ago = [40, 25, 12, 6, 2][i % 5]
        with self.on(days_ago) as p:
            try:
                repair = p.apply_repair(
                    record.department,
                    record.source_record_id,
                    evidence="The duty is fulfilled: payment receipt and corrective report attached.",
                    commitment="We commit to comply with the law and to report on time.",
                    applied_by=f"organisation:{org}",
                )
            except (NotAllowed, IllegalTransition):
                return  # too early, or not repairable
            self.counts.repairs += 1
        if days_ago <= 3:
            return  # awaiting the department's decision
        approve = i % 3 != 2
        with self.on(days_ago - (2 if i % 4 else 6)) as p:
            p.decide_repair(
                repair.id,
                department=record.department,
                approve=approve,
                actor=f"{record.department} credit office",
                reason="Evidence verified." if approve else "The receipt does not cover the whole fine.",
            )

    def _organisation_code(self, organisation_id: int) -> str:
        with self.process.engine.connect() as conn:
            org = records_repo.organisation(conn, organisation_id)
        assert org is not None
        return str(org.code)

    def _count_records(self) -> None:
        with self.process.engine.connect() as conn:
            self.counts.records = len(
                conn.execute(
                    select(records_repo.records.c.id).where(
                        records_repo.records.c.source_record_id.like("LIST-%")
                        | records_repo.records.c.source_record_id.like("COMMIT-%")
                        | records_repo.records.c.source_record_id.like("BREACH-%")
                    )
                ).all()
            )
