"""Ingestion: the one place where submitted rows become stored records (and corrections new versions).

The CLI (`credence ingest`) and the API's submission endpoint both call IngestService. Rows are written
in chunks, one transaction per chunk, each with its records' notices and log events: a crash loses at
most the chunk in flight, never half a row nor a record without its notice, and rerunning the same file
stores what is missing and counts the rest as unchanged. Ingests may run at once: a chunk that collides
with another's is run again.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from credence.catalog import Catalog
from credence.clock import Clock, today
from credence.files import sha256_of
from credence.log import events as log
from credence.log.store import Event
from credence.records import notices, publicity
from credence.records import repository as repo
from credence.records.block import BlockChecker, ValidBlock
from credence.records.interchange import MATCHING_FIELDS
from credence.records.pipeline import CheckedBlock, CheckerSpec, check_in_blocks, check_in_child
from credence.records.readers import FileRejected, RawRow, RowSource, blocks_of
from credence.records.validation import Rejection
from credence.settings import Settings
from credence.store import db
from credence.subjects import search as search_terms

OnReject = Callable[[Rejection], None]
OnProgress = Callable[[int, int], None]  # (rows read, position in bytes)

# Times a chunk is tried when it collides with another ingest's (a deadlock, a key stored meanwhile).
CONFLICT_TRIES = 10


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back until the block ends, then raise KeyboardInterrupt: a transaction commits
    or rolls back whole and what follows its commit is done, instead of the interrupt landing inside the
    database driver (where it left SQLite's write lock held by a half-closed connection, and PostgreSQL's
    connection unusable). Only in the main thread, and only while Python's own handler is in place: a
    server, or a caller that handles SIGINT itself, is left alone."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    held: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if held:
            raise KeyboardInterrupt


class UnknownDepartment(ValueError):
    pass


class RecordNotFound(LookupError):
    pass


@dataclass
class Written:
    """What storing one block did."""

    new: int
    updated: int
    unchanged: int
    duplicates: list[Rejection]  # rows rejected as duplicate_in_file
    added: dict[str, int]  # organisations this block added, by key (to remember once it commits)
    touched: set[int]  # organisations whose records it added or changed


@dataclass
class IngestResult:
    file_name: str
    department: str
    status: str  # complete | rejected | interrupted
    batch_id: int | None = None
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    rejects_path: str | None = None
    file_error: Rejection | None = None
    rejections: list[Rejection] = field(default_factory=list)
    organisation_ids: set[int] = field(default_factory=set)  # whose records were added or changed
    rated: int = 0  # organisations re-rated after the ingest (by the caller)
    grade_changes: int = 0

    @classmethod
    def rejected_whole(
        cls, file_name: str, department: str, rejection: Rejection, started: float, on_reject: OnReject | None
    ) -> IngestResult:
        """The result for a file refused before anything was stored; the rejection is reported first."""
        if on_reject:
            on_reject(rejection)
        return cls(
            file_name,
            department,
            "rejected",
            rejected=1,
            file_error=rejection,
            seconds=time.perf_counter() - started,
        )

    @property
    def accepted(self) -> int:
        return self.new + self.updated + self.unchanged

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "department": self.department,
            "status": self.status,
            "batch_id": self.batch_id,
            "accepted": self.accepted,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
            "rejects_file": self.rejects_path,
            "file_error": self.file_error.to_json() if self.file_error else None,
            "rated": self.rated,
            "grade_changes": self.grade_changes,
        }


class IngestService:
    def __init__(self, engine: Engine, catalog: Catalog, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.catalog = catalog
        self.clock = clock
        self.settings = settings

    def check_department(self, department: str) -> None:
        if department not in self.catalog.departments:
            known = ", ".join(sorted(self.catalog.departments))
            raise UnknownDepartment(f"unknown department '{department}'; the catalog declares: {known}")

    def ingest_file(
        self,
        path: Path,
        department: str,
        *,
        fmt: str | None = None,
        encoding: str | None = None,
        on_reject: OnReject | None = None,
        on_progress: OnProgress | None = None,
    ) -> IngestResult:
        """Ingest an interchange file. Raises OSError/ValueError for unusable arguments or files."""
        self.check_department(department)
        source = RowSource(path, fmt, encoding)
        started = time.perf_counter()
        size = db.chunk_rows(self.engine, self.settings.ingest_chunk_rows)
        parallel = source.size >= self.settings.ingest_parallel_bytes
        blocks: Generator[CheckedBlock, None, None] | None = None
        if parallel and not source.rows_need_check:
            # The second process starts reading while this one runs the whole-file checks; nothing is
            # stored before they pass.
            blocks = check_in_child(source, self._checker_spec(department), size)
        try:
            source.check()
        except FileRejected as exc:
            if blocks is not None:
                blocks.close()
            return IngestResult.rejected_whole(path.name, department, exc.as_rejection(), started, on_reject)
        if blocks is None:
            if parallel:
                blocks = check_in_child(source, self._checker_spec(department), size)
            else:
                blocks = check_in_blocks(
                    source.blocks(size), self._checker(department), lambda: source.position
                )
        return self._ingest_blocks(
            department,
            blocks,
            file_name=path.name,
            fmt=source.format,
            file_sha256=source.sha256 or sha256_of(path),
            on_reject=on_reject,
            on_progress=on_progress,
            started=started,
        )

    def ingest_rows(
        self,
        department: str,
        rows: Iterable[RawRow],
        *,
        file_name: str,
        fmt: str,
        file_sha256: str | None = None,
        on_reject: OnReject | None = None,
        on_progress: OnProgress | None = None,
        started: float | None = None,
    ) -> IngestResult:
        """Validate and store rows; rejected ones go to on_reject. The rows must already be readable."""
        self.check_department(department)
        size = db.chunk_rows(self.engine, self.settings.ingest_chunk_rows)
        blocks = check_in_blocks(blocks_of(rows, size), self._checker(department))
        return self._ingest_blocks(
            department,
            blocks,
            file_name=file_name,
            fmt=fmt,
            file_sha256=file_sha256,
            on_reject=on_reject,
            on_progress=on_progress,
            started=started,
        )

    def _checker_spec(self, department: str, *, lists: bool = False) -> CheckerSpec:
        return CheckerSpec(
            self.catalog,
            department,
            today(self.clock, self.settings.timezone),
            self.settings.max_field_chars,
            lists,
        )

    def _checker(self, department: str, *, lists: bool = False) -> BlockChecker:
        return self._checker_spec(department, lists=lists).checker()

    def _ingest_blocks(
        self,
        department: str,
        blocks: Iterator[CheckedBlock],
        *,
        file_name: str,
        fmt: str,
        file_sha256: str | None,
        on_reject: OnReject | None,
        on_progress: OnProgress | None,
        started: float | None,
    ) -> IngestResult:
        """Store checked blocks, one transaction each, in order; report rejections in line order. Ctrl-C
        is held back while a chunk commits and is reported, then ends the run as `interrupted`."""
        started = time.perf_counter() if started is None else started
        result = IngestResult(file_name, department, "running")
        with uninterrupted():
            claim, batch_id = self._start_batch(department, file_name, fmt, file_sha256)
        result.batch_id = batch_id
        read = 0
        # Organisations this run has already committed: most rows name one, so skip re-inserting it.
        known_orgs: dict[str, int] = {}
        statistics = _Statistics(self.engine, self.settings.ingest_analyze_rows)
        try:
            for block in blocks:
                with uninterrupted():
                    written, rejected = self._commit_block(department, fmt, block, batch_id, known_orgs)
                    statistics.grew(written.new + written.updated)
                    # Counted and remembered only once the block is committed.
                    read += block.rows
                    if len(known_orgs) > 500_000:
                        known_orgs.clear()
                    known_orgs.update(written.added)
                    result.organisation_ids.update(written.touched)
                    result.new += written.new
                    result.updated += written.updated
                    result.unchanged += written.unchanged
                    result.rejected += len({r.line for r in rejected})
                    for rejection in sorted(rejected, key=lambda r: r.line):
                        if on_reject:
                            on_reject(rejection)
                    if on_progress:
                        on_progress(read, block.position)
            with uninterrupted():
                with self.engine.begin() as conn:
                    repo.finish_batch(conn, batch_id, "complete", self.clock.now())
                result.status = "complete"  # and a Ctrl-C held back meanwhile leaves it so
                statistics.finish()
        except BaseException:
            close = getattr(blocks, "close", None)
            if close:
                close()  # stops a checking process at once
            if result.status != "complete":
                result.status = "interrupted"
                try:
                    with uninterrupted(), self.engine.begin() as conn:
                        repo.finish_batch(conn, batch_id, "interrupted", self.clock.now())
                except SQLAlchemyError:
                    pass  # the store is out of reach: the next ingest ends the batch, its claim gone
            raise
        finally:
            claim.release()
        result.seconds = time.perf_counter() - started
        return result

    def _start_batch(
        self, department: str, file_name: str, fmt: str, file_sha256: str | None
    ) -> tuple[db.Claim, int]:
        """A new `running` batch, claimed by this process before any other can see it (so that it can
        tell the batch's process is alive); first, batches left `running` by a process that died are
        marked `interrupted`, as Ctrl-C would have left them."""
        now = self.clock.now()
        claim: db.Claim | None = None
        try:
            with self.engine.begin() as conn:
                db.write_first(conn)
                repo.end_abandoned(conn, lambda batch: db.claimed(self.engine, "batch", batch), now)
                batch_id = repo.start_batch(conn, department, file_name, fmt, file_sha256, now)
                claim = db.Claim(self.engine, "batch", batch_id)
        except BaseException:
            if claim is not None:
                claim.release()
            raise
        return claim, batch_id

    def _commit_block(
        self, department: str, fmt: str, block: CheckedBlock, batch_id: int, known_orgs: dict[str, int]
    ) -> tuple[Written, list[Rejection]]:
        """Store one block in a transaction of its own, with the batch's counts, its records' notices and
        its log events; a transaction that collides with another ingest's (a deadlock, a record or an
        organisation another stored meanwhile) is run again, and then sees what the other stored.
        Returns what was written and the block's rejections."""
        for attempt in range(1, CONFLICT_TRIES + 1):
            try:
                with self.engine.begin() as conn:
                    db.write_first(conn)
                    written = self._write_block(conn, department, block.valid, batch_id, known_orgs)
                    rejected = [*block.rejected, *written.duplicates]
                    repo.add_batch_counts(
                        conn,
                        batch_id,
                        written.new,
                        written.updated,
                        written.unchanged,
                        len({r.line for r in rejected}),
                    )
                    log.note_all(conn, refusal_events(department, fmt, rejected, batch_id=batch_id))
                    log.flush(conn, self.clock.now())
                return written, rejected
            except DBAPIError as exc:
                if attempt == CONFLICT_TRIES or not db.conflicted(exc):
                    raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # a back-off, so that colliding runs part
        raise AssertionError("unreachable")

    def log_refusals(self, department: str, channel: str, rejections: Iterable[Rejection]) -> None:
        """Log the refusals on prohibited grounds among these rejections, in a transaction of their own:
        for a submission whose own transaction was rolled back."""
        events = refusal_events(department, channel, rejections)
        if events:
            with self.engine.begin() as conn:
                log.note_all(conn, events)
                log.flush(conn, self.clock.now())

    def screen_texts(self, department: str, channel: str, fields: dict[str, str | None]) -> None:
        """Screen the free text a procedure adds (a list entry's facts, a breach, an answer's reason) as a
        record's is screened. Raises RowsRejected naming the field, after logging a refusal on a
        prohibited ground; call it before the procedure's transaction begins."""
        screen = self.catalog.screen
        rejections = []
        for name, text in fields.items():
            refused = screen.text(name, text) if text and text.strip() else None
            if refused is not None:
                rejections.append(Rejection(0, name, refused.reason, refused.message, None, refused.ground))
        if rejections:
            self.log_refusals(department, channel, rejections)
            raise RowsRejected(rejections)

    @contextmanager
    def refusals_logged(self, department: str, channel: str) -> Iterator[None]:
        """Around a procedure's transaction that may store a record: a refusal on a prohibited ground that
        rolls it back is still logged, once the rollback is done."""
        try:
            yield
        except RowsRejected as exc:
            self.log_refusals(department, channel, exc.rejections)
            raise

    def _write_block(
        self,
        conn: Any,
        department: str,
        block: ValidBlock,
        batch_id: int,
        known_orgs: dict[str, int],
        changed_kind: str = "record.submitted",
    ) -> Written:
        """Store one block in the caller's transaction, give each new record its notice (and each record
        of the block that awaits notice without one), and note its log events (each new record and each
        new version, as `changed_kind`)."""
        now = self.clock.now()
        sids, hashes, lines = block.source_record_id, block.content_hash, block.line
        distinct = list(dict.fromkeys(sids))
        known = repo.current_of(conn, department, distinct)
        fresh: list[int] = []  # positions in the block
        changed: list[int] = []
        changes: list[tuple[int, int]] = []  # (record id, new version) of the changed rows
        published: list[bool] = []  # whether each changed row's record is published (noticed, active)
        seen: list[tuple[int, int]] = []  # (record id, line): unchanged rows from an earlier submission
        refreshed: list[tuple[int, tuple[str | None, ...]]] = []  # unchanged, with other matching data
        refreshed_of: list[int] = []  # the organisation of each refreshed record
        unpublished: list[repo.Current] = []  # of earlier submissions, awaiting notice (or withdrawn)
        moved: set[int] = set()  # organisations a changed record was taken from
        duplicates: list[Rejection] = []
        unchanged = 0
        if not known and len(distinct) == len(sids):  # the usual case: every row is a new record
            fresh = list(range(len(sids)))
            sids = []
        for i, sid in enumerate(sids):
            current = known.get(sid)
            if current is None:
                fresh.append(i)
                known[sid] = repo.Current(-1, 1, hashes[i], batch_id, lines[i])
            elif current.content_hash == hashes[i]:
                unchanged += 1
                if current.batch_id != batch_id:
                    seen.append((current.id, lines[i]))
                    matching = tuple(getattr(block, name)[i] for name in MATCHING_FIELDS)
                    if matching != current.matching:
                        refreshed.append((current.id, matching))
                        refreshed_of.append(current.organisation_id)
                        moved.add(current.organisation_id)
                    if not current.published:
                        unpublished.append(current)
                    known[sid] = repo.Current(current.id, current.version, hashes[i], batch_id, lines[i])
            elif current.batch_id == batch_id:
                duplicates.append(
                    Rejection(
                        lines[i],
                        "source_record_id",
                        "duplicate_in_file",
                        f"source_record_id '{sid}' already appears with other content at "
                        f"line {current.line} of this submission",
                        sid,
                    )
                )
            else:
                changed.append(i)
                changes.append((current.id, current.version + 1))
                published.append(current.published)
                if not current.published:
                    unpublished.append(current)
                moved.add(current.organisation_id)
                known[sid] = repo.Current(current.id, current.version + 1, hashes[i], batch_id, lines[i])

        stored_keys = dict.fromkeys(block.subject_key[i] for i in fresh + changed)
        added = repo.ensure_organisations(
            conn, [block.subjects[key] for key in stored_keys if key not in known_orgs], now
        )
        search_terms.index_subjects(conn, added.values())  # a new subject is found by search at once

        ids = {key: known_orgs.get(key) or added[key] for key in stored_keys}
        new_rows = block if len(fresh) == len(block) else block.take(fresh)
        last_id = repo.last_record_id(conn) if fresh else 0
        repo.insert_records(
            conn, department, new_rows, list(map(ids.__getitem__, new_rows.subject_key)), batch_id, now
        )
        changed_rows = block.take(changed)
        repo.update_records(
            conn,
            [
                (rid, version, ids[key])
                for (rid, version), key in zip(changes, changed_rows.subject_key, strict=True)
            ],
            changed_rows,
            batch_id,
            now,
        )
        repo.mark_seen(conn, seen, batch_id)
        repo.refresh_matching(conn, refreshed)
        log.note_all(
            conn,
            [
                log.matching_refreshed(rid, department, batch_id, organisation_id, matching)
                for (rid, matching), organisation_id in zip(refreshed, refreshed_of, strict=True)
            ],
        )
        inserted = (last_id, repo.last_record_id(conn)) if fresh else (0, 0)
        stored = repo.inserted_ids(conn, batch_id, inserted) if fresh else {}
        deemed = notices.deemed_on(today(self.clock, self.settings.timezone), self.settings)
        if fresh:
            notices.produce_for_unnoticed(conn, repo.inserted_in(batch_id, inserted), now, deemed)
        if unpublished:  # a record stored by a run that did not complete may lack its notice
            unfinished = repo.unfinished(conn, list({current.stored_by for current in unpublished}))
            suspect = [current.id for current in unpublished if current.stored_by in unfinished]
            lacking = notices.lacking_notice(conn, suspect) if suspect else []
            if lacking:  # what a run killed before notices came with their chunk left behind
                notices.produce_for_unnoticed(conn, notices.records.c.id.in_(lacking), now, deemed)
        self._note_stored(
            conn, department, batch_id, new_rows, stored, changed_rows, changes, published, ids, changed_kind
        )
        touched = set(ids.values()) | {org for org in moved if org >= 0}
        return Written(len(fresh), len(changed), unchanged, duplicates, added, touched)

    def _note_stored(
        self,
        conn: Connection,
        department: str,
        batch_id: int,
        new_rows: ValidBlock,
        stored: dict[str, int],
        changed_rows: ValidBlock,
        changes: list[tuple[int, int]],
        published: list[bool],
        organisation_ids: dict[str, int],
        changed_kind: str,
    ) -> None:
        """Note a log event for each record stored. A new record is not public: nothing is published
        before notice. A new version of a published record is seen at once, so public if anyone may.
        `stored` has the new records' ids by source id."""
        events = [
            log.submitted(
                "record.submitted",
                stored[sid],
                department,
                sid,
                new_rows.category[i],
                1,
                new_rows.content_hash[i],
                batch_id,
                organisation_ids[new_rows.subject_key[i]],
                False,
            )
            for i, sid in enumerate(new_rows.source_record_id)
        ]
        on = today(self.clock, self.settings.timezone)
        events.extend(
            log.submitted(
                changed_kind,
                rid,
                department,
                changed_rows.source_record_id[k],
                changed_rows.category[k],
                version,
                changed_rows.content_hash[k],
                batch_id,
                organisation_ids[changed_rows.subject_key[k]],
                published[k] and self._visible(changed_rows, k, on),
            )
            for k, (rid, version) in enumerate(changes)
        )
        log.note_all(conn, events)

    def _visible(self, rows: ValidBlock, k: int, on: date) -> bool:
        """Whether row k of a block, stored as a published record's version, may be seen by anyone."""
        subject = rows.subjects[rows.subject_key[k]]
        return not subject.never_public and publicity.in_period(
            self.catalog, rows.category[k], rows.severity[k], date.fromisoformat(rows.decided_on[k]), on
        )

    def analyze(self) -> None:
        """Refresh the statistics of the tables ingestion writes (after the demo is built, say)."""
        with self.engine.begin() as conn:
            repo.analyze_written(conn)

    def correct_in(self, conn: Connection, department: str, row: dict[str, Any], *, file_name: str) -> None:
        """Store a corrected version of one record in the caller's transaction (a department answering an
        objection "corrected"), through the same checks as every submission. Raises RowsRejected naming
        each field that is wrong, or ValueError when the row changes nothing."""
        category = self.catalog.categories.get(str(row.get("category")))
        new, updated, unchanged = self._store_one(
            conn,
            department,
            row,
            file_name,
            "correction",
            lists=bool(category and category.list),
            changed_kind="record.corrected",
        )
        if updated != 1:
            what = "changes nothing" if unchanged else "names no stored record"
            raise ValueError(f"the correction of record '{row.get('source_record_id')}' {what}")

    def procedure_record_in(
        self, conn: Connection, department: str, row: dict[str, Any], *, procedure: str
    ) -> int:
        """Store a record that a procedure decides (a list entry, a credit commitment or its breach) in the
        caller's transaction, through the same checks as every submission, with its notice. Only a
        procedure may store a list's record. Returns its id."""
        new, _, _ = self._store_one(conn, department, row, procedure, "procedure", lists=True)
        record = repo.find_record(conn, department, str(row["source_record_id"]))
        if new != 1 or record is None:
            raise ValueError(f"record '{row['source_record_id']}' of {department} already exists")
        return int(record.id)

    def _store_one(
        self,
        conn: Connection,
        department: str,
        row: dict[str, Any],
        file_name: str,
        fmt: str,
        *,
        lists: bool,
        changed_kind: str = "record.submitted",
    ) -> tuple[int, int, int]:
        """Store one row in the caller's transaction, as a submission of its own; its log event is noted
        for the caller to flush. The procedure rates what it changes, so its batch needs no rating."""
        checked = next(
            check_in_blocks(blocks_of([RawRow(1, row)], 1), self._checker(department, lists=lists))
        )
        if checked.rejected:
            raise RowsRejected(checked.rejected)
        now = self.clock.now()
        batch_id = repo.start_batch(conn, department, file_name, fmt, None, now)
        written = self._write_block(conn, department, checked.valid, batch_id, {}, changed_kind)
        repo.add_batch_counts(conn, batch_id, written.new, written.updated, written.unchanged, 0)
        repo.finish_batch(conn, batch_id, "complete", now, rated=True)
        return written.new, written.updated, written.unchanged


