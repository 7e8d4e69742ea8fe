"""`credence export`: the registry's public data as dated files (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from credence.cli.context import app_context, console
from credence.exports.files import ExportFormat
from credence.exports.service import ExportService


def export(
    ctx: typer.Context,
    out: Path = typer.Option(
        None, "--out", help="The folder to write to (default CREDENCE_EXPORTS_DIR, ./exports)."
    ),
    formats: list[ExportFormat] = typer.Option(
        None,
        "--format",
        help="ftm, targets, ndjson, parquet or csv; repeat for several (default: all).",
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
            f"{folder / w.file.name}: {w.file.bytes:,} bytes, sha256 {w.file.sha256}, {w.seconds:.1f} s",
            highlight=False,
        )
    for f in done.removed:
        console.print(
            f"{folder / f.name}: removed, older than {app_.settings.exports_keep_days} days", highlight=False
        )
