"""`credence departments figures`: each department measured as a decision-maker."""

from __future__ import annotations

import typer
from rich.table import Table

from credence.cli.context import app_context, console
from credence.clock import today
from credence.process.figures import department_figures, percent

app = typer.Typer(
    help="The departments that decide, and how they keep their deadlines.", no_args_is_help=True
)


CAPTION = (
    "published: records whose notice was delivered. Objections: pending = not yet due; in time = answered "
    "by the due day, of those answered, lapsed or overdue; corrected = corrected or withdrawn, of those "
    "answered. Repairs: in time = decided by the decision day, of those decided or overdue."
)


@app.command("figures")
def figures(ctx: typer.Context) -> None:
    """Per department: records published, objections answered in time, the correction rate, repair
    decisions in time (as of today; "—" where there is nothing to count)."""
    app_ = app_context(ctx)
    as_of = today(app_.clock, app_.settings.timezone)
    with app_.engine.connect() as conn:
        rows = department_figures(conn, app_.catalog, as_of)
    table = Table(
        "department",
        "published",
        "objections",
        "pending",
        "in time",
        "lapsed",
        "corrected",
        "repairs",
        "pending",
        "in time",
        title=f"Departments as decision-makers, as of {as_of.isoformat()}",
        caption=CAPTION,
    )
    for f in rows:
        table.add_row(
            f.code,
            str(f.records_published),
            str(f.objections_received),
            str(f.objections_pending),
            _share(f.objections_in_time_rate, f.objections_answered_in_time, f.objections_measured),
            str(f.objections_lapsed),
            _share(f.correction_rate, f.objections_corrected_or_withdrawn, f.objections_answered),
            str(f.repairs_received),
            str(f.repairs_pending),
            _share(f.repairs_in_time_rate, f.repairs_decided_in_time, f.repairs_measured),
        )
    console.print(table)


def _share(rate: float | None, part: int, whole: int) -> str:
    return percent(rate) if rate is None else f"{percent(rate)} ({part}/{whole})"
