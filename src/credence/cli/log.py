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
from credence.i18n import _, format_number, ngettext
from credence.log import checkpoint, checkpoints, feed, merkle, proofs, store
from credence.log.keys import LogKeyError, LogSigner, keygen, signer_for

if TYPE_CHECKING:
    from credence.api.app import Registry
    from credence.process.schedule import TickSchedule

app = typer.Typer(
    help=_("The transparency log: verify it, sign checkpoints, keys, entries with their proofs."),
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
        raise fail(_("--key: %(key)s cannot be read: %(why)s", key=given, why=exc)) from None
    try:
        checkpoint.parse_verifier_key(text)
    except checkpoint.CheckpointError as exc:
        raise fail(f"--key: {exc}") from None
    return text


@app.command(
    "verify",
    help=_(
        "Verify the log: every entry, subtree and checkpoint re-derived from the store, and every stored "
        "record against what the log says of it; or with --remote, a running registry's checkpoints, their "
        "consistency, a sample of entries and of records through its API. Exit 0 when it verifies, 1 when it "
        "does not (the first problem of the log, or every record that differs, named), 2 for unusable "
        "arguments or an unreachable server."
    ),
)
def verify(
    ctx: typer.Context,
    remote: str | None = typer.Option(
        None, "--remote", help=_("Verify the registry serving at this URL from outside, with proofs alone.")
    ),
    key: str | None = typer.Option(
        None, "--key", help=_("The log's verifier key, or a file holding it (default: this registry's own).")
    ),
    state: Path | None = typer.Option(
        None,
        "--state",
        help=_(
            "With --remote: remember the latest checkpoint here; next time, require the log to extend it."
        ),
    ),
    sample: int = typer.Option(32, "--sample", min=0, help=_("With --remote: how many entries to prove.")),
    records: int = typer.Option(
        8, "--records", min=0, help=_("With --remote: how many records to check against the log, at random.")
    ),
    record: list[str] = typer.Option(
        [],
        "--record",
        help=_("With --remote: also check this record (DEPARTMENT/SOURCE_ID, or its log ref, record:N)."),
    ),
    as_json: bool = typer.Option(False, "--json", help=_("Print the outcome as JSON.")),
) -> None:
    if remote is not None:
        _verify_remote(remote, key, state, sample, records, record, as_json)
        return
    if state is not None:
        raise fail(_("--state goes with --remote: it remembers what a remote verification accepted"))
    if record:
        raise fail(_("--record goes with --remote: it checks a record as the registry serves it"))
    app_ = app_context(ctx)
    engine = app_.engine  # the store first: without one there is nothing to verify
    key_text = _key_text(key) if key is not None else _signer(app_).verifier_key()
    origin = checkpoint.parse_verifier_key(key_text).name
    from credence.log.verify import verify as verify_log

    progress = Progress(
        TextColumn("[bold]" + _("verifying the log")),
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
    sealed = (
        "; "
        + _(
            "%(v1)s with version-1 leaves, %(sealed)s of them sealed",
            v1=format_number(found.v1),
            sealed=format_number(found.sealed),
        )
        if found.v1
        else ""
    )
    erased = (
        " (" + _("%(erased)s with content erased", erased=format_number(found.records_erased)) + ")"
        if found.records_erased
        else ""
    )
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
        lambda: _(
            "the log verifies: %(entries)s entries (%(erased)s with content erased%(sealed)s), %(nodes)s, "
            "%(checkpoints)s checkpoints; root %(root)s at size %(size)s; the store matches it: %(records)s "
            "records%(records_erased)s",
            entries=format_number(found.entries),
            erased=format_number(found.erased),
            sealed=sealed,
            nodes=ngettext("%(num)s stored subtree", "%(num)s stored subtrees", found.nodes),
            checkpoints=format_number(found.checkpoints),
            root=found.root.hex(),
            size=format_number(found.size),
            records=format_number(found.records),
            records_erased=erased,
        ),
        _("the log does not verify:"),
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
                said = _("the store does not match the log:")
                differ = ngettext(
                    "%(num)s record differs from what the log says of them",
                    "%(num)s records differ from what the log says of them",
                    count,
                )
                errors.print(f"[bold red]{said}[/] {differ}", highlight=False)
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
        raise fail(
            _("--remote needs --key: the log's verifier key, from a source you trust (not that server)")
        )
    for name in named:
        if not name.startswith("record:") and "/" not in name:
            raise fail(
                _(
                    "--record %(name)s: give DEPARTMENT/SOURCE_ID, or the record's log ref (record:N)",
                    name=name,
                )
            )
    key_text = _key_text(key)
    waiting = (
        errors.status(_("verifying %(url)s", url=url))
        if errors.is_terminal and not as_json
        else nullcontext()
    )
    try:
        with waiting:
            found = verify_remote(url, key_text, state, sample, records=records, named=named)
    except RemoteError as exc:
        raise fail(str(exc)) from None
    for note in found.notes:
        errors.print(note, highlight=False, markup=False)
    remembered = (
        "; "
        + _(
            "it extends the checkpoint remembered in %(state)s (size %(size)s)",
            state=state,
            size=format_number(found.remembered),
        )
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
        lambda: _(
            "%(url)s: the log verifies: %(checkpoints)s checkpoint signatures, %(proofs)s consistency "
            "proofs, %(sampled)s entries proved in the latest checkpoint (size %(size)s, root %(root)s), "
            "%(public)s of them public with their content checked; %(records)s records checked against their "
            "public entries, %(served)s of them served with the content the log has%(remembered)s",
            url=url,
            checkpoints=format_number(found.checkpoints),
            proofs=format_number(found.proofs),
            sampled=format_number(found.sampled),
            size=format_number(found.size),
            root=found.root.hex(),
            public=format_number(found.public),
            records=format_number(found.records),
            served=format_number(found.served),
            remembered=remembered,
        ),
        _("%(url)s: the log does not verify:", url=url),
        found.problem,
    )


@app.command(
    "checkpoint",
    help=_(
        "Sign a checkpoint of the log now and print its note (the latest one when it already signs the "
        "log's size)."
    ),
)
def sign_checkpoint(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help=_("Sign even if the latest checkpoint has this size.")),
) -> None:
    app_ = app_context(ctx)
    engine = app_.engine  # the store first: without one there is nothing to sign
    signer = _signer(app_)
    with engine.begin() as conn:
        before = checkpoints.latest(conn)
        made = checkpoints.make_checkpoint(conn, signer, app_.clock.now(), force=force)
    again = before is not None and before.id == made.id
    said = (
        _(
            "checkpoint #%(id)s still signs %(size)s entries, root %(root)s",
            id=made.id,
            size=format_number(made.size),
            root=made.root.hex(),
        )
        if again
        else _(
            "checkpoint #%(id)s signed at %(size)s entries, root %(root)s",
            id=made.id,
            size=format_number(made.size),
            root=made.root.hex(),
        )
    )
    console.print(said, highlight=False)
    console.print(made.note, end="", highlight=False, markup=False)


@app.command(
    "keygen",
    help=_(
        "Make the log's signing key (readable by its owner only) and print its verifier key for "
        "CREDENCE_LOG_ORIGIN; then set CREDENCE_LOG_KEY_PATH to PATH."
    ),
)
def make_key(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help=_("Where to write the new Ed25519 private key (PEM); never over a file.")
    ),
) -> None:
    settings = app_context(ctx).settings
    try:
        signer = LogSigner(settings.log_origin, keygen(path))
    except LogKeyError as exc:
        raise fail(str(exc)) from None
    console.print(
        _("wrote %(path)s; set CREDENCE_LOG_KEY_PATH=%(path)s. The verifier key:", path=path), highlight=False
    )
    console.print(signer.verifier_key(), highlight=False, markup=False)


