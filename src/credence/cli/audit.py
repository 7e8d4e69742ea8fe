"""`credence audit grounds`: screen the whole store again with the rules in force (docs/catalog.md)."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from credence.cli.context import app_context, console, errors
from credence.cli.output import add_row, print_json, print_table
from credence.i18n import _, format_number

app = typer.Typer(help=_("Audits of the store against the rules in force."), no_args_is_help=True)


@app.command(
    "grounds",
    help=_(
        "Screen every active record with the current catalog and screening rules; withdraw each that fails "
        "(prohibited ground, a person's data, a denied law or one outside its category's closed list, a body "
        "out of scope), with a logged event, a notice to its organisation and a re-rating."
    ),
)
def grounds(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help=_("Print the report as one JSON object.")),
) -> None:
    from sqlalchemy import func, select

    from credence.process import repository as repo
    from credence.process.audit import run_audit

    app_ = app_context(ctx)
    process = app_.process()
    with app_.engine.connect() as conn:
        total = int(
            conn.execute(
                select(func.count()).select_from(repo.records).where(repo.records.c.state == "active")
            ).scalar_one()
        )
    with Progress(
        TextColumn(_("screening records")), BarColumn(), MofNCompleteColumn(), console=errors, transient=True
    ) as progress:
        task = progress.add_task("screening", total=total)
        report = run_audit(process, lambda done: progress.update(task, completed=done))
    if as_json:
        print_json(
            {
                "rules": report.rules,
                "screened": report.screened,
                "withdrawn": [_row(w) for w in report.withdrawn],
                "organisations_rerated": len(report.organisations),
            }
        )
        return
    console.print(
        _(
            "screened %(screened)s active records with %(rules)s: %(withdrawn)s withdrawn, %(rerated)s "
            "organisations re-rated",
            screened=format_number(report.screened),
            rules=report.rules,
            withdrawn=format_number(len(report.withdrawn)),
            rerated=format_number(len(report.organisations)),
        ),
        highlight=False,
    )
    if report.withdrawn:  # a report, not a listing: a table for people, --json for programs
        found = Table("department", "record", "field", "reason")
        for w in report.withdrawn:
            reason = f"{w.reason} ({w.ground})" if w.ground else w.reason
            add_row(found, w.department, w.source_record_id, w.field, reason)
        print_table(found)


FIELDS = ("record_id", "department", "source_record_id", "field", "reason", "ground")


def _row(w: object) -> dict[str, object]:
    return {name: getattr(w, name) for name in FIELDS}
