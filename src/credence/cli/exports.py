"""`credence export`: the registry's public data as dated files (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from credence.cli.context import app_context, console
from credence.exports.files import ExportFormat
from credence.exports.service import ExportService
from credence.i18n import _, format_number


def export(
    ctx: typer.Context,
    out: Path = typer.Option(
        None, "--out", help=_("The folder to write to (default CREDENCE_EXPORTS_DIR, ./exports).")
    ),
    formats: list[ExportFormat] = typer.Option(
        None,
        "--format",
        help=_("ftm, targets, ndjson, parquet or csv; repeat for several (default: all)."),
    ),
) -> None:
    """Write every public list entry, public record and current grade as credence-YYYY-MM-DD.<ext>, each
    with its SHA-256 (<file>.sha256) and a credence-latest.<ext> link, and log each file."""
    app_ = app_context(ctx)
    service = ExportService(app_.engine, app_.catalog, app_.measures, app_.clock, app_.settings)
    chosen = formats or list(ExportFormat)
    folder = out or app_.settings.exports_dir
    done = service.export(folder, chosen)
    for w in done:
        console.print(
            _(
                "%(file)s: %(bytes)s bytes, sha256 %(sha256)s, %(seconds)s s",
                file=folder / w.file.name,
                bytes=format_number(w.file.bytes),
                sha256=w.file.sha256,
                seconds=f"{w.seconds:.1f}",
            ),
            highlight=False,
        )
    for f in done.removed:
        console.print(
            _(
                "%(file)s: removed, older than %(days)s days",
                file=folder / f.name,
                days=app_.settings.exports_keep_days,
            ),
            highlight=False,
        )
