"""What the log says about each record, to check the store (and what the API serves) against it.

A record's log entries (ref `record:<id>`) commit to every version's content, as the SHA-256 of its
fields joined by U+001F (`content_hash`, as the ingest computes it), and to every change of its state:

| entry | what it leaves |
|---|---|
| `record.submitted` (version 1) | the record, active, not published (nothing is before notice) |
| `record.submitted`, `record.corrected` (a later version) | its content; state and publication as they were |
| `record.published` | published (its notice delivered) |
| `record.withdrawn` | withdrawn |
| `record.reinstated` | active again, not published until its new notice is delivered |
| `record.ended` | ended (its list entry ended) |
| `record.repaired` (and, before it was logged, `repair.decided` with state `approved`) | repaired |
| `record.expired` | its publication period over (nothing stored changes) |

`Replay` folds every entry of the log into each record's expected version, content hash, state and
publication, in arrays indexed by record id (about 40 bytes a record), and `reconcile` compares every
stored record with it. `PublicHistory` does the same from the public entries alone, as anyone outside
sees them (the change feed), to say whether a record should be served and with which content.
"""

from __future__ import annotations

import hashlib
import string
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from credence.identity.kinds import OrgKind, kind_info
from credence.log import checkpoints, feed, proofs
from credence.store.models import Organisation, Record

SUBMITTED = frozenset({"record.submitted", "record.corrected"})
CONTENT_KINDS = SUBMITTED | {"record.published"}  # entries whose content names a version's content hash
STATE_KINDS = frozenset(
    {"record.published", "record.withdrawn", "record.reinstated", "record.ended", "record.repaired"}
)
KINDS = CONTENT_KINDS | STATE_KINDS | {"record.expired", "repair.decided"}  # what the replay reads

# A record's state in the replay: 0 means no entry submitted it.
ACTIVE, WITHDRAWN, REPAIRED, ENDED = 1, 2, 3, 4
STATES = {ACTIVE: "active", WITHDRAWN: "withdrawn", REPAIRED: "repaired", ENDED: "ended"}
_CODES = {name: code for code, name in STATES.items()}
_PUBLISHED, _UNKNOWN = 8, 16  # flags beside the state: published; content erased (not comparable)
_BY_KIND = {"record.withdrawn": WITHDRAWN, "record.ended": ENDED, "record.repaired": REPAIRED}
_NONE = bytes(32)

_records: Table = Record.__table__  # type: ignore[assignment]
_organisations: Table = Organisation.__table__  # type: ignore[assignment]
PAGE = 8192  # stored records read per query


# -- the content hash --------------------------------------------------------------------------------------


def content_hash(fields: Sequence[str]) -> str:
    """SHA-256, in hex, of a record's content fields joined by U+001F (credence.records.validation)."""
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def fields_of(record: Any, subject: str, country: str | None) -> list[str]:
    """The fields a content hash covers, in order, from a records row (or a served record), its subject's
    key and country: source id, category, subject, country, subject name and alternative name, severity,
    decision day, legal basis, status, amount, currency, summary, and until (a day, or permanent or
    open_ended)."""
    until = record.effective_until
    return [
        record.source_record_id,
        record.category,
        subject,
        country or "",
        record.subject_name,
        record.subject_alt_name or "",
        record.severity or "",
        str(record.decided_on),
        record.legal_basis,
        record.status,
        record.amount or "",
        record.currency or "",
        record.summary or "",
        str(until) if until else (record.until_kind or ""),
    ]


_EVERY_COUNTRY = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]


def committed_country(
    record: Any, subject: str, country: str | None, logged: str | None
) -> tuple[bool, str | None]:
    """(whether the record's content hash is `logged`, the subject country it was computed with).

    The country a record was submitted with is not kept with the record but with its organisation, as
    first seen. It is the same for a USCC (CN) or an organisation without an identifier (its key holds it);
    an LEI's rows may give another, or none: so, for an LEI, every two-letter code is tried."""
    tried = [country, None] if country else [None]
    if subject.startswith("lei:"):
        tried += [c for c in _EVERY_COUNTRY if c != country]
    for candidate in tried:
        if content_hash(fields_of(record, subject, candidate)) == logged:
            return True, candidate
    return False, country


# -- the replay of the whole log (from the store) ------------------------------------------------------------


def record_id(kind: str, ref: str, content: dict[str, Any] | None) -> int | None:
    """The record an entry of a kind the replay reads is about; None for any other entry."""
    if kind == "repair.decided":
        if content is None or content.get("state") != "approved":
            return None
        found = content.get("record_id")
        return found if isinstance(found, int) else None
    if not ref.startswith("record:"):
        return None
    try:
        return int(ref[7:])
    except ValueError:
        return None


