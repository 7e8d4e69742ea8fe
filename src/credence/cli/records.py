"""`credence records show|withdraw|reinstate` and `credence status`."""

from __future__ import annotations

import typer
from rich.table import Table

from credence.cli.context import app_context, console, fail
from credence.records import repository as repo
from credence.records.service import IngestService, RecordNotFound
from credence.store import migrate

app = typer.Typer(help="Look at stored records and change their state.", no_args_is_help=True)


def _service(ctx: typer.Context) -> IngestService:
    app_ = app_context(ctx)
    return IngestService(app_.engine, app_.catalog, app_.clock, app_.settings)


@app.command("show")
def show(ctx: typer.Context, department: str, source_record_id: str) -> None:
    """Every version of a record, with provenance, and its state changes."""
    engine = app_context(ctx).engine
    with engine.connect() as conn:
        record = repo.find_record(conn, department, source_record_id)
        if record is None:
            raise fail(f"no record '{source_record_id}' from department {department}", 1)
        versions = repo.record_versions(conn, record.id)
        events = repo.record_events(conn, record.id)
        subject = repo.organisation(conn, record.organisation_id)
    subject_key = subject.key if subject else record.organisation_id
    console.print(
        f"record {record.id}: {department} / {source_record_id} — {record.category}, "
        f"{record.state}, version {record.current_version}, subject {subject_key}",
        highlight=False,
    )
    table = Table("v", "decided", "severity", "status", "until", "summary", "file:line", "received (UTC)")
    for v in versions:
        until = v.effective_until.isoformat() if v.effective_until else (v.until_kind or "")
        table.add_row(
            str(v.version),
            v.decided_on.isoformat(),
            v.severity or "",
            v.status,
            until,
            (v.summary or "")[:60],
            f"{v.file_name}:{v.line}",
            v.received_at.isoformat(),
        )
    console.print(table)
    for e in events:
        console.print(f"{e.at.isoformat()} {e.kind} by {e.actor}: {e.reason}", highlight=False)


def _record_event_command(name: str, action: str, who: str, why: str, doc: str) -> None:
    """Register `credence records NAME`: one event about one record (the service method of the same
    action), then the organisation re-rated."""

    def command(
        ctx: typer.Context,
        department: str,
        source_record_id: str,
        actor: str = typer.Option(..., help=who),
        reason: str = typer.Option(..., help=why),
    ) -> None:
        service = _service(ctx)
        change = {
            "withdrawn": service.withdraw,
            "reinstated": service.reinstate,
            "noticed": service.log_notice,
        }[action]
        try:
            organisation_id = change(department, source_record_id, actor=actor, reason=reason)
        except RecordNotFound as exc:
            raise fail(str(exc), 1) from None
        except ValueError as exc:
            raise fail(str(exc), 2) from None
        console.print(f"{action}: {department} / {source_record_id}", highlight=False)
        cause = f"record {department} / {source_record_id} {action}"
        if app_context(ctx).rating().rate([organisation_id], cause=cause).grade_changes:
            console.print("the organisation's grade changed; see credence explain", highlight=False)

    command.__doc__ = doc
    app.command(name)(command)


_record_event_command(
    "notice",
    "noticed",
    "Who delivered the notice.",
    "How and when it was delivered.",
    "Log that the notice of a record reached its organisation. Only then is the record published and "
    "counted in ratings.",
)
_record_event_command(
    "withdraw",
    "withdrawn",
    "Who decides.",
    "Why.",
    "Withdraw a record from use. Nothing is deleted; the change is kept with who, when and why.",
)
_record_event_command(
    "reinstate",
    "reinstated",
    "Who decides.",
    "Why.",
    "Return a withdrawn record to use, with who, when and why.",
)


def status(ctx: typer.Context) -> None:
    """What the store holds: table sizes, records by department and category, subjects by scheme."""
    app_ = app_context(ctx)
    engine = app_.engine
    revision = migrate.current_revision(engine)
    console.print(
        f"store: {engine.url.render_as_string(hide_password=True)} (revision {revision})", highlight=False
    )
    if revision is None:
        console.print("empty: run `credence db upgrade`, then `credence ingest`", highlight=False)
        return
    with engine.connect() as conn:
        counts = repo.table_counts(conn)
        by_dept = repo.counts_by(conn, repo.records.c.department)
        by_cat = repo.counts_by(conn, repo.records.c.category)
        by_scheme = repo.counts_by(conn, repo.organisations.c.scheme)
    console.print(", ".join(f"{name}: {n:,}" for name, n in counts.items()), highlight=False)
    for title, rows in (
        ("by department", by_dept),
        ("by category", by_cat),
        ("subjects by scheme", by_scheme),
    ):
        if rows:
            console.print(f"{title}: " + ", ".join(f"{k} {n:,}" for k, n in rows), highlight=False)
