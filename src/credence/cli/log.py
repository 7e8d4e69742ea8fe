"""`credence log ...`: verify the transparency log (from the store, or a running registry from outside),
sign a checkpoint, make a signing key, print the verifier key, show an entry with its inclusion proof."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from credence.cli.context import AppContext, app_context, console, errors, fail
from credence.log import checkpoint, checkpoints, feed, merkle, proofs, store
from credence.log.keys import LogKeyError, LogSigner, keygen, signer_for

if TYPE_CHECKING:
    from credence.api.app import Registry
    from credence.process.schedule import TickSchedule

app = typer.Typer(
    help="The transparency log: verify it, sign checkpoints, keys, entries with their proofs.",
    no_args_is_help=True,
)


def _signer(app_: AppContext) -> LogSigner:
    """The registry's signer; beside a demo server, the demo's key (exit 2 when there is none)."""
    try:
        return signer_for(app_.settings, use_demo_key=True)
    except LogKeyError as exc:
        raise fail(str(exc)) from None


def _key_text(given: str) -> str:
    """--key: a verifier key line, or a file holding one."""
    path = Path(given)
    try:
        text = path.read_text("utf-8").strip() if path.is_file() else given.strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"--key: {given} cannot be read: {exc}") from None
    try:
        checkpoint.parse_verifier_key(text)
    except checkpoint.CheckpointError as exc:
        raise fail(f"--key: {exc}") from None
    return text


@app.command("verify")
def verify(
    ctx: typer.Context,
    remote: str | None = typer.Option(
        None, "--remote", help="Verify the registry serving at this URL from outside, with proofs alone."
    ),
    key: str | None = typer.Option(
        None, "--key", help="The log's verifier key, or a file holding it (default: this registry's own)."
    ),
    state: Path | None = typer.Option(
        None,
        "--state",
        help="With --remote: remember the latest checkpoint here; next time, require the log to extend it.",
    ),
    sample: int = typer.Option(32, "--sample", min=0, help="With --remote: how many entries to prove."),
    records: int = typer.Option(
        8, "--records", min=0, help="With --remote: how many records to check against the log, at random."
    ),
    record: list[str] = typer.Option(
        [],
        "--record",
        help="With --remote: also check this record (DEPARTMENT/SOURCE_ID, or its log ref, record:N).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Verify the log: every entry, subtree and checkpoint re-derived from the store, and every stored
    record against what the log says of it; or with --remote, a running registry's checkpoints, their
    consistency, a sample of entries and of records through its API. Exit 0 when it verifies, 1 when it
    does not (the first problem of the log, or every record that differs, named), 2 for unusable
    arguments or an unreachable server."""
    if remote is not None:
        _verify_remote(remote, key, state, sample, records, record, as_json)
        return
    if state is not None:
        raise fail("--state goes with --remote: it remembers what a remote verification accepted")
    if record:
        raise fail("--record goes with --remote: it checks a record as the registry serves it")
    app_ = app_context(ctx)
    engine = app_.engine  # the store first: without one there is nothing to verify
    key_text = _key_text(key) if key is not None else _signer(app_).verifier_key()
    origin = checkpoint.parse_verifier_key(key_text).name
    from credence.log.verify import verify as verify_log

    progress = Progress(
        TextColumn("[bold]verifying the log"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
        disable=as_json or not errors.is_terminal,
    )
    with progress, engine.connect() as conn:
        task = progress.add_task("entries", total=None)
        found = verify_log(
            conn,
            key_text,
            origin,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    sealed = f"; {found.v1:,} with version-1 leaves, {found.sealed:,} of them sealed" if found.v1 else ""
    erased = f" ({found.records_erased:,} with content erased)" if found.records_erased else ""
    _outcome(
        found.ok,
        as_json,
        {
            "ok": found.ok,
            "size": found.size,
            "entries": found.entries,
            "erased": found.erased,
            "nodes": found.nodes,
            "checkpoints": found.checkpoints,
            "root": found.root.hex() if found.problem is None else None,
            "problem": found.problem,
            "v1_entries": found.v1,
            "sealed": found.sealed,
            "records": found.records if found.reconciled else None,
            "record_problems": found.record_problems,
        },
        lambda: (
            f"the log verifies: {found.entries:,} entries ({found.erased:,} with content erased{sealed}), "
            f"{found.nodes:,} stored {'subtree' if found.nodes == 1 else 'subtrees'}, "
            f"{found.checkpoints:,} checkpoints; "
            f"root {found.root.hex()} at size {found.size:,}; "
            f"the store matches it: {found.records:,} records{erased}"
        ),
        "the log does not verify:",
        found.problem,
        found.record_problems,
    )


def _outcome(
    ok: bool,
    as_json: bool,
    data: dict[str, Any],
    verifies: Callable[[], str],
    fails: str,
    problem: str | None,
    record_problems: list[str] | None = None,
) -> None:
    """Print a verification's outcome (JSON; or a line on stdout when it verifies, and `fails` with the
    problem on stderr when it does not, then each record that differs from the log) and exit 1 when it
    does not."""
    if as_json:
        console.print_json(json.dumps(data))
    elif ok:
        console.print(verifies(), highlight=False)
    if not ok:
        if not as_json:
            if problem is not None:
                errors.print(f"[bold red]{fails}[/] {problem}", highlight=False)
            if record_problems:
                count = len(record_problems)
                errors.print(
                    f"[bold red]the store does not match the log:[/] {count:,} "
                    f"{'record differs' if count == 1 else 'records differ'} from what the log says of them",
                    highlight=False,
                )
                for line in record_problems:
                    errors.print(f"  {line}", highlight=False, markup=False)
        raise typer.Exit(1)


def _verify_remote(
    url: str,
    key: str | None,
    state: Path | None,
    sample: int,
    records: int,
    named: list[str],
    as_json: bool,
) -> None:
    from credence.log.remote import RemoteError, verify_remote

    if key is None:
        raise fail("--remote needs --key: the log's verifier key, from a source you trust (not that server)")
    for name in named:
        if not name.startswith("record:") and "/" not in name:
            raise fail(f"--record {name}: give DEPARTMENT/SOURCE_ID, or the record's log ref (record:N)")
    key_text = _key_text(key)
    waiting = errors.status(f"verifying {url}") if errors.is_terminal and not as_json else nullcontext()
    try:
        with waiting:
            found = verify_remote(url, key_text, state, sample, records=records, named=named)
    except RemoteError as exc:
        raise fail(str(exc)) from None
    for note in found.notes:
        errors.print(note, highlight=False, markup=False)
    remembered = (
        f"; it extends the checkpoint remembered in {state} (size {found.remembered:,})"
        if found.remembered is not None
        else ""
    )
    _outcome(
        found.ok,
        as_json,
        {
            "ok": found.ok,
            "url": found.url,
            "size": found.size,
            "root": found.root.hex() if found.ok else None,
            "checkpoints": found.checkpoints,
            "consistency_proofs": found.proofs,
            "entries_proved": found.sampled,
            "public_entries_checked": found.public,
            "remembered_size": found.remembered,
            "records_checked": found.records,
            "records_served": found.served,
            "notes": found.notes,
            "problem": found.problem,
        },
        lambda: (
            f"{url}: the log verifies: {found.checkpoints:,} checkpoint signatures, {found.proofs:,} "
            f"consistency proofs, {found.sampled:,} entries proved in the latest checkpoint "
            f"(size {found.size:,}, root {found.root.hex()}), {found.public:,} of them public with their "
            f"content checked; {found.records:,} records checked against their public entries, "
            f"{found.served:,} of them served with the content the log has{remembered}"
        ),
        f"{url}: the log does not verify:",
        found.problem,
    )


@app.command("checkpoint")
def sign_checkpoint(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="Sign even if the latest checkpoint has this size."),
) -> None:
    """Sign a checkpoint of the log now and print its note (the latest one when it already signs the
    log's size)."""
    app_ = app_context(ctx)
    engine = app_.engine  # the store first: without one there is nothing to sign
    signer = _signer(app_)
    with engine.begin() as conn:
        before = checkpoints.latest(conn)
        made = checkpoints.make_checkpoint(conn, signer, app_.clock.now(), force=force)
    again = before is not None and before.id == made.id
    said = "still signs" if again else "signed at"
    console.print(
        f"checkpoint #{made.id} {said} {made.size:,} entries, root {made.root.hex()}", highlight=False
    )
    console.print(made.note, end="", highlight=False, markup=False)


@app.command("keygen")
def make_key(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help="Where to write the new Ed25519 private key (PEM); never over a file."
    ),
) -> None:
    """Make the log's signing key (readable by its owner only) and print its verifier key for
    CREDENCE_LOG_ORIGIN; then set CREDENCE_LOG_KEY_PATH to PATH."""
    settings = app_context(ctx).settings
    try:
        signer = LogSigner(settings.log_origin, keygen(path))
    except LogKeyError as exc:
        raise fail(str(exc)) from None
    console.print(f"wrote {path}; set CREDENCE_LOG_KEY_PATH={path}. The verifier key:", highlight=False)
    console.print(signer.verifier_key(), highlight=False, markup=False)


