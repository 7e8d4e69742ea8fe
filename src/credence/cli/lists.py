"""`credence lists ...`: the list procedures, the current lists and their exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from credence.catalog.model import ListKind
from credence.cli.context import (
    app_context,
    check_rules_file,
    console,
    fail,
    local,
    process_errors,
    report_grade,
)
from credence.cli.output import FORMAT, Format, add_row, print_csv, print_json, print_table
from credence.lists import exports
from credence.lists import repository as repo
from credence.lists.config import load_lists
from credence.records import repository as records_repo

app = typer.Typer(
    help="Lists with procedure: serious dishonesty, abnormal operation, honours.", no_args_is_help=True
)

DEPARTMENT = typer.Option(..., "--department", help="The department's code.")
ACTOR = typer.Option(..., "--actor", help="Who acts, by name or office.")
FACTS = typer.Option(..., "--facts", help="The facts the entry rests on.")
DECISION = typer.Option(..., "--decision", help="The legally effective decision it rests on (reference).")


def _said(entry: Any) -> None:
    until = f" until {entry.ends_on.isoformat()}" if entry.ends_on and entry.state == "listed" else ""
    due = f"; answer due {entry.answer_due.isoformat()}" if entry.answer_due else ""
    console.print(
        f"list entry {entry.id} ({entry.list}, {entry.criterion}): {entry.state}{until}{due}", highlight=False
    )


@app.command("propose")
def propose(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="USCC or LEI."),
    criterion: str = typer.Option(..., "--criterion", help="A serious-dishonesty criterion's code."),
    department: str = DEPARTMENT,
    facts: str = FACTS,
    decision: str = DECISION,
    actor: str = ACTOR,
) -> None:
    """Propose a serious-dishonesty listing: a notice, then at least 30 days to answer, then a decision."""
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.propose(
                department, organisation, criterion, facts=facts, decision_ref=decision, actor=actor
            )
        )
    _said(entry)


@app.command("answer")
def answer(
    ctx: typer.Context,
    entry_id: int,
    organisation: str = typer.Option(..., "--organisation", help="The organisation's code (it answers)."),
    statement: str = typer.Option(..., "--statement", help="Its answer."),
    hearing: bool = typer.Option(False, "--hearing", help="Ask for a hearing (the facts are disputed)."),
) -> None:
    """The organisation answers a proposed listing within the answer period."""
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.answer(
                entry_id, statement=statement, hearing=hearing, filed_by=f"organisation:{organisation}"
            )
        )
    _said(entry)


@app.command("decide")
def decide(
    ctx: typer.Context,
    entry_id: int,
    outcome: str = typer.Option(..., "--outcome", help="list or drop."),
    department: str = DEPARTMENT,
    actor: str = ACTOR,
    reason: str = typer.Option(..., "--reason", help="Why."),
    hearing: str = typer.Option(None, "--hearing", help="The hearing's record, when one was asked for."),
) -> None:
    """Decide a proposed listing, after its answer period: list it, or drop it."""
    if outcome not in ("list", "drop"):
        raise fail(f"--outcome '{outcome}' is not list or drop")
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.decide(
                entry_id,
                department=department,
                listed=outcome == "list",
                actor=actor,
                reason=reason,
                hearing=hearing,
            )
        )
    _said(entry)


@app.command("enter")
def enter(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="USCC or LEI."),
    criterion: str = typer.Option(..., "--criterion", help="annual_report_missed, false_information, ..."),
    department: str = DEPARTMENT,
    facts: str = FACTS,
    decision: str = DECISION,
    actor: str = ACTOR,
) -> None:
    """Put an organisation on the abnormal-operation list (published once its notice is delivered)."""
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.enter(department, organisation, criterion, facts=facts, decision_ref=decision, actor=actor)
        )
    _said(entry)


@app.command("cure")
def cure(
    ctx: typer.Context,
    entry_id: int,
    department: str = DEPARTMENT,
    actor: str = ACTOR,
    evidence: str = typer.Option(..., "--evidence", help="How the cause was cured."),
) -> None:
    """Remove a cured abnormal-operation entry, with its record and every measure based on it."""
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.cure(entry_id, department=department, actor=actor, evidence=evidence)
        )
    _said(entry)
    report_grade(ctx, entry.organisation_id)


@app.command("grant")
def grant(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="USCC or LEI."),
    criterion: str = typer.Option(..., "--criterion", help="An honour criterion's code."),
    department: str = DEPARTMENT,
    facts: str = FACTS,
    actor: str = ACTOR,
    ends_on: str = typer.Option(None, "--ends-on", help="Its end date (default: the longest allowed)."),
) -> None:
    """Grant an honour, with an end date."""
    try:
        until = date.fromisoformat(ends_on) if ends_on else None
    except ValueError:
        raise fail(f"--ends-on '{ends_on}' is not a date (YYYY-MM-DD)") from None
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.grant(department, organisation, criterion, facts=facts, actor=actor, ends_on=until)
        )
    _said(entry)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    entry_id: int,
    department: str = DEPARTMENT,
    actor: str = ACTOR,
    reason: str = typer.Option(..., "--reason", help="Why."),
) -> None:
    """Revoke an honour."""
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.revoke(entry_id, department=department, actor=actor, reason=reason)
        )
    _said(entry)
    report_grade(ctx, entry.organisation_id)


STEP_FIELDS = ("entry", "at", "event", "state", "actor", "reason")


@app.command("show")
def show(ctx: typer.Context, entry_id: int, output: Format = FORMAT) -> None:
    """One entry, every step of it (who, when, why). CSV has a row per step; JSON the entry and its
    steps."""
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        entry = repo.find(conn, entry_id)
        if entry is None:
            raise fail(f"no list entry {entry_id}", 1)
        steps = repo.events_of(conn, entry_id)
        organisation = records_repo.organisation(conn, entry.organisation_id)
    rows = [
        {
            "entry": entry_id,
            "at": e.at,
            "event": e.event,
            "state": e.state,
            "actor": e.actor,
            "reason": e.reason,
        }
        for e in steps
    ]
    if output is Format.csv:
        print_csv(STEP_FIELDS, rows)
        return
    if output is Format.json:
        about = {
            "id": entry.id,
            "list": entry.list,
            "criterion": entry.criterion,
            "field": entry.field,
            "organisation": organisation.key if organisation is not None else None,
            "department": entry.department,
            "legal_basis": entry.legal_basis,
            "facts": entry.facts,
            "decision": entry.decision_ref,
            "state": entry.state,
            "starts_on": entry.starts_on,
            "ends_on": entry.ends_on,
            "answer_due": entry.answer_due,
        }
        print_json({"entry": about, "steps": rows})
        return
    _said(entry)
    table = Table("at", "event", "state", "actor", "reason")
    for e in steps:
        add_row(table, local(ctx, e.at, "%Y-%m-%d %H:%M"), e.event, e.state, e.actor, e.reason)
    print_table(table)


@app.command("current")
def current(
    ctx: typer.Context,
    kind: ListKind = typer.Argument(..., help="serious_dishonesty, abnormal_operation or honour."),
    output: Format = FORMAT,
) -> None:
    """The entries in force and public today, with their legal basis and end date."""
    app_ = app_context(ctx)
    on = app_.process().today()
    with app_.engine.connect() as conn:
        rows = exports.public_rows(conn, app_.catalog, kind.value, on)
    if output is Format.csv:
        typer.echo(exports.to_csv(rows), nl=False)
    elif output is Format.json:
        print_json(rows)
    elif not rows:
        console.print(f"no entry of the {kind.value} list is in force as of {on}", highlight=False)
    else:
        table = Table(*exports.COLUMNS)
        for r in rows:
            add_row(table, *(r[c] for c in exports.COLUMNS))
        print_table(table)


@app.command("check")
def check(ctx: typer.Context, path: Path = typer.Argument(..., help="A lists YAML.")) -> None:
    """Check a lists file against the catalog; print every problem with its line."""
    catalog = app_context(ctx).catalog
    check_rules_file(
        path,
        lambda p: load_lists(catalog, p),
        lambda lists: (
            f"{path}: valid lists file {lists.version} with "
            + ", ".join(f"{len(c)} {k.value} criteria" for k, c in lists.criteria.items())
        ),
    )
