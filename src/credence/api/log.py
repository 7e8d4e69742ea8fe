"""The transparency log and the change feed in the API: checkpoints, entries, proofs, /changes and acks.

What a verifier needs is public: the latest signed checkpoint and every earlier one, the verifier key, any
entry (its content only when public), the public entries about a record, and inclusion and consistency
proofs; every record the API serves carries the entry that logged its content (RecordLogOut). Binary
values (hashes, salts, proof nodes) are lower-case hex everywhere in JSON; only the checkpoint note itself
carries the root in base64, as its format (C2SP tlog-checkpoint) requires. Signing a checkpoint on demand
and the list of consumers are for the operator; any token holder acknowledges the feed, as its token's
name (the rules: credence.api.rules).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from credence.api import auth
from credence.api.shapes import NO_CONTROL, ApiError, Page, StrictIn
from credence.i18n import _
from credence.log import checkpoints, feed, proofs, records, store
from credence.log.keys import LogKeyError, LogSigner, signer_for

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter(tags=["log"])
MAX_INDEX = 2**63 - 1  # the largest BIGINT
Index = Annotated[int, Query(ge=0, le=MAX_INDEX)]
_signers: WeakKeyDictionary[Registry, LogSigner] = WeakKeyDictionary()


class CheckpointOut(BaseModel):
    id: int = Field(description="The checkpoint's number, from 1 in the order they were signed.")
    size: int = Field(description="The tree size it signs.")
    root: str = Field(description="The root hash at that size, hex.")
    at: datetime = Field(description="When it was signed.")
    note: str = Field(description="The signed note: C2SP tlog-checkpoint text and an Ed25519 signature.")


class EntryOut(BaseModel):
    index: int
    kind: str = Field(description="The kind of decision event, such as record.published.")
    at: str = Field(description="When, in UTC with microseconds, exactly as the leaf holds it.")
    commitment: str = Field(description="SHA-256(salt || content), hex.")
    leaf_hash: str = Field(description="The RFC 9162 leaf hash of the entry, hex.")
    leaf_version: int = Field(
        description="The version of its leaf: 2 (index, kind, time, public flag and commitment to ref, "
        "organisation and content), or 1 for entries from before migration 0011 (no public flag, and a "
        "commitment to the content alone)."
    )
    public: bool = Field(description="Whether what follows may be shown; null below when not.")
    ref: str | None = Field(description="What the event is about, such as record:123.")
    organisation: str | None = Field(description="The organisation's key, such as uscc:9111….")
    content: str | None = Field(description="The content as canonical JSON; null when not public or erased.")
    salt: str | None = Field(description="The 16-byte salt, hex; null when not public or erased.")


class RecordLogOut(BaseModel):
    """What proves a served record is the one logged: the entry that committed to its current version's
    content (shown with its content and salt), and that entry's inclusion proof in the latest checkpoint."""

    entry: EntryOut = Field(
        description="The latest entry that logged this version's content hash (record.published, "
        "record.submitted or record.corrected), with its content and salt."
    )
    size: int | None = Field(
        description="The size of the latest checkpoint, which the proof is against; null while none covers "
        "the entry (ask /log/proofs/inclusion once one does)."
    )
    proof: list[str] | None = Field(description="RFC 9162 inclusion proof of the entry in that tree, hex.")


class ChangesOut(BaseModel):
    items: list[EntryOut]
    next: int = Field(description="The cursor: give it as `after` to read on.")
    size: int = Field(description="The log's size: entries 0 to size - 1 exist.")


class InclusionOut(BaseModel):
    index: int
    size: int
    leaf_hash: str = Field(description="The entry's leaf hash, hex.")
    root: str = Field(description="The log's root at `size`, hex; trust it only once a checkpoint signs it.")
    proof: list[str] = Field(description="RFC 9162 inclusion proof (audit path), nearest node first, hex.")


class ConsistencyOut(BaseModel):
    first: int
    second: int
    first_root: str = Field(description="The log's root at `first`, hex.")
    second_root: str = Field(description="The log's root at `second`, hex.")
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex; empty when first is 0 or second.")


class AckIn(StrictIn):
    consumer: str = Field(min_length=1, max_length=100, description="The consumer's name, as it chooses.")
    index: int = Field(ge=0, le=MAX_INDEX, description="The last log index it applied.")


class ConsumerOut(BaseModel):
    consumer: str
    acked: int = Field(description="The last index it acknowledged.")
    acked_at: datetime | None
    size: int = Field(description="The log's size now.")
    behind: int = Field(description="Entries of the log it has not acknowledged.")


