"""`credence ingest`: a department's file (or a known public source) through the ingestion service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from credence.catalog import CatalogError
from credence.cli.context import app_context, console, fail
from credence.i18n import _, format_number, ngettext
from credence.rating import PolicyError
from credence.records.readers import FORMATS
from credence.records.service import IngestResult, IngestService, UnknownDepartment
from credence.records.validation import Rejection
from credence.subjects.service import LinkService


class RejectsFile:
    """The NDJSON rejects file, created on the first rejection only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] | None = None
        path.unlink(missing_ok=True)  # a stale file from an earlier run would mislead

    def write(self, rejection: Rejection) -> None:
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8")
        self._file.write(json.dumps(rejection.to_json(), ensure_ascii=False) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def ingest(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help=_("CSV (UTF-8, UTF-8 with BOM, GB18030), NDJSON or Parquet file.")),
    department: str | None = typer.Option(
        None, "--department", "-d", help=_("Code of the submitting department.")
    ),
    source: str | None = typer.Option(
        None,
        "--source",
        help=_(
            "A published source: a dataset mapping's name, or the path of its YAML (see docs/sources.md)."
        ),
    ),
    accept_row_count: bool = typer.Option(
        False,
        "--accept-row-count",
        help=_(
            "With --source: ingest the file although its row count is outside the mapping's expected_rows."
        ),
    ),
    fmt: str | None = typer.Option(
        None, "--format", help=_("One of %(formats)s; default from the suffix.", formats=", ".join(FORMATS))
    ),
    encoding: str | None = typer.Option(None, "--encoding", help=_("CSV encoding; default: detected.")),
    rejects: Path | None = typer.Option(
        None, "--rejects", help=_("Rejects file; default ./NAME.rejects.ndjson.")
    ),
    as_json: bool = typer.Option(False, "--json", help=_("Print a machine-readable summary.")),
    rate: bool = typer.Option(
        True, "--rate/--no-rate", help=_("Re-rate the organisations whose records changed (default).")
    ),
) -> None:
    """Check every row against the catalog and store the accepted ones.

    Exit code 0 when every row was accepted, 1 when any row (or the whole file) was rejected, 2 for
    unusable arguments or an unreadable file.
    """
    app = app_context(ctx)
    if not path.is_file():
        raise fail(_("cannot read %(path)s: no such file", path=path))
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        raise fail(_("cannot read %(path)s: %(why)s", path=path, why=exc.strerror)) from None
    if department is None and source is None:
        raise fail(_("give --department CODE (or --source NAME for a known public source)"))
    if accept_row_count and source is None:
        raise fail(_("--accept-row-count goes with --source: an interchange file has no expected row count"))
    try:
        catalog = app.catalog
    except CatalogError as exc:
        raise fail(str(exc)) from None
    service = IngestService(app.engine, catalog, app.clock, app.settings)
    try:  # refuse unusable arguments before touching an earlier run's rejects file
        if source is not None:
            from credence.sources.service import prepare_dataset

            prepare_dataset(service, source, department)
        elif department is not None:
            service.check_department(department)
    except (UnknownDepartment, ValueError, LookupError) as exc:
        raise fail(str(exc)) from None
    rejects_file = RejectsFile(rejects or Path.cwd() / f"{path.name}.rejects.ndjson")
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=as_json or not console.is_terminal,
    )
    try:
        with progress:
            task = progress.add_task(
                _("ingesting %(file)s", file=path.name), total=path.stat().st_size, rows=_rows(0)
            )

            def on_progress(rows: int, position: int) -> None:
                progress.update(task, completed=position, rows=_rows(rows))

            result: IngestResult
            if source is not None:
                from credence.sources.service import ingest_dataset

                result = ingest_dataset(
                    service,
                    path,
                    source,
                    department=department,
                    accept_row_count=accept_row_count,
                    on_reject=rejects_file.write,
                    on_progress=on_progress,
                )
            else:
                assert department is not None  # checked above
                result = service.ingest_file(
                    path,
                    department,
                    fmt=fmt,
                    encoding=encoding,
                    on_reject=rejects_file.write,
                    on_progress=on_progress,
                )
    except (UnknownDepartment, ValueError, LookupError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(_("cannot read %(path)s: %(why)s", path=path, why=exc)) from None
    except KeyboardInterrupt:
        raise _interrupted(
            path, as_json, _("every committed row is stored whole; run the same command again to finish")
        ) from None
    finally:
        rejects_file.close()
    if rejects_file.count:
        result.rejects_path = str(rejects_file.path)
    if rate:
        try:
            # The subjects it added or changed are linked against the registry before they are rated.
            linking = LinkService.from_settings(app.engine, app.clock, app.settings)
            result.organisation_ids |= linking.after_ingest(result.organisation_ids)
            app.rating().after_ingest(result)
        except (PolicyError, CatalogError) as exc:
            raise fail(_("records stored, but not rated: %(why)s", why=exc), 1) from None
        except KeyboardInterrupt:
            raise _interrupted(
                path,
                as_json,
                _(
                    "every row is stored; the rating was stopped, and the next ingest (or `credence rate`) "
                    "rates what this one changed"
                ),
            ) from None
    _report(result, as_json, source is not None)
    raise typer.Exit(0 if result.rejected == 0 else 1)


def _rows(n: int) -> str:
    """The progress bar's count of rows read."""
    return ngettext("%(num)s row", "%(num)s rows", n)


def _interrupted(path: Path, as_json: bool, message: str) -> typer.Exit:
    """Ctrl-C: say what is stored, and exit 130."""
    if as_json:
        console.print_json(json.dumps({"file": path.name, "status": "interrupted", "message": message}))
    else:
        console.print(_("interrupted: %(why)s", why=message), highlight=False)
    return typer.Exit(130)


def _report(result: IngestResult, as_json: bool, from_source: bool = False) -> None:
    if as_json:
        console.print_json(json.dumps(result.to_json(), ensure_ascii=False))
        return
    if result.file_error is not None and result.file_error.reason == "row_count":
        # Not a fault of the file's content: a question to the operator, with the way to answer it.
        said = _(
            "%(file)s: %(why)s. Nothing was stored.",
            file=escape(result.file_name),
            why=escape(result.file_error.message),
        )
        stopped = _("stopped")
        console.print(f"[bold yellow]{stopped}[/]: {said}", highlight=False)
    elif result.file_error is not None:
        err = result.file_error
        values = {"file": escape(result.file_name), "why": escape(err.message), "reason": err.reason}
        if err.line:
            said = _(
                "%(file)s, line %(line)s: %(why)s (%(reason)s); nothing was stored",
                line=format_number(err.line),
                **values,
            )
        else:
            said = _("%(file)s: %(why)s (%(reason)s); nothing was stored", **values)
        whole = _("rejected whole")
        console.print(f"[bold red]{whole}[/]: {said}", highlight=False)
    else:
        console.print(
            _(
                "%(file)s (%(department)s): %(accepted)s accepted (%(new)s new, %(updated)s updated, "
                "%(unchanged)s unchanged), %(rejected)s rejected — batch %(batch)s, %(seconds)s s",
                file=result.file_name,
                department=result.department,
                accepted=format_number(result.accepted),
                new=format_number(result.new),
                updated=format_number(result.updated),
                unchanged=format_number(result.unchanged),
                rejected=format_number(result.rejected),
                batch=result.batch_id,
                seconds=f"{result.seconds:.1f}",
            ),
            highlight=False,
        )
    if from_source:
        from credence.sources.service import SourceIngestResult

        if isinstance(result, SourceIngestResult) and result.row_count_accepted and result.expected_rows:
            low, high = result.expected_rows
            console.print(
                _(
                    "row count accepted: %(rows)s data rows, outside the %(low)s to %(high)s that "
                    "%(source)s.yml expects (--accept-row-count)",
                    rows=format_number(result.data_rows or 0),
                    low=format_number(low),
                    high=format_number(high),
                    source=result.source,
                ),
                highlight=False,
            )
    if result.rated:
        rated = ngettext("re-rated %(num)s organisation", "re-rated %(num)s organisations", result.rated)
        changes = ngettext("%(num)s grade change", "%(num)s grade changes", result.grade_changes)
        console.print(_("%(rated)s; %(changes)s", rated=rated, changes=changes), highlight=False)
    if result.rejects_path:
        console.print(_("rejected rows and reasons: %(path)s", path=result.rejects_path), highlight=False)
