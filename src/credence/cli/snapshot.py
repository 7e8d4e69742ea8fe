"""`credence snapshot`: the tables batch work reads, as Parquet (docs/spark.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from credence.cli.context import app_context, console, fail
from credence.i18n import _, format_number
from credence.snapshots import SnapshotError, take_snapshot


def snapshot(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help=_("The folder to write to: empty, or new.")),
    force: bool = typer.Option(
        False, "--force", help=_("Replace the snapshot in a folder that is not empty.")
    ),
) -> None:
    """Write organisations, records and ratings as Parquet with a manifest (row counts, SHA-256, the log
    size it is consistent with). Operator data: it holds records not yet noticed, flagged."""
    app_ = app_context(ctx)
    policy = app_.policy
    try:
        manifest = take_snapshot(
            app_.engine,
            out,
            policy_version=policy.version,
            policy_sha256=policy.sha256,
            now=app_.clock.now(),
            force=force,
        )
    except SnapshotError as exc:
        raise fail(str(exc)) from None
    for f in manifest.files.values():
        console.print(
            _(
                "%(file)s: %(rows)s rows, sha256 %(sha256)s",
                file=out / f.file,
                rows=format_number(f.rows),
                sha256=f.sha256,
            ),
            highlight=False,
        )
    console.print(
        _(
            "snapshot as of log size %(size)s; %(unnoticed)s records not yet noticed, flagged",
            size=format_number(manifest.log_size),
            unnoticed=format_number(manifest.unnoticed_records),
        ),
        highlight=False,
    )