def _registry(request: Request) -> Registry:
    return request.app.state.registry  # type: ignore[no-any-return]


def signer(reg: Registry) -> LogSigner:
    """The registry's log signer (loaded once), or 503 when the server has no log key."""
    found = _signers.get(reg)
    if found is None:
        try:
            found = _signers[reg] = signer_for(reg.settings)
        except LogKeyError as exc:
            raise ApiError(503, "no_log_key", str(exc)) from None
    return found


def _checkpoint_out(c: checkpoints.StoredCheckpoint) -> CheckpointOut:
    return CheckpointOut(id=c.id, size=c.size, root=c.root.hex(), at=c.at, note=c.note)


def entry_out(change: feed.Change) -> EntryOut:
    return EntryOut(
        index=change.index,
        kind=change.kind,
        at=change.at.astimezone(UTC).strftime(feed.LEAF_TIME),
        commitment=change.commitment.hex(),
        leaf_hash=change.leaf_hash.hex(),
        leaf_version=change.leaf_version,
        public=change.public,
        ref=change.ref,
        organisation=change.organisation,
        content=change.content,
        salt=change.salt.hex() if change.salt is not None else None,
    )


def record_log_out(proved: records.Proved | None) -> RecordLogOut | None:
    if proved is None:
        return None
    proof = [p.hex() for p in proved.proof] if proved.proof is not None else None
    return RecordLogOut(entry=entry_out(proved.entry), size=proved.size, proof=proof)


@router.get("/api/v1/log/checkpoint", response_class=PlainTextResponse)
def latest_checkpoint(request: Request) -> PlainTextResponse:
    """The latest signed checkpoint, as the signed note itself (text/plain). Before the first one is
    made, this signs one of the log as it is (of size 0 for an empty log)."""
    reg = _registry(request)
    with reg.engine.connect() as conn:
        found = checkpoints.latest(conn)
    if found is None:
        with reg.engine.begin() as conn:
            found = checkpoints.latest(conn) or checkpoints.make_checkpoint(
                conn, signer(reg), reg.clock.now()
            )
    return PlainTextResponse(found.note)