@app.command(
    "key",
    help=_("Print the log's verifier key: the one line verifiers need, to publish where they can trust it."),
)
def key(ctx: typer.Context) -> None:
    console.print(_signer(app_context(ctx)).verifier_key(), highlight=False, markup=False)


@app.command(
    "show",
    help=_(
        "Show a log entry (its content when public) and its inclusion proof against the latest checkpoint. "
        "Exit 1 when the log has no such entry."
    ),
)
def show(
    ctx: typer.Context,
    index: int = typer.Argument(..., min=0, help=_("The entry's index.")),
    as_json: bool = typer.Option(False, "--json", help=_("Print the entry and its proof as JSON.")),
) -> None:
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        found = feed.entry(conn, index)
        size = store.head(conn).size
        if found is None:
            raise fail(
                _(
                    "the log has no entry %(index)s; it has %(size)s entries",
                    index=index,
                    size=format_number(size),
                ),
                1,
            )
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
    console.print(
        _("entry %(index)s: %(kind)s at %(at)s", index=index, kind=found.kind, at=stamp), highlight=False
    )
    console.print("  " + _("commitment  %(hash)s", hash=found.commitment.hex()), highlight=False)
    console.print("  " + _("leaf hash   %(hash)s", hash=found.leaf_hash.hex()), highlight=False)
    if not found.public:
        console.print("  " + _("not public: what it is about and its content are not shown"), highlight=False)
    else:
        about = _(
            "about       %(ref)s (%(organisation)s)",
            ref=found.ref,
            organisation=found.organisation or _("no organisation"),
        )
        console.print("  " + about, highlight=False)
        if found.content is None:
            console.print(
                "  " + _("content     erased (repair or expiry); the commitment remains"), highlight=False
            )
        else:
            content = _("content     %(content)s", content=found.content)
            console.print("  " + content, highlight=False, markup=False)
    if latest is None or proof is None:
        signed = (
            _(
                "the latest, #%(id)s, signs %(size)s entries",
                id=latest.id,
                size=format_number(latest.size),
            )
            if latest
            else _("none is signed yet")
        )
        console.print(
            "  "
            + _(
                "not yet in a checkpoint (%(signed)s); `credence log checkpoint` signs one now", signed=signed
            ),
            highlight=False,
        )
        return
    verdict = (
        _(
            "in checkpoint #%(id)s (size %(size)s, root %(root)s): inclusion proof of %(hashes)s hashes "
            "verifies",
            id=latest.id,
            size=format_number(latest.size),
            root=latest.root.hex(),
            hashes=len(proof),
        )
        if proved
        else _(
            "in checkpoint #%(id)s (size %(size)s, root %(root)s): inclusion proof of %(hashes)s hashes "
            "DOES NOT VERIFY",
            id=latest.id,
            size=format_number(latest.size),
            root=latest.root.hex(),
            hashes=len(proof),
        )
    )
    console.print("  " + verdict, highlight=False)
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
