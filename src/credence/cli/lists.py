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
from credence.i18n import _
from credence.lists import exports
from credence.lists import repository as repo
from credence.lists.config import Lists, load_lists
from credence.records import repository as records_repo

app = typer.Typer(
    help=_("Lists with procedure: serious dishonesty, abnormal operation, honours."), no_args_is_help=True
)

DEPARTMENT = typer.Option(..., "--department", help=_("The department's code."))
ACTOR = typer.Option(..., "--actor", help=_("Who acts, by name or office."))
FACTS = typer.Option(..., "--facts", help=_("The facts the entry rests on."))
DECISION = typer.Option(..., "--decision", help=_("The legally effective decision it rests on (reference)."))


def _said(entry: Any) -> None:
    said = _(
        "list entry %(id)s (%(list)s, %(criterion)s): %(state)s",
        id=entry.id,
        list=entry.list,
        criterion=entry.criterion,
        state=entry.state,
    )
    if entry.ends_on and entry.state == "listed":
        said += " " + _("until %(date)s", date=entry.ends_on.isoformat())
    if entry.answer_due:
        said += "; " + _("answer due %(date)s", date=entry.answer_due.isoformat())
    console.print(said, highlight=False)


@app.command(
    "propose",
    help=_(
        "Propose a serious-dishonesty listing: a notice, then at least 30 days to answer, then a decision."
    ),
)
def propose(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help=_("USCC or LEI.")),
    criterion: str = typer.Option(..., "--criterion", help=_("A serious-dishonesty criterion's code.")),
    department: str = DEPARTMENT,
    facts: str = FACTS,
    decision: str = DECISION,
    actor: str = ACTOR,
) -> None:
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.propose(
                department, organisation, criterion, facts=facts, decision_ref=decision, actor=actor
            )
        )
    _said(entry)


@app.command("answer", help=_("The organisation answers a proposed listing within the answer period."))
def answer(
    ctx: typer.Context,
    entry_id: int,
    organisation: str = typer.Option(..., "--organisation", help=_("The organisation's code (it answers).")),
    statement: str = typer.Option(..., "--statement", help=_("Its answer.")),
    hearing: bool = typer.Option(False, "--hearing", help=_("Ask for a hearing (the facts are disputed).")),
) -> None:
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.answer(
                entry_id, statement=statement, hearing=hearing, filed_by=f"organisation:{organisation}"
            )
        )
    _said(entry)


@app.command("decide", help=_("Decide a proposed listing, after its answer period: list it, or drop it."))
def decide(
    ctx: typer.Context,
    entry_id: int,
    outcome: str = typer.Option(..., "--outcome", help=_("list or drop.")),
    department: str = DEPARTMENT,
    actor: str = ACTOR,
    reason: str = typer.Option(..., "--reason", help=_("Why.")),
    hearing: str = typer.Option(None, "--hearing", help=_("The hearing's record, when one was asked for.")),
) -> None:
    if outcome not in ("list", "drop"):
        raise fail(_("--outcome '%(outcome)s' is not list or drop", outcome=outcome))
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


@app.command(
    "enter",
    help=_("Put an organisation on the abnormal-operation list (published once its notice is delivered)."),
)
def enter(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help=_("USCC or LEI.")),
    criterion: str = typer.Option(..., "--criterion", help=_("annual_report_missed, false_information, ...")),
    department: str = DEPARTMENT,
    facts: str = FACTS,
    decision: str = DECISION,
    actor: str = ACTOR,
) -> None:
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.enter(department, organisation, criterion, facts=facts, decision_ref=decision, actor=actor)
        )
    _said(entry)


@app.command(
    "cure",
    help=_("Remove a cured abnormal-operation entry, with its record and every measure based on it."),
)
def cure(
    ctx: typer.Context,
    entry_id: int,
    department: str = DEPARTMENT,
    actor: str = ACTOR,
    evidence: str = typer.Option(..., "--evidence", help=_("How the cause was cured.")),
) -> None:
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.cure(entry_id, department=department, actor=actor, evidence=evidence)
        )
    _said(entry)
    report_grade(ctx, entry.organisation_id)


@app.command("grant", help=_("Grant an honour, with an end date."))
def grant(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help=_("USCC or LEI.")),
    criterion: str = typer.Option(..., "--criterion", help=_("An honour criterion's code.")),
    department: str = DEPARTMENT,
    facts: str = FACTS,
    actor: str = ACTOR,
    ends_on: str = typer.Option(None, "--ends-on", help=_("Its end date (default: the longest allowed).")),
) -> None:
    try:
        until = date.fromisoformat(ends_on) if ends_on else None
    except ValueError:
        raise fail(_("--ends-on '%(text)s' is not a date (YYYY-MM-DD)", text=ends_on)) from None
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.grant(department, organisation, criterion, facts=facts, actor=actor, ends_on=until)
        )
    _said(entry)


@app.command("revoke", help=_("Revoke an honour."))
def revoke(
    ctx: typer.Context,
    entry_id: int,
    department: str = DEPARTMENT,
    actor: str = ACTOR,
    reason: str = typer.Option(..., "--reason", help=_("Why.")),
) -> None:
    with process_errors():
        entry = (
            app_context(ctx)
            .process()
            .lists.revoke(entry_id, department=department, actor=actor, reason=reason)
        )
    _said(entry)
    report_grade(ctx, entry.organisation_id)


STEP_FIELDS = ("entry", "at", "event", "state", "actor", "reason")


@app.command(
    "show",
    help=_(
        "One entry, every step of it (who, when, why). CSV has a row per step; JSON the entry and its steps."
    ),
)
def show(ctx: typer.Context, entry_id: int, output: Format = FORMAT) -> None:
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        entry = repo.find(conn, entry_id)
        if entry is None:
            raise fail(_("no list entry %(id)s", id=entry_id), 1)
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


@app.command("current", help=_("The entries in force and public today, with their legal basis and end date."))
def current(
    ctx: typer.Context,
    kind: ListKind = typer.Argument(..., help=_("serious_dishonesty, abnormal_operation or honour.")),
    output: Format = FORMAT,
) -> None:
    app_ = app_context(ctx)
    on = app_.process().today()
    with app_.engine.connect() as conn:
        rows = exports.public_rows(conn, app_.catalog, kind.value, on)
    if output is Format.csv:
        typer.echo(exports.to_csv(rows), nl=False)
    elif output is Format.json:
        print_json(rows)
    elif not rows:
        console.print(
            _("no entry of the %(list)s list is in force as of %(date)s", list=kind.value, date=on),
            highlight=False,
        )
    else:
        table = Table(*exports.COLUMNS)
        for r in rows:
            add_row(table, *(r[c] for c in exports.COLUMNS))
        print_table(table)


@app.command("check", help=_("Check a lists file against the catalog; print every problem with its line."))
def check(ctx: typer.Context, path: Path = typer.Argument(..., help=_("A lists YAML."))) -> None:
    catalog = app_context(ctx).catalog

    def valid(lists: Lists) -> str:
        criteria = [
            _("%(count)s %(list)s criteria", count=len(c), list=k.value) for k, c in lists.criteria.items()
        ]
        return _(
            "%(path)s: valid lists file %(version)s with %(criteria)s",
            path=path,
            version=lists.version,
            criteria=", ".join(criteria),
        )

    check_rules_file(path, lambda p: load_lists(catalog, p), valid)