@router.get("/api/v1/log/checkpoints", response_model=Page[CheckpointOut])
def checkpoint_list(
    request: Request,
    page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page[CheckpointOut]:
    """Every checkpoint, oldest first, with its signed note."""
    with _registry(request).engine.connect() as conn:
        total, found = checkpoints.page(conn, page, per_page)
    return Page(items=[_checkpoint_out(c) for c in found], total=total, page=page, per_page=per_page)


@router.post("/api/v1/log/checkpoints", response_model=CheckpointOut)
def sign_checkpoint(
    request: Request,
    force: Annotated[bool, Query(description="Sign even if the latest checkpoint has this size.")] = False,
) -> CheckpointOut:
    """Sign a checkpoint of the log now; when the latest one already signs its size, that one (unless
    `force`). For the operator."""
    reg = _registry(request)
    key = signer(reg)
    with reg.engine.begin() as conn:
        return _checkpoint_out(checkpoints.make_checkpoint(conn, key, reg.clock.now(), force=force))


@router.get("/api/v1/log/key", response_class=PlainTextResponse)
def verifier_key(request: Request) -> PlainTextResponse:
    """The log's verifier key (one line: origin+key id+Ed25519 public key). Take it from a source you trust,
    not only from here: a server can always answer with a key of its own."""
    return PlainTextResponse(signer(_registry(request)).verifier_key() + "\n")


@router.get("/api/v1/log/entries/{index}", response_model=EntryOut)
def log_entry(
    request: Request, index: Annotated[int, Path(ge=0, le=MAX_INDEX, description="The entry's index.")]
) -> EntryOut:
    """One entry of the log: its kind, time, commitment and leaf hash; what it is about and its content
    and salt only when it is public."""
    with _registry(request).engine.connect() as conn:
        found = feed.entry(conn, index)
        size = store.head(conn).size
    if found is None:
        raise ApiError(
            404,
            "not_found",
            _("index: the log has no entry %(index)s; %(entries)s", index=index, entries=_entries(size)),
        )
    return entry_out(found)


@router.get("/api/v1/log/proofs/inclusion", response_model=InclusionOut)
def inclusion(
    request: Request,
    index: Annotated[int, Query(ge=0, le=MAX_INDEX, description="The entry's index.")],
    size: Annotated[int, Query(ge=1, le=MAX_INDEX, description="The tree size, as in a checkpoint.")],
) -> InclusionOut:
    """The proof that the entry at `index` is in the log's tree of `size` entries."""
    with _registry(request).engine.connect() as conn:
        _within(conn, size, "size")
        if index >= size:
            raise ApiError(
                422,
                "invalid_index",
                _("index: %(index)s is not an entry of a tree of %(size)s entries", index=index, size=size),
            )
        proof = proofs.inclusion_proof(conn, index, size)
        leaf = store.leaf_hash_at(conn, index)
        root = proofs.root_at(conn, size)
    return InclusionOut(
        index=index, size=size, leaf_hash=leaf.hex(), root=root.hex(), proof=[p.hex() for p in proof]
    )


@router.get("/api/v1/log/proofs/consistency", response_model=ConsistencyOut)
def consistency(
    request: Request,
    first: Annotated[int, Query(ge=0, le=MAX_INDEX, description="The earlier tree size.")],
    second: Annotated[int, Query(ge=0, le=MAX_INDEX, description="The later tree size.")],
) -> ConsistencyOut:
    """The proof that the log's tree of `first` entries is a prefix of its tree of `second` entries."""
    with _registry(request).engine.connect() as conn:
        _within(conn, second, "second")
        if first > second:
            raise ApiError(
                422,
                "invalid_size",
                _("first: %(first)s is larger than second (%(second)s)", first=first, second=second),
            )
        proof = proofs.consistency_proof(conn, first, second)
        first_root, second_root = proofs.root_at(conn, first), proofs.root_at(conn, second)
    return ConsistencyOut(
        first=first,
        second=second,
        first_root=first_root.hex(),
        second_root=second_root.hex(),
        proof=[p.hex() for p in proof],
    )


@router.get("/api/v1/changes", response_model=ChangesOut, tags=["changes"])
def changes(
    request: Request,
    after: Annotated[int, Query(ge=-1, le=MAX_INDEX, description="Read entries after this index.")] = -1,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_LIMIT)] = 100,
    ref: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=rf"^[^{NO_CONTROL}]+$",  # a NUL is refused in any query parameter: the document says so
            description="Only the public entries about this, such as record:123 (what a mirror of one "
            "record follows).",
        ),
    ] = None,
) -> ChangesOut:
    """The change feed: the log's entries after index `after`, in order. Read on from `next`; a consumer
    that stops resumes where it left off. Public entries carry what they are about and their content.
    With `ref`, only the public entries about it."""
    with _registry(request).engine.connect() as conn:
        if ref is None:
            found, size = feed.changes(conn, after, limit)
        else:
            found = feed.about(conn, [ref], after=after, limit=limit, public=True)
            size = store.head(conn).size
    items = [entry_out(c) for c in found]
    return ChangesOut(items=items, next=items[-1].index if items else after, size=size)


@router.post("/api/v1/changes/ack", response_model=ConsumerOut, tags=["changes"])
def acknowledge(request: Request, body: AckIn) -> ConsumerOut:
    """A consumer says it applied every entry up to `index`. Refused beyond the log's last entry and
    below what it acknowledged before. Any token holder, as its token's name."""
    reg = _registry(request)
    auth.consumer(request, "consumer", body.consumer)
    try:
        with reg.engine.begin() as conn:
            done = feed.ack(conn, body.consumer, body.index, reg.clock.now())
    except feed.AckRefused as exc:
        raise ApiError(422, "ack_refused", f"{exc.field}: {exc}") from None
    return consumer_out(done)


@router.get("/api/v1/changes/consumers", response_model=Page[ConsumerOut], tags=["changes"])
def consumer_list(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 100,
) -> Page[ConsumerOut]:
    """The feed's consumers, the furthest behind the log first. For the operator."""
    reg = _registry(request)
    with reg.engine.connect() as conn:
        found = feed.consumers(conn)
    return Page.of(found, page, per_page, consumer_out)


def consumer_out(c: feed.Consumer) -> ConsumerOut:
    return ConsumerOut(consumer=c.name, acked=c.acked, acked_at=c.acked_at, size=c.size, behind=c.behind)


def _within(conn: Connection, size: int, name: str) -> None:
    """404 naming the parameter when the log has not (yet) reached `size` entries."""
    have = store.head(conn).size
    if size > have:
        raise ApiError(
            404,
            "not_found",
            _(
                "%(name)s: the log has no tree of %(size)s entries; %(entries)s",
                name=name,
                size=size,
                entries=_entries(have),
            ),
        )


def _entries(size: int) -> str:
    if not size:
        return _("it has no entries yet")
    return _("it has %(size)s entries, 0 to %(last)s", size=size, last=size - 1)
