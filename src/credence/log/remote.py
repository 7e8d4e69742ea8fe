"""`credence log verify --remote URL`: check a running registry's log from outside, with its API alone.

The verifier trusts nothing the server says but what the log's key signed. It checks every checkpoint's
signature, that each checkpoint extends the one before (RFC 9162 consistency proofs), and that a random
sample of entries, the first and last included, are in the latest checkpoint (inclusion proofs), each
entry's leaf hash recomputed from what the change feed shows (with its public flag, for a version-2 leaf)
and, for public entries, its commitment from the content and salt (and what it is about). With a state
file it also remembers the latest checkpoint it accepted and, next time, requires the log to extend it: a
server that rolled its log back or showed this verifier a fork fails, whatever its own checkpoints say.

Then it checks records: a sample of those the public entries are about, and any named. Each record's
public entries (the change feed filtered by its ref) say whether it should be served and with which
content: a record served must be published, not withdrawn, ended, repaired or expired since, and carry
the entry that logged its current content, whose content hash is recomputed from the fields served; a
record the log says is published must be served.

Only the standard library speaks HTTP here (urllib): the verifier is meant to run anywhere.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from credence.log import checkpoint, feed, merkle, store
from credence.log import records as logged
from credence.log.checkpoint import Checkpoint, CheckpointError

PAGE = 1000  # checkpoints read per request
SCAN = 5000  # a log of up to this many entries is read whole to find records to check


class RemoteError(Exception):
    """The log could not be read at all (unreachable, not a Credence API) or the state file is unusable."""


class _Refused(Exception):
    """The server answered a request with an error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"the server answered {status}: {message}")
        self.status = status


@dataclass(frozen=True)
class Signed:
    """A checkpoint the key signed, and what to call it in a problem."""

    label: str
    checkpoint: Checkpoint

    @property
    def name(self) -> str:
        return f"{self.label} (size {self.checkpoint.size})"


@dataclass
class RemoteVerification:
    url: str
    checkpoints: int = 0  # checkpoints whose signature verified
    proofs: int = 0  # consistency proofs verified
    size: int = 0  # the latest checkpoint's size
    root: bytes = merkle.EMPTY_ROOT
    sampled: int = 0  # entries proved included in the latest checkpoint
    public: int = 0  # of which public, with their content checked against the commitment
    remembered: int | None = None  # the size of the checkpoint the state file held, if any
    records: int = 0  # records checked against their public entries
    served: int = 0  # of which served, with their content checked against the entry that logged it
    notes: list[str] = field(default_factory=list)  # named records that could not be checked, and why
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Api:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    def text(self, path: str, **params: int | str) -> str:
        url = f"{self.base}{path}" + (f"?{urlencode(params)}" if params else "")
        request = Request(url, headers={"Accept": "application/json, text/plain"})
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return str(response.read().decode("utf-8"))
        except HTTPError as exc:
            raise _Refused(exc.code, _message(exc)) from None
        except (URLError, OSError, UnicodeDecodeError) as exc:
            raise RemoteError(f"cannot read {url}: {getattr(exc, 'reason', exc)}") from None

    def json(self, path: str, **params: int | str) -> Any:
        text = self.text(path, **params)
        try:
            return json.loads(text)
        except ValueError:
            raise RemoteError(f"{self.base}{path} did not answer JSON") from None


def verify_remote(
    base_url: str,
    verifier_key_text: str,
    state_path: Path | None = None,
    sample: int = 32,
    *,
    records: int = 8,
    named: Sequence[str] = (),
    origin: str | None = None,
    timeout: float = 30.0,
    progress: Callable[[str], object] | None = None,
) -> RemoteVerification:
    """Verify the log served under `base_url` (e.g. http://127.0.0.1:8000) against its verifier key, and
    `records` records the public entries are about, at random, and the `named` ones (DEPARTMENT/SOURCE_ID,
    or a log ref such as record:17) against the log.

    `origin` defaults to the key's name (this registry names its key after its log). A malformed key
    raises CheckpointError; an unreachable server or an unusable state file, RemoteError."""
    if not base_url.startswith(("http://", "https://")):
        raise RemoteError(f"{base_url!r} is not an http:// or https:// address")
    key = checkpoint.parse_verifier_key(verifier_key_text)
    origin = origin or key.name
    remembered = _read_state(state_path, verifier_key_text, origin) if state_path else None
    api = _Api(base_url, timeout)
    result = RemoteVerification(url=base_url)
    say = progress or (lambda _: None)
    try:
        say("reading the checkpoints")
        listed = _listed(api)
        latest_note = api.text("/api/v1/log/checkpoint")
    except _Refused as exc:
        raise RemoteError(f"{base_url} does not serve a Credence log: {exc}") from None
    try:
        result.problem = _check(
            api, result, listed, latest_note, remembered, verifier_key_text, origin, sample, say
        )
        if result.problem is None and (records > 0 or named):
            latest = checkpoint.open_note(latest_note, verifier_key_text, origin=origin)
            result.problem = _check_records(api, result, latest, records, named, say)
    except _Refused as exc:
        result.problem = f"the server stopped answering as a log does: {exc}"
    if result.ok and state_path is not None:
        _write_state(state_path, base_url, latest_note)
    return result


