"""The store's tables as SQLAlchemy 2 typed models. Records are never deleted, and no version is lost:
a record's row holds its current version, and a correction first copies the version it replaces to
record_versions; a withdrawal is a row in record_events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from credence.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    """A subject: one organisation, known by its key: its identifier ('uscc:…', 'lei:…') or, without one,
    a deterministic 'unresolved:…' key that later linkage may merge (merging never rewrites records)."""

    __tablename__ = "organisations"

    # Integer surrogate keys keep index inserts near the end of each B-tree: with text digests as keys
    # every insert landed on a random page, which made writes several times slower (docs/benchmarks.md).
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    scheme: Mapped[str] = mapped_column(String(16))  # uscc | lei | unresolved
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    alt_name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2))
    division: Mapped[str | None] = mapped_column(String(6))
    # Sole proprietors are natural persons in business: their records are never public.
    never_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The organisation whose file this subject's records are part of, when that is another one (links
    # joined them): derived from subject_links by credence.subjects.files, never entered by hand. None: its
    # own file. No foreign key: a derived column, rebuilt whole by `credence link --rebuild`.
    file_id: Mapped[int | None] = mapped_column(Integer, index=True)


class SubjectLink(Base):
    """A judgement on whether two subjects are the same organisation: `same`, `not_same` or `unsure`, made
    by a shared identifier, the model, or a named clerk. Append-only: the latest judgement on a pair is the
    one that holds, so a split is a new judgement and both files come back as they were. Records are never
    rewritten; the files follow from the judgements (organisations.file_id)."""

    __tablename__ = "subject_links"
    __table_args__ = (
        Index("ix_subject_links_pair", "left_id", "right_id", "id"),
        Index("ix_subject_links_right", "right_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    left_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the smaller id of the two
    right_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    judgement: Mapped[str] = mapped_column(String(16))  # same | not_same | unsure
    basis: Mapped[str] = mapped_column(String(32))  # identifier:<scheme> | model | clerk
    probability: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float | None] = mapped_column(Float)
    comparisons: Mapped[str | None] = mapped_column(Text)  # JSON: the model's weight per comparison
    actor: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(32))  # a clerk's department; None for the model
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubjectForms(Base):
    """A subject's names, address and identifiers in the forms the linkage model compares, kept so that
    each subject is prepared once rather than at every run (credence.subjects.prepared). Derived, never
    entered: `digest` covers the subject's fields and the preparation's code, and forms whose digest no
    longer matches are prepared again and replaced."""

    __tablename__ = "subject_forms"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    forms: Mapped[str] = mapped_column(Text)  # JSON: one object, credence.subjects.forms.lines


class SearchVocabulary(Base):
    """Every distinct search term of the subjects' names, once (credence.subjects.search). Derived."""

    __tablename__ = "search_vocabulary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(64), unique=True)