@app.command("key")
def key(ctx: typer.Context) -> None:
    """Print the log's verifier key: the one line verifiers need, to publish where they can trust it."""
    console.print(_signer(app_context(ctx)).verifier_key(), highlight=False, markup=False)


@app.command("show")
def show(
    ctx: typer.Context,
    index: int = typer.Argument(..., min=0, help="The entry's index."),
    as_json: bool = typer.Option(False, "--json", help="Print the entry and its proof as JSON."),
) -> None:
    """Show a log entry (its content when public) and its inclusion proof against the latest checkpoint.
    Exit 1 when the log has no such entry."""
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        found = feed.entry(conn, index)
        size = store.head(conn).size
        if found is None:
            raise fail(f"the log has no entry {index}; it has {size:,} entries", 1)
        latest = checkpoints.latest(conn)
        proof = proofs.inclusion_proof(conn, index, latest.size) if latest and index < latest.size else None
    proved = (
        latest is not None
        and proof is not None
        and merkle.verify_inclusion(found.leaf_hash, index, latest.size, proof, latest.root)
    )
    if as_json:
        from credence.api.log import entry_out

        out: dict[str, Any] = entry_out(found).model_dump()
        out["proof"] = None
        if latest is not None and proof is not None:
            out["proof"] = {
                "checkpoint": latest.id,
                "size": latest.size,
                "root": latest.root.hex(),
                "hashes": [p.hex() for p in proof],
                "verifies": proved,
            }
        console.print_json(json.dumps(out))
        return
    stamp = found.at.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    console.print(f"entry {index}: {found.kind} at {stamp}", highlight=False)
    console.print(f"  commitment  {found.commitment.hex()}", highlight=False)
    console.print(f"  leaf hash   {found.leaf_hash.hex()}", highlight=False)
    if not found.public:
        console.print("  not public: what it is about and its content are not shown", highlight=False)
    else:
        console.print(
            f"  about       {found.ref} ({found.organisation or 'no organisation'})", highlight=False
        )
        if found.content is None:
            console.print("  content     erased (repair or expiry); the commitment remains", highlight=False)
        else:
            console.print(f"  content     {found.content}", highlight=False, markup=False)
    if latest is None or proof is None:
        signed = (
            f"the latest, #{latest.id}, signs {latest.size:,} entries" if latest else "none is signed yet"
        )
        console.print(
            f"  not yet in a checkpoint ({signed}); `credence log checkpoint` signs one now", highlight=False
        )
        return
    verdict = "verifies" if proved else "DOES NOT VERIFY"
    console.print(
        f"  in checkpoint #{latest.id} (size {latest.size:,}, root {latest.root.hex()}): "
        f"inclusion proof of {len(proof)} hashes {verdict}",
        highlight=False,
    )
    for value in proof:
        console.print(f"    {value.hex()}", highlight=False)
    if not proved:
        raise typer.Exit(1)


def checkpoint_schedule(registry: Registry) -> TickSchedule | None:
    """For `credence serve`: sign a checkpoint whenever the log grew, every
    CREDENCE_CHECKPOINT_INTERVAL_SECONDS (None when 0). Without a log key, outside demo mode, the server
    does not start."""
    from credence.process.schedule import TickSchedule

    try:
        signer = signer_for(registry.settings)
    except LogKeyError as exc:
        raise fail(str(exc), 1) from None
    interval = registry.settings.checkpoint_interval_seconds
    if not interval:
        return None
    job = checkpoints.interval_job(registry.engine, signer, registry.clock)
    return TickSchedule(job, interval).start()