def _check(
    api: _Api,
    result: RemoteVerification,
    listed: list[dict[str, Any]],
    latest_note: str,
    remembered: Checkpoint | None,
    key: str,
    origin: str,
    sample: int,
    say: Callable[[str], object],
) -> str | None:
    chain: list[Signed] = []
    for item in listed:
        label = f"checkpoint #{item.get('id')}"
        opened = _open(item.get("note", ""), key, origin, label)
        if isinstance(opened, str):
            return opened
        signed = Signed(label, opened)
        if (item.get("size"), item.get("root")) != (opened.size, opened.root.hex()):
            return f"{signed.name}: the size and root listed with it differ from its signed note"
        chain.append(signed)
        result.checkpoints += 1
    opened = _open(latest_note, key, origin, "the latest checkpoint")
    if isinstance(opened, str):
        return opened
    latest = Signed("the latest checkpoint", opened)
    if not chain or chain[-1].checkpoint != opened:  # signed since the list was read
        chain.append(latest)
        result.checkpoints += 1
    say(f"checking {len(chain) - 1} consistency proofs between checkpoints")
    for before, after in zip(chain, chain[1:], strict=False):
        problem = _consistent(api, result, before, after, "the log went back to fewer entries")
        if problem is not None:
            return problem
    result.size, result.root = opened.size, opened.root
    if remembered is not None:
        result.remembered = remembered.size
        before = Signed("the checkpoint remembered in the state file", remembered)
        problem = _consistent(api, result, before, latest, "the log is smaller than when last verified")
        if problem is not None:
            return problem
    say(f"proving {min(sample, opened.size)} entries included in the latest checkpoint")
    for index in _sample(opened.size, sample):
        problem = _included(api, result, index, opened)
        if problem is not None:
            return problem
    return None