class SearchTerm(Base):
    """Which subjects' names give which search term (credence.subjects.search): kept when a subject is
    stored, so that a search looks up its terms instead of reading every name. Derived, never entered."""

    __tablename__ = "search_terms"

    term_id: Mapped[int] = mapped_column(ForeignKey("search_vocabulary.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)


class IngestBatch(Base):
    """One submission: a file through `credence ingest` or a body through the API."""

    __tablename__ = "ingest_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(40))  # csv | ndjson | parquet | source:NAME
    status: Mapped[str] = mapped_column(
        String(16)
    )  # running | complete | interrupted (a file rejected whole leaves no batch)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    # When the organisations whose records the batch added or changed were rated (None: not yet, as after
    # `--no-rate`, a Ctrl-C or a crash; the next ingest's rating takes them up).
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Published (noticed, active) and its current version not yet expired: the rows of ix_records_unexpired.
UNEXPIRED = text(
    "noticed_at IS NOT NULL AND state = 'active' "
    "AND (expired_version IS NULL OR expired_version < current_version)"
)


class Record(Base):
    """A record as its department knows it, (department, source_record_id), with its current version.

    The current version lives in the record's own row so that storing a new record is one insert (the
    write path of ingestion, docs/benchmarks.md) and rating reads one table. Earlier versions are in
    record_versions."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("department", "source_record_id"),
        Index("ix_records_organisation", "organisation_id"),
        Index("ix_records_batch", "batch_id"),  # a batch's records: to rate them, to deliver their notices
        # The records a given number of days old, whose weight changes today (credence.rating.ageing).
        Index("ix_records_decided_on", "decided_on"),
        # The published records whose current version has not expired yet, by kind and day: the tick finds
        # those whose publication period ended today without reading the ones that expired before
        # (records.repository.to_expire; migration 0019).
        Index(
            "ix_records_unexpired",
            "category",
            "severity",
            "decided_on",
            postgresql_where=UNEXPIRED,
            sqlite_where=UNEXPIRED,
        ),
        # Search's department and category filters: who has a published record, read from the index alone.
        Index(
            "ix_records_published",
            "department",
            "category",
            "severity",
            "decided_on",
            "organisation_id",
            "state",
            "noticed_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(String(32))
    source_record_id: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    category: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # active | withdrawn
    current_version: Mapped[int] = mapped_column(Integer)
    subject_name: Mapped[str] = mapped_column(Text)
    subject_alt_name: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(16))
    decided_on: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # final | pending
    # Decimal as canonical text: exact on every backend (SQLite has no decimal type).
    amount: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str | None] = mapped_column(String(3))
    summary: Mapped[str | None] = mapped_column(Text)
    effective_until: Mapped[date | None] = mapped_column(Date)
    until_kind: Mapped[str | None] = mapped_column(String(16))  # date | permanent | open_ended
    content_hash: Mapped[str] = mapped_column(String(64))
    # Matching data as the current submission gives it: an address, the old organisation code and the old
    # registration number. Used to tell subjects apart, never published, not in the content hash.
    subject_address: Mapped[str | None] = mapped_column(Text)
    subject_org_code: Mapped[str | None] = mapped_column(String(9))
    subject_registration: Mapped[str | None] = mapped_column(String(15))
    # Provenance of the current version: the submission (its file is the batch's), its line, when.
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"))
    line: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The last submission that carried the record (changed or not), to catch duplicates within one.
    last_batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"))
    last_line: Mapped[int] = mapped_column(Integer)
    # When delivery of the notice to the organisation was logged. Until then the record is not published
    # and does not count in any rating: nothing is published before notice.
    noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The version whose publication period ended (its 'expired' event is in record_events); a correction
    # makes a later version, which expires in its turn.
    expired_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordVersion(Base):
    """An earlier version of a record's content, with its provenance, copied here when a correction
    replaced it. Rows here are only ever added."""

    __tablename__ = "record_versions"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    category: Mapped[str] = mapped_column(String(64))
    subject_name: Mapped[str] = mapped_column(Text)
    subject_alt_name: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(16))
    decided_on: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    amount: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str | None] = mapped_column(String(3))
    summary: Mapped[str | None] = mapped_column(Text)
    effective_until: Mapped[date | None] = mapped_column(Date)
    until_kind: Mapped[str | None] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    subject_address: Mapped[str | None] = mapped_column(Text)
    subject_org_code: Mapped[str | None] = mapped_column(String(9))
    subject_registration: Mapped[str | None] = mapped_column(String(15))
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"))
    file_name: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordEvent(Base):
    """A change of a record's state (withdrawn, reinstated), with who, when and why."""

    __tablename__ = "record_events"
    __table_args__ = (Index("ix_record_events_record", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class RatingRow(Base):
    """An organisation's current rating: score, grade, reasons, and the policy (version and file hash)
    that produced it."""

    __tablename__ = "ratings"
    # Every re-rating updates every row: on PostgreSQL half of each page is left free for the new versions,
    # written beside the old ones without a new index entry (heap-only updates; migration 0017).
    __table_args__ = ({"postgresql_with": {"fillfactor": 50}},)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))
    grade_limited_by: Mapped[str | None] = mapped_column(String(64))
    # The principal reasons as JSON: [{"record_id": …, "points": …}], heaviest first, at most four.
    reasons: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(32))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the facts this rating was made from were read (at the latest): a rating is replaced only by one
    # whose facts were read no earlier, so that of two ratings at once the stale one never wins.
    facts_read_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RatingChange(Base):
    """A change of grade: when, from what to what, and why. Rows are only ever added."""

    __tablename__ = "rating_history"
    __table_args__ = (Index("ix_rating_history_organisation", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    as_of: Mapped[date] = mapped_column(Date)
    old_grade: Mapped[str | None] = mapped_column(String(1))  # None for the first rating
    new_grade: Mapped[str] = mapped_column(String(1))
    score: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(32))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Notice(Base):
    """A notice to an organisation: produced by the registry into its inbox and the outbox that a mailer
    or department system reads; delivered when delivery is logged, or deemed delivered on `deemed_on`.
    A record's notice serves the decision and how to repair it together (两书同达)."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_organisation", "organisation_id", "id"),
        Index("ix_notices_record", "record_id"),
        Index("ix_notices_pending", "delivered_at", "deemed_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # record and reinstatement notices gate publication; the others tell of a decision already taken.
    # record | reinstatement | objection | repair | list_proposal | list_warning | list | link
    kind: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    department: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    version: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)  # what was decided, for the non-record kinds
    produced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deemed_on: Mapped[date] = mapped_column(Date)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivery: Mapped[str | None] = mapped_column(String(16))  # logged | deemed
    delivered_by: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(Text)


class Objection(Base):
    """An objection to a record (its content or publication period) or to a repair decision. While it is
    open the record shows "under objection"; the submitting department answers by `due_on`."""

    __tablename__ = "objections"
    __table_args__ = (
        Index("ix_objections_record", "record_id"),
        Index("ix_objections_open", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    version: Mapped[int] = mapped_column(Integer)  # the record's version objected to
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    department: Mapped[str] = mapped_column(String(32))  # the department that answers
    ground: Mapped[str] = mapped_column(String(16))  # content | period | repair_decision
    repair_id: Mapped[int | None] = mapped_column(ForeignKey("repairs.id"))
    statement: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(Text)  # "organisation:CODE" or "department:CODE"
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    filed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_information: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(
        String(16)
    )  # open | extended | corrected | upheld | withdrawn | lapsed
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)


class Repair(Base):
    """An application to repair credit on a record: evidence that the duty was fulfilled and a public
    commitment. The department decides by `decide_by`; the whole repair is due by `complete_by`."""

    __tablename__ = "repairs"
    __table_args__ = (
        Index("ix_repairs_record", "record_id"),
        Index("ix_repairs_open", "state", "decide_by"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    department: Mapped[str] = mapped_column(String(32))  # the deciding department
    evidence: Mapped[str] = mapped_column(Text)
    commitment: Mapped[str | None] = mapped_column(Text)
    applied_by: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_on: Mapped[date] = mapped_column(Date)
    decide_by: Mapped[date] = mapped_column(Date)
    complete_by: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # applied | approved | refused
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)


class ListEntry(Base):
    """An entry on a list (serious_dishonesty | abnormal_operation | honour) under one published criterion.
    Its state follows the list's machine (credence.process.machine); once listed it has a record in the
    list's catalog category, which is published, counted and objected to like any record."""

    __tablename__ = "list_entries"
    __table_args__ = (
        Index("ix_list_entries_organisation", "organisation_id"),
        Index("ix_list_entries_current", "list", "state", "ends_on"),
        Index("ix_list_entries_record", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    department: Mapped[str] = mapped_column(String(32))
    criterion: Mapped[str] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))  # serious-dishonesty: one of the four fields
    legal_basis: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)
    decision_ref: Mapped[str | None] = mapped_column(Text)  # the legally effective decision it rests on
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(Text)
    answer_due: Mapped[date | None] = mapped_column(Date)  # serious: last day to answer the proposal
    answer: Mapped[str | None] = mapped_column(Text)
    hearing_requested: Mapped[bool] = mapped_column(default=False)
    hearing: Mapped[str | None] = mapped_column(Text)  # the hearing's record, when one was held
    starts_on: Mapped[date | None] = mapped_column(Date)  # listed from
    ends_on: Mapped[date | None] = mapped_column(Date)  # ends by itself after this day (None: on cure)
    ended_on: Mapped[date | None] = mapped_column(Date)
    warned_on: Mapped[date | None] = mapped_column(Date)  # abnormal: warned of escalation
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    escalated_from: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))