_REPLAYED = KINDS - {"record.expired"}  # record.expired changes nothing stored


def _parsed(content: str | None) -> dict[str, Any] | None:
    if content is None:
        return None
    try:
        found = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, dict) else None


class Replay:
    """Each record's version, content hash, department, state and publication as the log leaves them,
    folded in index order. Kept in arrays indexed by record id: memory grows by about 40 bytes a record,
    not with the log."""

    def __init__(self) -> None:
        self.size = 0
        self.version = array("q")
        self.flags = bytearray()  # the state (0: never submitted) | _PUBLISHED | _UNKNOWN
        self.hashes = bytearray()  # 32 bytes a record
        self.department = array("H")  # 1 + its place in names; 0 when no entry named it
        self.departments: dict[str, int] = {}
        self.names: list[str] = []

    def _room(self, rid: int) -> None:
        if rid < self.size:
            return
        grow = max(rid + 1, 2 * self.size, 1024) - self.size
        self.version.frombytes(bytes(self.version.itemsize * grow))
        self.flags.extend(bytes(grow))
        self.hashes.extend(bytes(32 * grow))
        self.department.frombytes(bytes(self.department.itemsize * grow))
        self.size += grow

    def apply(self, kind: str, ref: str, content: str | None) -> None:
        """Fold one entry in (its content None when erased). Only a submission's content is read (and a
        repair's decision, and a publication of a record no submission logged): a state's change is in
        its kind and ref."""
        if kind not in _REPLAYED:
            return
        if kind == "repair.decided":
            rid = record_id(kind, ref, _parsed(content))
        elif ref.startswith("record:") and ref[7:].isdigit():
            rid = int(ref[7:])
        else:
            return
        if rid is None or rid < 0:
            return
        self._room(rid)
        flags = self.flags[rid]
        state = flags & 7
        if kind in SUBMITTED or (kind == "record.published" and state == 0):
            parsed = _parsed(content)
            if state == 0:
                flags = ACTIVE
                if parsed is not None:
                    self.department[rid] = self._department(parsed.get("department"))
            self._content(rid, parsed)
            flags = (flags & ~_UNKNOWN) | (0 if parsed is not None else _UNKNOWN)
        if kind == "record.published":
            flags |= _PUBLISHED
        elif kind == "record.reinstated":
            flags = (flags & ~7 & ~_PUBLISHED) | ACTIVE
        elif kind in _BY_KIND or kind == "repair.decided":
            flags = (flags & ~7) | _BY_KIND.get(kind, REPAIRED)
        self.flags[rid] = flags

    def _content(self, rid: int, parsed: dict[str, Any] | None) -> None:
        if parsed is None:
            return
        version, digest = parsed.get("version"), parsed.get("content_hash")
        self.version[rid] = version if isinstance(version, int) else -1
        try:
            self.hashes[32 * rid : 32 * rid + 32] = (
                bytes.fromhex(digest) if isinstance(digest, str) else _NONE
            )
        except ValueError:
            self.hashes[32 * rid : 32 * rid + 32] = _NONE

    def _department(self, name: Any) -> int:
        text = str(name)
        found = self.departments.get(text)
        if found is None:
            self.names.append(text)
            found = self.departments[text] = len(self.names)
        return found

    def logged(self) -> Iterator[int]:
        """The ids of the records some entry submitted."""
        return (rid for rid in range(self.size) if self.flags[rid] & 7)


@dataclass
class Reconciliation:
    """What comparing the store's records with the log found."""

    records: int = 0  # stored records compared
    erased: int = 0  # of which their content entry was erased: state and publication compared only
    problems: list[str] = field(default_factory=list)


def reconcile(conn: Connection, replay: Replay) -> Reconciliation:
    """Compare every stored record with what the log says of it; name each that differs, each the log
    does not know, and each the log knows that the store no longer has. In record id order."""
    result = Reconciliation()
    seen = bytearray(replay.size)
    found: list[tuple[int, str]] = []
    for record in _stored(conn):
        rid = record.id
        result.records += 1
        if rid >= replay.size or not replay.flags[rid] & 7:
            found.append((rid, f"{_label(record)}: no log entry submitted it"))
            continue
        seen[rid] = 1
        problem = _compare(replay, record)
        if problem == "erased":
            result.erased += 1
        elif problem is not None:
            found.append((rid, f"{_label(record)}: {_explain(conn, record, problem)}"))
    for rid in replay.logged():
        if not seen[rid]:
            found.append((rid, _missing(conn, rid)))
    result.problems = [text for _, text in sorted(found)]
    return result