def _listed(api: _Api) -> list[dict[str, Any]]:
    """Every checkpoint the server lists, oldest first."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api.json("/api/v1/log/checkpoints", page=page, per_page=PAGE)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise RemoteError(f"{api.base}/api/v1/log/checkpoints did not answer a page of checkpoints")
        found.extend(items)
        if len(items) < PAGE:
            return found
        page += 1


def _open(note: Any, key: str, origin: str, name: str) -> Checkpoint | str:
    """The checkpoint in a note, or the problem with it."""
    if not isinstance(note, str):
        return f"{name}: no signed note"
    try:
        checkpoint.verify_note(note, key)
    except CheckpointError as exc:
        return f"{name}: signature does not verify: {exc}"
    try:
        return checkpoint.open_note(note, key, origin=origin)
    except CheckpointError as exc:
        return f"{name}: {exc}"


def _consistent(
    api: _Api, result: RemoteVerification, before: Signed, after: Signed, smaller: str
) -> str | None:
    old, new = before.checkpoint, after.checkpoint
    if new.size < old.size:
        return f"{after.name} comes after {before.name}: {smaller} (a rollback)"
    if new.size == old.size:
        if new.root != old.root:
            return f"{after.name} and {before.name} sign different roots for one size: the log forked"
        return None
    try:
        body = api.json("/api/v1/log/proofs/consistency", first=old.size, second=new.size)
    except _Refused as exc:
        return f"{after.name}: the server gives no consistency proof from size {old.size}: {exc}"
    proof = _hashes(body.get("proof") if isinstance(body, dict) else None)
    if proof is None or not merkle.verify_consistency(old.size, new.size, old.root, new.root, proof):
        return (
            f"{after.name} does not extend {before.name}: the consistency proof does not verify "
            "(the log forked, or its entries were rewritten)"
        )
    result.proofs += 1
    return None


def _included(api: _Api, result: RemoteVerification, index: int, latest: Checkpoint) -> str | None:
    """Read entry `index` from the change feed, recompute its leaf, prove it in the latest checkpoint."""
    page = api.json("/api/v1/changes", after=index - 1, limit=1)
    items = page.get("items") if isinstance(page, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return f"entry {index}: the change feed does not show it, though the latest checkpoint covers it"
    item = items[0]
    if item.get("index") != index:
        return f"entry {index}: the change feed shows entry {item.get('index')} in its place"
    problem = _entry(api, result, index, item, latest)
    if problem is None:
        result.sampled += 1
    return problem


def _entry(
    api: _Api,
    result: RemoteVerification,
    index: int,
    item: dict[str, Any],
    latest: Checkpoint,
    counted: bool = True,
) -> str | None:
    """Check an entry as the feed shows it: its leaf hash, its commitment when public, and its inclusion
    in the latest checkpoint (by the proof given with it, or one asked for)."""
    version = item.get("leaf_version", 1)  # a server from before version-2 leaves does not say
    public = item.get("public") is True
    try:
        at = datetime.strptime(str(item["at"]), feed.LEAF_TIME).replace(tzinfo=UTC)
        committed = bytes.fromhex(str(item["commitment"]))
        kind = str(item["kind"])
        leaf = store.entry_leaf_hash(index, kind, at, committed, public, 2 if version == 2 else 1)
    except (KeyError, ValueError):
        return (
            f"entry {index}: the change feed shows it without a kind, time or commitment in the log's format"
        )
    if item.get("leaf_hash") != leaf.hex():
        if version == 2 and store.entry_leaf_hash(index, kind, at, committed, not public).hex() == item.get(
            "leaf_hash"
        ):
            shown, committed_to = ("public", "not being") if public else ("not public", "being")
            return f"entry {index}: it is shown as {shown}, but its leaf commits to it {committed_to} public"
        return (
            f"entry {index}: the leaf hash the feed gives does not match its index, kind, time, public flag "
            "and commitment"
        )
    content, salt = item.get("content"), item.get("salt")
    if isinstance(content, str) and isinstance(salt, str):
        try:
            salt_bytes = bytes.fromhex(salt)
        except ValueError:
            return f"entry {index}: its salt is not hex"
        if version != 2:
            if store.commitment(salt_bytes, content.encode()) != committed:
                return (
                    f"entry {index}: its content does not match its commitment (SHA-256 of salt and content)"
                )
        elif (
            store.commitment(
                salt_bytes, content.encode(), store.about(str(item.get("ref")), item.get("organisation"))
            )
            != committed
        ):
            return (
                f"entry {index}: its ref, organisation or content do not match its commitment "
                "(SHA-256 of salt, ref, organisation and content)"
            )
        result.public += counted
    proof = _hashes(item.get("proof")) if item.get("size") == latest.size else None
    if proof is None:
        try:
            body = api.json("/api/v1/log/proofs/inclusion", index=index, size=latest.size)
        except _Refused as exc:
            return f"entry {index}: the server gives no inclusion proof in the latest checkpoint: {exc}"
        proof = _hashes(body.get("proof") if isinstance(body, dict) else None)
    if proof is None or not merkle.verify_inclusion(leaf, index, latest.size, proof, latest.root):
        return (
            f"entry {index}: not in the latest checkpoint (size {latest.size}): "
            "the inclusion proof does not verify"
        )
    return None


# -- records ---------------------------------------------------------------------------------------------


def _check_records(
    api: _Api,
    result: RemoteVerification,
    latest: Checkpoint,
    count: int,
    named: Sequence[str],
    say: Callable[[str], object],
) -> str | None:
    """Check a sample of the records the public entries are about, and the named ones."""
    refs = _record_refs(api, latest.size, count)
    say(f"checking {len(refs) + len(named)} records against the log")
    for ref in refs:
        problem = _record(api, result, latest, ref)
        if problem is not None:
            return problem
    for name in named:
        if name.startswith("record:"):
            problem = _record(api, result, latest, name)
        else:
            department, _, source_record_id = name.partition("/")
            served = _served(api, department, source_record_id)
            if served is None:
                result.notes.append(
                    f"record {name} is not served: name it by its log ref (record:N, from the change feed) "
                    "to check whether the log says it should be"
                )
                continue
            proved = served.get("log")
            entry = proved.get("entry") if isinstance(proved, dict) else None
            found = entry.get("ref") if isinstance(entry, dict) else None
            if not isinstance(found, str):
                return f"record {name}: served without the log entry that committed to its content"
            problem = _record(api, result, latest, found, served)
        if problem is not None:
            return problem
    return None


def _record_refs(api: _Api, size: int, count: int) -> list[str]:
    """Up to `count` refs of records that public entries are about, at random: from the whole feed of a
    small log, else from pages of the feed read at random places."""
    if count <= 0 or size == 0:
        return []
    chooser = random.SystemRandom()
    found: list[str] = []
    if size <= SCAN:
        after = -1
        while after + 1 < size:
            items = _page(api, after, PAGE)
            if not items:
                break
            found.extend(r for r in _refs(items) if r not in found)
            after = int(items[-1].get("index", size))
        return sorted(chooser.sample(found, min(count, len(found))), key=found.index)
    for _ in range(4 * count):
        if len(found) >= count:
            break
        fresh = [r for r in _refs(_page(api, chooser.randrange(size) - 1, 100)) if r not in found]
        if fresh:
            found.append(chooser.choice(fresh))
    return found


def _page(api: _Api, after: int, limit: int) -> list[dict[str, Any]]:
    body = api.json("/api/v1/changes", after=after, limit=limit)
    items = body.get("items") if isinstance(body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _refs(items: list[dict[str, Any]]) -> list[str]:
    """The records the public entries among these are about, once each, in order."""
    refs: list[str] = []
    for item in items:
        ref, kind = item.get("ref"), str(item.get("kind"))
        if isinstance(ref, str) and ref.startswith("record:") and kind in logged.KINDS and ref not in refs:
            refs.append(ref)
    return refs


def _served(api: _Api, department: str, source_record_id: str) -> dict[str, Any] | None:
    """The record as the API serves it, or None when it is not served (404)."""
    try:
        body = api.json(f"/api/v1/records/{quote(department, safe='')}/{quote(source_record_id, safe='')}")
    except _Refused as exc:
        if exc.status == 404:
            return None
        raise
    return body if isinstance(body, dict) else {}


def _record(
    api: _Api,
    result: RemoteVerification,
    latest: Checkpoint,
    ref: str,
    served: dict[str, Any] | None = None,
) -> str | None:
    """Check one record against its public entries: served when, and only when, the log says it should
    be, and then with the content the log has for its version."""
    items: list[dict[str, Any]] = []
    after = -1
    while True:
        body = api.json("/api/v1/changes", ref=ref, after=after, limit=PAGE)
        page = body.get("items") if isinstance(body, dict) else None
        if not isinstance(page, list) or not page:
            break
        items.extend(i for i in page if isinstance(i, dict))
        if len(page) < PAGE:
            break
        after = int(page[-1].get("index", after))
    for item in items:
        index = item.get("index")
        if not isinstance(index, int) or item.get("ref") != ref:
            return f"{ref}: the change feed gives an entry about something else ({item.get('ref')})"
        if index < latest.size:
            problem = _entry(api, result, index, item, latest, counted=False)
            if problem is not None:
                return problem
    history = logged.History()
    for item in items:
        history.apply(int(item["index"]), str(item.get("kind")), item.get("content"))
    department, source_record_id = history.department, history.source_record_id
    if not isinstance(department, str) or not isinstance(source_record_id, str):
        if not items:
            return None  # nothing public about it: nothing anyone could check
        return f"{ref}: its public entries do not say which record it is (department and source id)"
    name = f"record {department}/{source_record_id}"
    if served is None:
        served = _served(api, department, source_record_id)
    result.records += 1
    if served is None:
        if history.served:
            return (
                f"{name}: not served, though entry {history.published_at} published it and no entry since "
                "withdrew, ended, repaired or expired it"
            )
        return None
    result.served += 1
    ended = history.ended_by
    if ended is not None:
        return f"{name}: served, but entry {ended[1]} {ended[0]} it"
    if not history.published:
        return f"{name}: served, but no public entry published it"
    return _served_content(api, result, latest, name, ref, served, history)


def _served_content(
    api: _Api,
    result: RemoteVerification,
    latest: Checkpoint,
    name: str,
    ref: str,
    served: dict[str, Any],
    history: logged.History,
) -> str | None:
    """The record served against the entry served with it, and that entry against the log."""
    proved = served.get("log")
    entry = proved.get("entry") if isinstance(proved, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("index"), int):
        return f"{name}: served without the log entry that committed to its content"
    index = int(entry["index"])
    if entry.get("ref") != ref:
        return f"{name}: served with entry {index}, which is about {entry.get('ref')}, not {ref}"
    assert isinstance(proved, dict)
    item = dict(entry, proof=proved.get("proof"), size=proved.get("size"))
    if index < latest.size:
        problem = _entry(api, result, index, item, latest, counted=False)
        if problem is not None:
            return problem
    try:
        content = json.loads(str(entry.get("content")))
        version = content["version"]
        fields = logged.fields_of(_Fields(served), str(served["subject"]), served.get("subject_country"))
    except (ValueError, KeyError, TypeError):
        return f"{name}: served with entry {index}, whose content is not shown or not a record's"
    if served.get("version") != history.version:
        return (
            f"{name}: served at version {served.get('version')}, but entry {history.content_at} logged "
            f"version {history.version} last"
        )
    if index != history.content_at and history.content_at is not None and history.content_at < latest.size:
        return f"{name}: served with entry {index}, but entry {history.content_at} logged its content last"
    logged_as = (content.get("department"), content.get("source_record_id"), version)
    if logged_as != (served.get("department"), served.get("source_record_id"), served.get("version")) or (
        content.get("content_hash") != logged.content_hash(fields)
    ):
        return f"{name}: the record served is not what entry {index} logged for version {version}"
    return None


class _Fields:
    """A served record's fields under the names of a records row."""

    def __init__(self, served: dict[str, Any]) -> None:
        self.source_record_id = str(served["source_record_id"])
        self.category = str(served["category"])
        self.subject_name = str(served["subject_name"])
        self.subject_alt_name = served.get("subject_alt_name")
        self.severity = served.get("severity")
        self.decided_on = str(served["decided_on"])
        self.legal_basis = str(served["legal_basis"])
        self.status = str(served["status"])
        self.amount = served.get("amount")
        self.currency = served.get("currency")
        self.summary = served.get("summary")
        self.effective_until = served.get("effective_until")
        self.until_kind = served.get("until_kind")