class ListEntryEvent(Base):
    """Every step of a list entry: what, who, when and why."""

    __tablename__ = "list_entry_events"
    __table_args__ = (Index("ix_list_entry_events_entry", "entry_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"))
    state: Mapped[str] = mapped_column(String(16))  # the state it left the entry in
    event: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Commitment(Base):
    """A credit commitment an organisation made to a department in a published template (e.g. that it
    meets the licence conditions). Its making is a record (credit_commitment); a department marks it kept
    or broken, and a broken one becomes a record of breach under the catalog."""

    __tablename__ = "commitments"
    __table_args__ = (
        Index("ix_commitments_organisation", "organisation_id"),
        Index("ix_commitments_department", "department", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    department: Mapped[str] = mapped_column(String(32))
    template: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # the template's words, as made
    state: Mapped[str] = mapped_column(String(16))  # made | kept | broken
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    made_by: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)  # by when it is to be shown kept, if it says
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))  # the commitment's record
    breach_record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))


class CreditReport(Base):
    """A credit report as issued: its verification code, for whom and when, and what it said (canonical
    JSON, with its SHA-256), so that anyone holding the code can check it is genuine and still current."""

    __tablename__ = "credit_reports"
    __table_args__ = (
        Index("ix_credit_reports_code", "code", unique=True),
        Index("ix_credit_reports_organisation", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32))  # the verification code, e.g. K7QF-2M9X-4D8R-T1VW
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of what the report says


