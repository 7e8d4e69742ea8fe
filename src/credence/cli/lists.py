"""`credence lists ...`: the list procedures, the current lists and their exports."""

from __future__ import annotations

import json
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
from credence.lists import exports
from credence.lists import repository as repo
from credence.lists.config import load_lists

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


@app.command("show")
def show(ctx: typer.Context, entry_id: int) -> None:
    """One entry, every step of it (who, when, why)."""
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        entry = repo.find(conn, entry_id)
        if entry is None:
            raise fail(f"no list entry {entry_id}", 1)
        steps = repo.events_of(conn, entry_id)
    _said(entry)
    table = Table("at", "event", "state", "actor", "reason")
    for e in steps:
        table.add_row(local(ctx, e.at, "%Y-%m-%d %H:%M"), e.event, e.state, e.actor, e.reason)
    console.print(table)


@app.command("current")
def current(
    ctx: typer.Context,
    kind: ListKind = typer.Argument(..., help="serious_dishonesty, abnormal_operation or honour."),
    output: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """The entries in force and public today, with their legal basis and end date."""
    app_ = app_context(ctx)
    on = app_.process().today()
    with app_.engine.connect() as conn:
        rows = exports.public_rows(conn, app_.catalog, kind.value, on)
    if output == "csv":
        console.print(exports.to_csv(rows), end="", highlight=False, markup=False)
    elif output == "json":
        console.print(json.dumps(rows, ensure_ascii=False), highlight=False, markup=False)
    elif output == "table" and not rows:
        console.print(f"no entry of the {kind.value} list is in force as of {on}", highlight=False)
    elif output == "table":
        table = Table(*exports.COLUMNS)
        for r in rows:
            table.add_row(*(str(r[c] or "") for c in exports.COLUMNS))
        console.print(table)
    else:
        raise fail(f"--format '{output}' is not table, csv or json")


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