_COMPARED = [
    _records.c[name]
    for name in (
        "id",
        "department",
        "source_record_id",
        "category",
        "state",
        "current_version",
        "subject_name",
        "subject_alt_name",
        "severity",
        "decided_on",
        "legal_basis",
        "status",
        "amount",
        "currency",
        "summary",
        "effective_until",
        "until_kind",
    )
]


def _stored(conn: Connection) -> Iterator[Any]:
    """Every stored record, what is compared of it, with its subject's key and country, in id order, a
    page at a time."""
    after = 0
    while True:
        rows = conn.execute(
            select(
                *_COMPARED,
                _records.c.noticed_at.is_not(None).label("published"),
                _organisations.c.key.label("subject"),
                _organisations.c.country.label("country"),
                _organisations.c.never_public.label("never_public"),
            )
            .outerjoin(_organisations, _organisations.c.id == _records.c.organisation_id)
            .where(_records.c.id > after)
            .order_by(_records.c.id)
            .limit(PAGE)
        ).all()
        yield from rows
        if len(rows) < PAGE:
            return
        after = rows[-1].id


def _digest(row: Any) -> bytes:
    """The content hash of a row of _stored with its organisation's country: fields_of, unrolled over the
    row's tuple (the common case, read for every record)."""
    (_, _, sid, category, _, _, name, alt, severity, decided, basis, status, amount, currency, summary, until,
     until_kind, _, subject, country, _) = row  # fmt: skip
    text = "\x1f".join(
        (
            sid,
            category,
            subject or "",
            country or "",
            name,
            alt or "",
            severity or "",
            str(decided),
            basis,
            status,
            amount or "",
            currency or "",
            summary or "",
            str(until) if until else (until_kind or ""),
        )
    )
    return hashlib.sha256(text.encode()).digest()


def _label(record: Any) -> str:
    return f"record {record.id} ({record.department}/{record.source_record_id})"


def _compare(replay: Replay, record: Any) -> str | None:
    """What differs, in a word (the details are looked up for the message), or None."""
    rid = record.id
    flags = replay.flags[rid]
    department = replay.department[rid]
    if department and replay.names[department - 1] != record.department:
        return "department"
    if flags & _UNKNOWN:
        content = "erased"
    elif replay.version[rid] != record.current_version:
        return "version"
    else:
        logged = replay.hashes[32 * rid : 32 * rid + 32]
        if (
            _digest(record) != logged
            and not committed_country(record, record.subject or "", record.country, bytes(logged).hex())[0]
        ):
            return "content"
        content = None
    if _CODES.get(record.state) != flags & 7:
        return "state"
    if bool(flags & _PUBLISHED) != bool(record.published):
        return "publication"
    if not record.never_public and sole_proprietor(record.subject):
        return "never public"
    return content


def sole_proprietor(key: str | None) -> bool:
    """Whether an organisation's key is a sole proprietor's (a USCC of kind 92), whose records are never
    public: its organisation's never_public follows from its code."""
    if key is None or not key.startswith("uscc:"):
        return False
    found = kind_info(key[5:7])
    return found is not None and found.kind is OrgKind.SOLE_PROPRIETOR


def _explain(conn: Connection, record: Any, what: str) -> str:
    """The message for what differs, naming the entries that say otherwise (the record's own entries,
    replayed again by the index on ref)."""
    history = History.of(feed.about(conn, [f"record:{record.id}"], kinds=KINDS, reveal=True))
    if what == "never public":
        return (
            f"it is a sole proprietor's ({record.subject}), whose records are never public, but its "
            "organisation is not marked never public"
        )
    if what == "department":
        return f"entry {history.first} logged it from department {history.department}"
    if what == "version":
        return (
            f"it is at version {record.current_version}, but entry {history.content_at} logged version "
            f"{history.version} last"
        )
    if what == "content":
        return f"its content is not what entry {history.content_at} logged for version {history.version}"
    if what == "state":
        state = STATES.get(history.state, "unknown")
        return f"its state is {record.state}, but entry {history.state_at} left it {state}"
    if not record.published:
        return f"it is not published, but entry {history.published_at} published it"
    return f"it is published, but no entry published it since entry {history.published_at}"


def _missing(conn: Connection, rid: int) -> str:
    history = History.of(feed.about(conn, [f"record:{rid}"], kinds=KINDS, reveal=True))
    return (
        f"record {rid} ({history.department}/{history.source_record_id}): entry {history.first} logged it, "
        "but the store has no such record"
    )


# -- one record's history ------------------------------------------------------------------------------