def _sample(size: int, count: int) -> list[int]:
    """The first and last entries and others at random (unpredictable to the server), in order."""
    if size == 0 or count <= 0:
        return []
    chosen = {0, size - 1}
    chooser = random.SystemRandom()
    while len(chosen) < min(count, size):
        chosen.add(chooser.randrange(size))
    return sorted(chosen)


def _hashes(values: Any) -> list[bytes] | None:
    """A proof from JSON (a list of hex strings), or None when it is not one."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None
    try:
        return [bytes.fromhex(v) for v in values]
    except ValueError:
        return None


def _message(error: HTTPError) -> str:
    """The message of an answer in the API's error shape, or the status line."""
    try:
        body = json.loads(error.read().decode("utf-8"))
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError, OSError):
        return str(error.reason)


def _read_state(path: Path, key: str, origin: str) -> Checkpoint | None:
    """The checkpoint remembered in the state file, re-verified; None when the file does not exist yet."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RemoteError(f"state file {path}: cannot be read: {exc.strerror}") from None
    try:
        note = json.loads(text)["note"]
    except (ValueError, KeyError, TypeError):
        raise RemoteError(f"state file {path}: not a state file of `credence log verify --remote`") from None
    try:
        return checkpoint.open_note(str(note), key, origin=origin)
    except CheckpointError as exc:
        raise RemoteError(
            f"state file {path}: its checkpoint does not verify under this key: {exc}"
        ) from None


def _write_state(path: Path, url: str, note: str) -> None:
    """Remember the latest checkpoint accepted (written whole, then renamed into place)."""
    state = {"url": url, "note": note}
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(json.dumps(state, indent=2) + "\n", "utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise RemoteError(f"state file {path}: cannot be written: {exc.strerror}") from None
