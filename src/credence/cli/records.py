"""`credence records show|notice|withdraw|reinstate` and `credence status`."""

from __future__ import annotations

import typer
from rich.table import Table

from credence.cli.context import app_context, console, fail, process_errors, report_grade
from credence.cli.output import FORMAT, Format, add_row, print_csv, print_json, print_table
from credence.i18n import _, format_number
from credence.records import repository as repo
from credence.store import migrate

app = typer.Typer(help=_("Look at stored records and change their state."), no_args_is_help=True)


VERSION_FIELDS = (
    "department",
    "source_record_id",
    "version",
    "decided_on",
    "severity",
    "status",
    "until",
    "summary",
    "file_name",
    "line",
    "received_at",
)


@app.command(
    "show",
    help=_(
        "Every version of a record, with provenance, and its state changes. CSV has a row per version; "
        "JSON the record, its versions and its state changes."
    ),
)
def show(ctx: typer.Context, department: str, source_record_id: str, output: Format = FORMAT) -> None:
    engine = app_context(ctx).engine
    with engine.connect() as conn:
        record = repo.find_record(conn, department, source_record_id)
        if record is None:
            raise fail(
                _(
                    "no record '%(id)s' from department %(department)s",
                    id=source_record_id,
                    department=department,
                ),
                1,
            )
        versions = repo.record_versions(conn, record.id)
        events = repo.record_events(conn, record.id)
        subject = repo.organisation(conn, record.organisation_id)
    subject_key = subject.key if subject else record.organisation_id
    rows = [
        {
            "department": record.department,
            "source_record_id": record.source_record_id,
            "version": v.version,
            "decided_on": v.decided_on,
            "severity": v.severity,
            "status": v.status,
            "until": v.effective_until or v.until_kind,
            "summary": v.summary,
            "file_name": v.file_name,
            "line": v.line,
            "received_at": v.received_at,
        }
        for v in versions
    ]
    if output is Format.csv:
        print_csv(VERSION_FIELDS, rows)
        return
    if output is Format.json:
        print_json(
            {
                "record": {
                    "id": record.id,
                    "department": record.department,
                    "source_record_id": record.source_record_id,
                    "category": record.category,
                    "state": record.state,
                    "current_version": record.current_version,
                    "subject": subject_key,
                },
                "versions": rows,
                "events": [
                    {"at": e.at, "kind": e.kind, "actor": e.actor, "reason": e.reason} for e in events
                ],
            }
        )
        return
    console.print(
        _(
            "record %(id)s: %(department)s / %(source)s — %(category)s, %(state)s, version %(version)s, "
            "subject %(subject)s",
            id=record.id,
            department=department,
            source=source_record_id,
            category=record.category,
            state=record.state,
            version=record.current_version,
            subject=subject_key,
        ),
        highlight=False,
        markup=False,
    )
    table = Table("v", "decided", "severity", "status", "until", "summary", "file:line", "received (UTC)")
    for r in rows:
        file_line = f"{r['file_name']}:{r['line']}"
        add_row(
            table,
            r["version"],
            r["decided_on"],
            r["severity"],
            r["status"],
            r["until"],
            r["summary"],
            file_line,
            r["received_at"],
        )
    print_table(table)
    for e in events:
        console.print(f"{e.at.isoformat()} {e.kind} by {e.actor}: {e.reason}", highlight=False, markup=False)


@app.command(
    "notice",
    help=_(
        "Log that the notice of a record reached its organisation. Only then is the record published and "
        "counted in ratings (or once the notice is deemed delivered: `credence tick`)."
    ),
)
def notice(
    ctx: typer.Context,
    department: str,
    source_record_id: str,
    actor: str = typer.Option(..., help=_("Who delivered the notice.")),
    channel: str = typer.Option(..., help=_("How it was delivered (registered mail, in person, ...).")),
) -> None:
    with process_errors():
        notice = (
            app_context(ctx)
            .process()
            .deliver_record_notice(department, source_record_id, actor=actor, channel=channel)
        )
    console.print(
        _(
            "notice delivered: %(department)s / %(id)s is published",
            department=department,
            id=source_record_id,
        ),
        highlight=False,
    )
    report_grade(ctx, notice.organisation_id)


@app.command(
    "withdraw",
    help=_(
        "Withdraw a record from publication and use. Nothing is deleted; the change is kept with who, "
        "when and why, and the organisation is re-rated."
    ),
)
def withdraw(
    ctx: typer.Context,
    department: str,
    source_record_id: str,
    actor: str = typer.Option(..., help=_("Who decides.")),
    reason: str = typer.Option(..., help=_("Why.")),
) -> None:
    with process_errors():
        organisation_id = (
            app_context(ctx).process().withdraw(department, source_record_id, actor=actor, reason=reason)
        )
    console.print(
        _("withdrawn: %(department)s / %(id)s", department=department, id=source_record_id), highlight=False
    )
    report_grade(ctx, organisation_id)


@app.command(
    "reinstate",
    help=_(
        "Return a withdrawn record to use: it needs a certified decision and a reason, and is published "
        "again only once a new notice to the organisation is delivered."
    ),
)
def reinstate(
    ctx: typer.Context,
    department: str,
    source_record_id: str,
    actor: str = typer.Option(..., help=_("Who decides.")),
    reason: str = typer.Option(..., help=_("Why.")),
    certified_decision: str = typer.Option(
        ..., help=_("The reference of the certified decision to reinstate.")
    ),
) -> None:
    with process_errors():
        app_context(ctx).process().reinstate(
            department, source_record_id, actor=actor, reason=reason, certified_decision=certified_decision
        )
    console.print(
        _(
            "reinstated: %(department)s / %(id)s; published once its notice is delivered",
            department=department,
            id=source_record_id,
        ),
        highlight=False,
    )


def status(ctx: typer.Context) -> None:
    """What the store holds: table sizes, records by department and category, subjects by scheme."""
    app_ = app_context(ctx)
    engine = app_.engine
    revision = migrate.current_revision(engine)
    console.print(
        _(
            "store: %(url)s (revision %(revision)s)",
            url=engine.url.render_as_string(hide_password=True),
            revision=revision,
        ),
        highlight=False,
    )
    with engine.connect() as conn:
        counts = repo.table_counts(conn)
        by_dept = repo.counts_by(conn, repo.records.c.department)
        by_cat = repo.counts_by(conn, repo.records.c.category)
        by_scheme = repo.counts_by(conn, repo.organisations.c.scheme)
    console.print(", ".join(f"{name}: {format_number(n)}" for name, n in counts.items()), highlight=False)
    for title, rows in (
        (_("by department"), by_dept),
        (_("by category"), by_cat),
        (_("subjects by scheme"), by_scheme),
    ):
        if rows:
            counted = ", ".join(f"{k} {format_number(n)}" for k, n in rows)
            console.print(_("%(title)s: %(counts)s", title=title, counts=counted), highlight=False)
