"""`credence commitments ...`: credit commitments made in a template, marked kept or broken."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from credence.cli.context import app_context, console, fail, local, process_errors
from credence.cli.output import FORMAT, Format, add_row, print_listing
from credence.commitments import service as repo
from credence.commitments.templates import load_templates
from credence.i18n import _, pick
from credence.identity import no_organisation
from credence.rating import repository as rating_repo

app = typer.Typer(
    help=_("Credit commitments: made in a template, marked kept or broken."), no_args_is_help=True
)


TEMPLATE_FIELDS = ("code", "text", "departments", "breach", "legal_basis")
COMMITMENT_FIELDS = ("id", "template", "department", "made", "due", "state")


@app.command(
    "templates",
    help=_(
        "The published templates: what an organisation commits to, who accepts it, how grave a breach is."
    ),
)
def templates(ctx: typer.Context, output: Format = FORMAT) -> None:
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
        for t, r in zip(templates_.templates.values(), rows, strict=True):  # read in the reader's language
            add_row(
                shown, *{**r, "text": pick(t.text, t.text_zh), "legal_basis": t.legal_basis.cited()}.values()
            )
        return shown

    print_listing(output, TEMPLATE_FIELDS, rows, table)


@app.command(
    "make",
    help=_("The organisation makes a commitment in a template; the approval it goes with proceeds at once."),
)
def make(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help=_("USCC or LEI; the organisation makes it itself.")),
    template: str = typer.Option(..., "--template", help=_("A published template's code.")),
    department: str = typer.Option(..., "--department", help=_("The department it is made to.")),
    due_on: str = typer.Option(None, "--due-on", help=_("By when it is to be shown kept (YYYY-MM-DD).")),
) -> None:
    try:
        due = date.fromisoformat(due_on) if due_on else None
    except ValueError:
        raise fail(_("--due-on '%(text)s' is not a date (YYYY-MM-DD)", text=due_on)) from None
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
    console.print(
        _(
            "commitment %(id)s made to %(department)s: %(text)s",
            id=made.id,
            department=made.department,
            text=made.text,
        ),
        highlight=False,
    )


@app.command(
    "mark",
    help=_("Mark a commitment kept or broken; a broken one becomes a record of breach, noticed like any."),
)
def mark(
    ctx: typer.Context,
    commitment_id: int,
    kept: bool = typer.Option(..., "--kept/--broken", help=_("Kept, or broken (a record of breach).")),
    department: str = typer.Option(..., "--department", help=_("The department it was made to.")),
    actor: str = typer.Option(..., "--actor", help=_("Who finds it, by name or office.")),
    reason: str = typer.Option(..., "--reason", help=_("What was found.")),
) -> None:
    with process_errors():
        marked = (
            app_context(ctx)
            .process()
            .commitments.mark(commitment_id, department=department, kept=kept, actor=actor, reason=reason)
        )
    said = _("commitment %(id)s %(state)s", id=commitment_id, state=marked.commitment.state)
    if marked.breach_record_id:
        record = f"{department}/BREACH-{commitment_id}"
        said += "; " + _("record of breach %(record)s awaits notice", record=record)
    console.print(said, highlight=False)


@app.command(
    "list",
    help=_("An organisation's commitments, or those a department has still to mark (due ones first)."),
)
def list_(
    ctx: typer.Context,
    organisation: str = typer.Option(
        None, "--organisation", help=_("Every commitment of this organisation.")
    ),
    department: str = typer.Option(None, "--department", help=_("Commitments awaiting this department.")),
    output: Format = FORMAT,
) -> None:
    if bool(organisation) == bool(department):
        raise fail(_("give exactly one of --organisation and --department"))
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