class _Statistics:
    """Refreshes the statistics of the tables an ingest writes as they grow, so that no one needs to know
    to run ANALYZE: once the run has added as many records as the store held at the last refresh (and at
    least `rows`), so at most a few times in any run (the table doubles between two), and at the end when
    it added a tenth of the store. PostgreSQL's plans for a chunk's lookups hold with statistics of any
    age once they exist (the ranges are bounded, the lists are arrays); a table planned as empty does not.
    So the refreshes made while the run goes on take a small sample (store.db.analyze's `coarse`), and a
    run that made one ends with a full one, for the queries that read what it stored."""

    def __init__(self, engine: Engine, rows: int) -> None:
        self.engine, self.rows = engine, rows
        with engine.connect() as conn:
            self.size = repo.last_record_id(conn)  # about the number of records: cheap on any store
        self.added = 0
        self.coarse = False  # the last refresh took a small sample

    def grew(self, rows: int) -> None:
        self.added += rows
        if self.added >= max(self.rows, self.size):
            self._refresh(coarse=True)

    def finish(self) -> None:
        if self.coarse or self.added >= max(self.rows, self.size // 10):
            self._refresh(coarse=False)

    def _refresh(self, *, coarse: bool) -> None:
        with self.engine.begin() as conn:
            repo.analyze_written(conn, coarse=coarse)
        self.size += self.added
        self.added = 0
        self.coarse = coarse


class RowsRejected(ValueError):
    def __init__(self, rejections: list[Rejection]) -> None:
        self.rejections = rejections
        super().__init__("; ".join(f"{r.field or 'row'}: {r.message}" for r in rejections))


def refusal_events(
    department: str, channel: str, rejections: Iterable[Rejection], **content: Any
) -> list[Event]:
    """One refusal.prohibited_ground event per rejection on a prohibited ground."""
    return [
        log.refused(department, r.ground or "unknown", channel, r.field, **content)
        for r in rejections
        if r.reason == "prohibited_ground"
    ]