# --- Accountability: the transparency log, its checkpoints and followers; accounts, tokens and reads ---


class LogEntry(Base):
    """One decision event in the transparency log, at its index (from 0, without gaps). The leaf commits
    to the kind, the time, whether it is public and a salted commitment to what it is about (ref and
    organisation) and its content; the content and salt may later be erased (repair, expiry) while the
    leaf still proves the event happened. (Entries from before migration 0011 have leaves of version 1,
    without the public flag, ref and organisation.) Found by kind, and by what it is about."""

    __tablename__ = "log_entries"
    __table_args__ = (Index("ix_log_entries_kind", "kind", "idx"), Index("ix_log_entries_ref", "ref", "idx"))

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. record.submitted, list.listed, rating.changed
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    ref: Mapped[str] = mapped_column(Text)  # what the event is about, e.g. record:123, list_entry:7
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    public: Mapped[bool] = mapped_column()  # may its content be shown to anyone (the change feed)?
    content: Mapped[str | None] = mapped_column(Text)  # canonical JSON; NULL once erased
    salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))  # NULL once erased
    commitment: Mapped[bytes] = mapped_column(LargeBinary(32))  # SHA-256(salt || content)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))  # RFC 9162 leaf hash of the entry


class LogHead(Base):
    """The log's one head row: its size and the right edge of its tree (the roots of its complete
    subtrees, largest first), locked by every append so that indices have no gaps and no forks."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[bytes] = mapped_column(LargeBinary)  # 32-byte hashes, concatenated
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LogNode(Base):
    """The hash of a complete subtree of 2**level leaves starting at leaf idx * 2**level (level >= 4:
    credence.log.store.NODE_LEVEL; smaller subtrees are computed from their leaves)."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogCheckpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint, Ed25519 signed note) of the log at a size."""

    __tablename__ = "log_checkpoints"
    __table_args__ = (Index("ix_log_checkpoints_size", "size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class TickMark(Base):
    """The last day a recurring job (the tick) ran to its end: the next run looks only at what changed by
    itself since then (credence.rating.ageing)."""

    __tablename__ = "tick_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedConsumer(Base):
    """A follower of the change feed and the last log index it acknowledged having applied."""

    __tablename__ = "feed_consumers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    acked: Mapped[int] = mapped_column(BigInteger)  # -1 before the first acknowledgement
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Account(Base):
    """A person who signs in on the web: a role, what it acts for, and an argon2 password hash."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # organisation | department | operator | auditor
    department: Mapped[str | None] = mapped_column(String(32))
    organisation_code: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """An API token, stored only as its SHA-256 (tokens are 256-bit random, so a fast hash is enough);
    shown once when made; revocable; always with an expiry."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(32))
    organisation_code: Mapped[str | None] = mapped_column(String(32))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in web session, known by the SHA-256 of its cookie value; it expires and can be ended."""

    __tablename__ = "web_sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccessRead(Base):
    """A read of an organisation's non-public data: who, for which purpose, when. The organisation sees
    these on its own page."""

    __tablename__ = "access_reads"
    __table_args__ = (Index("ix_access_reads_organisation", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(Text)  # e.g. "department MR, token 'MR licensing system' (#3)"
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    what: Mapped[str] = mapped_column(Text)  # the route or page read
