"""`credence commitments ...`: credit commitments made in a template, marked kept or broken."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from credence.cli.context import app_context, console, fail, local, process_errors
from credence.commitments import service as repo
from credence.commitments.templates import load_templates
from credence.rating import repository as rating_repo

app = typer.Typer(help="Credit commitments: made in a template, marked kept or broken.", no_args_is_help=True)


@app.command("templates")
def templates(ctx: typer.Context) -> None:
    """The published templates: what an organisation commits to, who accepts it, how grave a breach is."""
    app_ = app_context(ctx)
    templates_ = load_templates(app_.catalog, app_.settings.commitment_templates_path)  # no store needed
    table = Table("code", "text", "departments", "breach", "legal basis")
    for t in templates_.templates.values():
        table.add_row(t.code, t.text, ", ".join(t.departments), t.breach_severity.value, str(t.legal_basis))
    console.print(table)


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
) -> None:
    """An organisation's commitments, or those a department has still to mark (due ones first)."""
    if bool(organisation) == bool(department):
        raise fail("give exactly one of --organisation and --department")
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        if organisation:
            org = rating_repo.find_organisation(conn, organisation)
            if org is None:
                raise fail(f"no organisation '{organisation}' in the registry", 1)
            rows = repo.of_organisation(conn, org.id)
        else:
            rows = repo.awaiting_department(conn, department)
    table = Table("commitment", "template", "department", "made", "due", "state")
    for c in rows:
        due = c.due_on.isoformat() if c.due_on else ""
        table.add_row(str(c.id), c.template, c.department, local(ctx, c.made_at), due, c.state)
    console.print(table)