@dataclass
class History:
    """One record as a sequence of its entries leaves it, with the entry that last set each thing. From
    every entry (the store), or from the public ones (outside), which say as much about a record anyone
    could see: its publication, every later public version, and what ended its publication."""

    first: int | None = None  # the first entry about it
    department: str | None = None
    source_record_id: str | None = None
    version: int | None = None
    content_hash: str | None = None
    content_at: int | None = None  # the entry that logged its latest content
    state: int = 0
    state_at: int | None = None
    published: bool = False
    published_at: int | None = None  # the entry that last published or unpublished it
    expired_at: int | None = None  # the entry that said its latest version's publication period ended

    @classmethod
    def of(cls, entries: Iterable[feed.Change]) -> History:
        history = cls()
        for entry in entries:
            history.apply(entry.index, entry.kind, entry.content)
        return history

    def apply(self, index: int, kind: str, content: str | None) -> None:
        try:
            parsed = orjson.loads(content) if content is not None else None
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            parsed = None
        if kind == "repair.decided" and (parsed is None or parsed.get("state") != "approved"):
            return
        if self.first is None:
            self.first = index
        if parsed is not None and self.department is None:
            self.department = parsed.get("department")
            self.source_record_id = parsed.get("source_record_id")
        if kind in CONTENT_KINDS and parsed is not None and parsed.get("content_hash") is not None:
            version = parsed.get("version")
            if version != self.version:
                self.expired_at = None
            self.version, self.content_hash, self.content_at = version, parsed.get("content_hash"), index
        if kind in SUBMITTED and self.state == 0:
            self.state, self.state_at, self.published_at = ACTIVE, index, index
        if kind == "record.published":
            self.published, self.published_at = True, index
            if self.state in (0, ACTIVE):
                self.state, self.state_at = ACTIVE, index
        elif kind == "record.reinstated":
            self.state, self.state_at, self.published, self.published_at = ACTIVE, index, False, index
        elif kind in _BY_KIND or kind == "repair.decided":
            self.state, self.state_at = _BY_KIND.get(kind, REPAIRED), index
        elif kind == "record.expired" and (parsed is None or parsed.get("version") in (None, self.version)):
            self.expired_at = index

    @property
    def served(self) -> bool:
        """Whether the record should be served to anyone: published, active, its period not over."""
        return self.published and self.state == ACTIVE and self.expired_at is None

    @property
    def ended_by(self) -> tuple[str, int] | None:
        """What ended its publication, in a verb, and the entry: None while it should be served."""
        if self.state in _ENDED_BY and self.state_at is not None:
            return _ENDED_BY[self.state], self.state_at
        if self.expired_at is not None:
            return "expired", self.expired_at
        return None


_ENDED_BY = {WITHDRAWN: "withdrew", REPAIRED: "repaired", ENDED: "ended"}


# -- what the API serves with a record -----------------------------------------------------------------


@dataclass(frozen=True)
class Proved:
    """The entry that commits to a record's current content (its content and salt shown), and its
    inclusion proof in the latest checkpoint (None while no checkpoint covers it yet)."""

    entry: feed.Change
    size: int | None
    proof: list[bytes] | None


def proved(conn: Connection, records: Sequence[Any]) -> dict[int, Proved]:
    """For each record (records rows), the latest entry that logged its current version's content (a
    public one if there is one), with its proof: three queries for a page of records."""
    if not records:
        return {}
    versions = {f"record:{r.id}": r.current_version for r in records}
    chosen: dict[str, feed.Change] = {}
    for entry in feed.about(conn, list(versions), kinds=CONTENT_KINDS, reveal=True):
        try:
            parsed = orjson.loads(entry.content) if entry.content is not None else None
        except orjson.JSONDecodeError:
            continue
        if not isinstance(parsed, dict) or parsed.get("version") != versions.get(entry.ref or ""):
            continue
        before = chosen.get(entry.ref or "")
        if before is None or entry.public or not before.public:
            chosen[entry.ref or ""] = entry
    latest = checkpoints.latest(conn)
    size = latest.size if latest is not None else None
    paths = proofs.inclusion_proofs(conn, [e.index for e in chosen.values()], size) if size else {}
    return {
        int(ref[7:]): Proved(entry, size if entry.index in paths else None, paths.get(entry.index))
        for ref, entry in chosen.items()
    }


def served_country(record: Any, subject: str, country: str | None, proved: Proved | None) -> str | None:
    """The subject country to serve with a record: the one its logged content hash covers (see
    committed_country), or the organisation's when none does (a verifier then finds the record differs)."""
    if proved is None or proved.entry.content is None:
        return country
    try:
        logged = orjson.loads(proved.entry.content).get("content_hash")
    except (orjson.JSONDecodeError, AttributeError):
        return country
    return committed_country(record, subject, country, logged)[1]
