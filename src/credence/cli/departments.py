"""`credence departments figures`: each department measured as a decision-maker."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from credence.cli.context import app_context
from credence.cli.output import FORMAT, Format, add_row, print_listing
from credence.clock import today
from credence.i18n import N_, _
from credence.process.figures import DepartmentFigures, department_figures, percent

app = typer.Typer(
    help=_("The departments that decide, and how they keep their deadlines."), no_args_is_help=True
)


CAPTION = N_(
    "published: records whose notice was delivered. Objections: pending = not yet due; in time = answered "
    "by the due day, of those answered, lapsed or overdue; corrected = corrected or withdrawn, of those "
    "answered. Repairs: in time = decided by the decision day, of those decided or overdue. Refused: "
    "submissions refused on a prohibited ground (each a refusal.prohibited_ground entry of the log)."
)


@app.command(
    "figures",
    help=_(
        "Per department: records published, objections answered in time, the correction rate, repair "
        'decisions in time (as of today; "—" where there is nothing to count). CSV and JSON have every count '
        "and rate, with the fields of the API's /api/v1/departments/figures."
    ),
)
def figures(ctx: typer.Context, output: Format = FORMAT) -> None:
    from credence.api.figures import DepartmentFiguresOut

    app_ = app_context(ctx)
    as_of = today(app_.clock, app_.settings.timezone)
    with app_.engine.connect() as conn:
        found = department_figures(conn, app_.catalog, as_of)
    rows = [DepartmentFiguresOut.model_validate(f).model_dump() for f in found]
    fields = tuple(DepartmentFiguresOut.model_fields)
    print_listing(output, fields, rows, lambda: _table(found, as_of))


def _table(found: list[DepartmentFigures], as_of: date) -> Table:
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
        "refused",
        title=_("Departments as decision-makers, as of %(date)s", date=as_of.isoformat()),
        caption=_(CAPTION),
    )
    for f in found:
        add_row(
            table,
            f.code,
            f.records_published,
            f.objections_received,
            f.objections_pending,
            _share(f.objections_in_time_rate, f.objections_answered_in_time, f.objections_measured),
            f.objections_lapsed,
            _share(f.correction_rate, f.objections_corrected_or_withdrawn, f.objections_answered),
            f.repairs_received,
            f.repairs_pending,
            _share(f.repairs_in_time_rate, f.repairs_decided_in_time, f.repairs_measured),
            f.refused_prohibited_ground,
        )
    return table


def _share(rate: float | None, part: int, whole: int) -> str:
    return percent(rate) if rate is None else f"{percent(rate)} ({part}/{whole})"
