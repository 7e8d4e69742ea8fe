"""`credence commitments ...`: credit commitments made in a template, marked kept or broken."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from credence.cli.context import app_context, console, fail, local, process_errors
from credence.cli.output import FORMAT, Format, add_row, print_listing
from credence.commitments import service as repo
from credence.commitments.templates import load_templates
from credence.identity import no_organisation
from credence.rating import repository as rating_repo

app = typer.Typer(help="Credit commitments: made in a template, marked kept or broken.", no_args_is_help=True)


TEMPLATE_FIELDS = ("code", "text", "departments", "breach", "legal_basis")
COMMITMENT_FIELDS = ("id", "template", "department", "made", "due", "state")


@app.command("templates")
def templates(ctx: typer.Context, output: Format = FORMAT) -> None:
    """The published templates: what an organisation commits to, who accepts it, how grave a breach is."""
    app_ = app_context(ctx)
    templates_ = load_templates(app_.catalog, app_.settings.commitment_templates_path)  # no store needed
    rows = [
        {
            "code": t.code,
            "text": t.text,
            "departments": list(t.departments),
            "breach": t.breach_severity.value,
            "legal_basis": str(t.legal_basis),
        }
        for t in templates_.templates.values()
    ]

    def table() -> Table:
        shown = Table("code", "text", "departments", "breach", "legal basis")
        for r in rows:
            add_row(shown, *r.values())
        return shown

    print_listing(output, TEMPLATE_FIELDS, rows, table)


@app.command("make")
def make(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="USCC or LEI; the organisation makes it itself."),
    template: str = typer.Option(..., "--template", help="A published template's code."),
    department: str = typer.Option(..., "--department", help="The department it is made to."),
    due_on: str = typer.Option(None, "--due-on", help="By when it is to be shown kept (YYYY-MM-DD)."),
) -> None:
    """The organisation makes a commitment in a template; the approval it goes with proceeds at once."""
    try:
        due = date.fromisoformat(due_on) if due_on else None
    except ValueError:
        raise fail(f"--due-on '{due_on}' is not a date (YYYY-MM-DD)") from None
    with process_errors():
        made = (
            app_context(ctx)
            .process()
            .commitments.make(
                organisation,
                template,
                department=department,
                made_by=f"organisation:{organisation}",
                due_on=due,
            )
        )
    console.print(f"commitment {made.id} made to {made.department}: {made.text}", highlight=False)


@app.command("mark")
def mark(
    ctx: typer.Context,
    commitment_id: int,
    kept: bool = typer.Option(..., "--kept/--broken", help="Kept, or broken (a record of breach)."),
    department: str = typer.Option(..., "--department", help="The department it was made to."),
    actor: str = typer.Option(..., "--actor", help="Who finds it, by name or office."),
    reason: str = typer.Option(..., "--reason", help="What was found."),
) -> None:
    """Mark a commitment kept or broken; a broken one becomes a record of breach, noticed like any."""
    with process_errors():
        marked = (
            app_context(ctx)
            .process()
            .commitments.mark(commitment_id, department=department, kept=kept, actor=actor, reason=reason)
        )
    breach = (
        f"; record of breach {department}/BREACH-{commitment_id} awaits notice"
        if marked.breach_record_id
        else ""
    )
    console.print(f"commitment {commitment_id} {marked.commitment.state}{breach}", highlight=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    organisation: str = typer.Option(None, "--organisation", help="Every commitment of this organisation."),
    department: str = typer.Option(None, "--department", help="Commitments awaiting this department."),
    output: Format = FORMAT,
) -> None:
    """An organisation's commitments, or those a department has still to mark (due ones first)."""
    if bool(organisation) == bool(department):
        raise fail("give exactly one of --organisation and --department")
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        if organisation:
            org = rating_repo.find_organisation(conn, organisation)
            if org is None:
                raise fail(no_organisation(organisation, " in the registry"), 1)
            found = repo.of_organisation(conn, org.id)
        else:
            found = repo.awaiting_department(conn, department)
    rows = [
        {
            "id": c.id,
            "template": c.template,
            "department": c.department,
            "made": local(ctx, c.made_at),
            "due": c.due_on,
            "state": c.state,
        }
        for c in found
    ]

    def table() -> Table:
        shown = Table("commitment", "template", "department", "made", "due", "state")
        for r in rows:
            add_row(shown, *r.values())
        return shown

    print_listing(output, COMMITMENT_FIELDS, rows, table)
