"""`credence notices|objections|repairs ...` and `credence tick`: due process from the command line."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from credence.cli.context import app_context, console, fail, local, process_errors, report_grade
from credence.cli.output import FORMAT, Format, add_row, print_listing
from credence.i18n import _
from credence.identity import no_organisation
from credence.process import notices as notice_repo
from credence.process import repository as repo
from credence.rating import repository as rating_repo

notices_app = typer.Typer(
    help=_("Notices to organisations: the outbox, an inbox, delivery."), no_args_is_help=True
)
objections_app = typer.Typer(help=_("Objections to records and to repair decisions."), no_args_is_help=True)
repairs_app = typer.Typer(help=_("Credit repair applications and decisions."), no_args_is_help=True)

ORGANISATION = typer.Option(..., "--organisation", help=_("The organisation's USCC or LEI (it acts itself)."))
DEPARTMENT = typer.Option(..., "--department", help=_("The department's code."))
ACTOR = typer.Option(..., "--actor", help=_("Who acts, by name or office."))
REASON = typer.Option(..., "--reason", help=_("Why."))


def _organisation(ctx: typer.Context, code: str) -> Any:
    with app_context(ctx).engine.connect() as conn:
        org = rating_repo.find_organisation(conn, code)
    if org is None:
        raise fail(no_organisation(code, " in the registry"), 1)
    return org


@notices_app.command(
    "outbox",
    help=_("Notices awaiting delivery, oldest first, as JSON lines for a mailer or a department's system."),
)
def outbox(
    ctx: typer.Context,
    department: str = typer.Option(None, "--department", help=_("Only this department's notices.")),
    after: int = typer.Option(0, "--after", help=_("Only notices after this id (resume where you stopped).")),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
) -> None:
    app_ = app_context(ctx)
    process = app_.process()
    with app_.engine.connect() as conn:
        for notice in notice_repo.outbox(conn, department, after, limit):
            console.print(json.dumps(process.notice_body(conn, notice), ensure_ascii=False), highlight=False)


INBOX_FIELDS = (
    "notice",
    "kind",
    "department",
    "source_record_id",
    "list_entry",
    "about",
    "produced",
    "deemed_on",
    "delivered",
    "delivery",
)


# What a notice about no record and no list entry is about, by its kind.
_ABOUT_KIND = {"link": "listings linked to the file"}


def _about(notice: Any, record: Any | None) -> str:
    """What the notice is about, in a few words: its record, its list entry, or its kind."""
    if record is not None:
        return str(record.source_record_id)
    if notice.list_entry_id is not None:
        return f"list entry {notice.list_entry_id}"
    return _ABOUT_KIND.get(notice.kind, str(notice.kind))


@notices_app.command("inbox", help=_("Every notice to an organisation, newest first."))
def inbox(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help=_("USCC or LEI.")),
    output: Format = FORMAT,
) -> None:
    org = _organisation(ctx, organisation)
    app_ = app_context(ctx)
    rows = []
    with app_.engine.connect() as conn:
        for n in notice_repo.inbox(conn, org.id):
            record = repo.record(conn, n.record_id) if n.record_id is not None else None
            rows.append(
                {
                    "notice": n.id,
                    "kind": n.kind,
                    "department": record.department if record is not None else n.department,
                    "source_record_id": record.source_record_id if record is not None else None,
                    "list_entry": n.list_entry_id if record is None else None,
                    "about": _about(n, record),
                    "produced": local(ctx, n.produced_at),
                    "deemed_on": n.deemed_on,
                    "delivered": local(ctx, n.delivered_at) if n.delivered_at else None,
                    "delivery": n.delivery if n.delivered_at else None,
                }
            )

    def table() -> Table:
        shown = Table("notice", "kind", "about", "produced", "deemed on", "delivered")
        for r in rows:
            about = f"{r['department']} / {r['about']}"
            delivered = f"{r['delivered']} ({r['delivery']})" if r["delivered"] else "awaiting"
            add_row(shown, r["notice"], r["kind"], about, r["produced"], r["deemed_on"], delivered)
        return shown

    print_listing(output, INBOX_FIELDS, rows, table)


@notices_app.command(
    "show",
    help=_(
        "What a notice says: the record, its legal basis and publication period, how to object and repair."
    ),
)
def show(ctx: typer.Context, notice_id: int) -> None:
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        notice = notice_repo.find(conn, notice_id)
        if notice is None:
            raise fail(_("no notice %(id)s", id=notice_id), 1)
        body = app_.process().notice_body(conn, notice)
    console.print_json(json.dumps(body, ensure_ascii=False))


@notices_app.command(
    "deliver",
    help=_("Log that a notice reached its organisation; a record's notice publishes the record."),
)
def deliver(
    ctx: typer.Context,
    notice_id: int,
    actor: str = typer.Option(..., help=_("Who delivered it.")),
    channel: str = typer.Option(..., help=_("How (registered mail, in person, electronic service ...).")),
) -> None:
    with process_errors():
        app_context(ctx).process().deliver_notice(notice_id, actor=actor, channel=channel)
    console.print(_("notice %(id)s delivered", id=notice_id), highlight=False)


@objections_app.command(
    "file",
    help=_('Object to a record, free of charge. The record shows "under objection" until it is answered.'),
)
def object_(
    ctx: typer.Context,
    department: str,
    source_record_id: str,
    ground: str = typer.Option(..., help=_("content, period, repair_decision or not_us.")),
    statement: str = typer.Option(..., help=_("What is wrong, in the objector's words.")),
    organisation: str = typer.Option(
        None, "--organisation", help=_("Filed by this organisation (its code).")
    ),
    by_department: str = typer.Option(None, "--by-department", help=_("Filed by this department instead.")),
    repair: int = typer.Option(
        None, "--repair", help=_("The refused repair objected to (ground repair_decision).")
    ),
) -> None:
    if bool(organisation) == bool(by_department):
        raise fail(_("give exactly one of --organisation and --by-department"))
    filed_by = f"organisation:{organisation}" if organisation else f"department:{by_department}"
    with process_errors():
        objection = (
            app_context(ctx)
            .process()
            .object(
                department,
                source_record_id,
                ground=ground,
                statement=statement,
                filed_by=filed_by,
                repair_id=repair,
            )
        )
    console.print(
        _(
            "objection %(id)s filed; %(department)s answers by %(day)s",
            id=objection.id,
            department=department,
            day=objection.due_on.isoformat(),
        ),
        highlight=False,
    )


@objections_app.command("extend", help=_("Bring new information to an objection: its deadline moves, once."))
def extend(
    ctx: typer.Context,
    objection_id: int,
    organisation: str = ORGANISATION,
    new_information: str = typer.Option(..., help=_("The new information the organisation brings.")),
) -> None:
    with process_errors():
        objection = (
            app_context(ctx)
            .process()
            .extend_objection(
                objection_id, new_information=new_information, filed_by=f"organisation:{organisation}"
            )
        )
    console.print(
        _("objection %(id)s now due by %(day)s", id=objection_id, day=objection.due_on.isoformat()),
        highlight=False,
    )


@objections_app.command(
    "answer",
    help=_("The submitting department answers an objection; the organisation is re-rated and told."),
)
def answer(
    ctx: typer.Context,
    objection_id: int,
    outcome: str = typer.Option(..., help=_("corrected, upheld or withdrawn.")),
    department: str = DEPARTMENT,
    actor: str = ACTOR,
    reason: str = REASON,
    correct: list[str] = typer.Option(
        None, "--correct", help=_("FIELD=VALUE of the corrected version (repeat); with --outcome corrected.")
    ),
) -> None:
    corrections: dict[str, Any] = {}
    for item in correct or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise fail(_("--correct '%(item)s' is not FIELD=VALUE", item=item))
        corrections[name.strip()] = value.strip() or None
    with process_errors():
        objection = (
            app_context(ctx)
            .process()
            .answer_objection(
                objection_id,
                department=department,
                outcome=outcome,
                actor=actor,
                reason=reason,
                corrections=corrections,
            )
        )
    console.print(_("objection %(id)s: %(state)s", id=objection_id, state=objection.state), highlight=False)
    report_grade(ctx, objection.organisation_id)


OBJECTION_FIELDS = ("id", "department", "source_record_id", "ground", "state", "filed", "due", "statement")


@objections_app.command(
    "list",
    help=_("Objections awaiting a department, or every objection about an organisation."),
)
def list_objections(
    ctx: typer.Context,
    department: str = typer.Option(
        None, "--department", help=_("Those awaiting this department, soonest first.")
    ),
    organisation: str = typer.Option(None, "--organisation", help=_("Those about this organisation.")),
    output: Format = FORMAT,
) -> None:
    found = _listing(ctx, repo.objections, department, organisation, ("open", "extended"), "due_on")
    rows = [
        {
            "id": o.id,
            "department": o.department,
            "source_record_id": o.source_record_id,
            "ground": o.ground,
            "state": o.state,
            "filed": o.filed_on,
            "due": o.due_on,
            "statement": o.statement,
        }
        for o in found
    ]

    def table() -> Table:
        shown = Table("id", "record", "ground", "state", "filed", "due", "statement")
        for r in rows:
            record = f"{r['department']} / {r['source_record_id']}"
            add_row(shown, r["id"], record, r["ground"], r["state"], r["filed"], r["due"], r["statement"])
        return shown

    print_listing(output, OBJECTION_FIELDS, rows, table)


@repairs_app.command("apply", help=_("Apply to repair credit on a record, free of charge."))
def apply(
    ctx: typer.Context,
    department: str,
    source_record_id: str,
    organisation: str = ORGANISATION,
    evidence: str = typer.Option(..., help=_("Evidence that the duty the decision imposed is fulfilled.")),
    commitment: str = typer.Option("", help=_("The public commitment (required for general and serious).")),
) -> None:
    with process_errors():
        repair = (
            app_context(ctx)
            .process()
            .apply_repair(
                department,
                source_record_id,
                evidence=evidence,
                commitment=commitment,
                applied_by=f"organisation:{organisation}",
            )
        )
    console.print(
        _(
            "repair %(id)s applied; %(department)s decides by %(decide)s, complete by %(complete)s",
            id=repair.id,
            department=department,
            decide=repair.decide_by.isoformat(),
            complete=repair.complete_by.isoformat(),
        ),
        highlight=False,
    )


@repairs_app.command(
    "decide",
    help=_("Decide a repair application; approval ends publication and re-rates in one transaction."),
)
def decide(
    ctx: typer.Context,
    repair_id: int,
    approve: bool = typer.Option(..., "--approve/--refuse", help=_("Approve or refuse.")),
    department: str = DEPARTMENT,
    actor: str = ACTOR,
    reason: str = REASON,
) -> None:
    with process_errors():
        repair = (
            app_context(ctx)
            .process()
            .decide_repair(repair_id, department=department, approve=approve, actor=actor, reason=reason)
        )
    console.print(_("repair %(id)s: %(state)s", id=repair_id, state=repair.state), highlight=False)
    report_grade(ctx, repair.organisation_id)


REPAIR_FIELDS = ("id", "department", "source_record_id", "state", "applied", "decide_by", "complete_by")


@repairs_app.command(
    "list",
    help=_("Repair applications awaiting a department, or every application of an organisation."),
)
def list_repairs(
    ctx: typer.Context,
    department: str = typer.Option(
        None, "--department", help=_("Those awaiting this department, soonest first.")
    ),
    organisation: str = typer.Option(None, "--organisation", help=_("Those of this organisation.")),
    output: Format = FORMAT,
) -> None:
    found = _listing(ctx, repo.repairs, department, organisation, ("applied",), "decide_by")
    rows = [
        {
            "id": r.id,
            "department": r.department,
            "source_record_id": r.source_record_id,
            "state": r.state,
            "applied": r.applied_on,
            "decide_by": r.decide_by,
            "complete_by": r.complete_by,
        }
        for r in found
    ]

    def table() -> Table:
        shown = Table("id", "record", "state", "applied", "decide by", "complete by")
        for r in rows:
            record = f"{r['department']} / {r['source_record_id']}"
            add_row(shown, r["id"], record, r["state"], r["applied"], r["decide_by"], r["complete_by"])
        return shown

    print_listing(output, REPAIR_FIELDS, rows, table)


def _listing(
    ctx: typer.Context,
    table: Any,
    department: str | None,
    organisation: str | None,
    open_: tuple[str, ...],
    due: str,
) -> list[Any]:
    if bool(department) == bool(organisation):
        raise fail(_("give exactly one of --department and --organisation"))
    if organisation:
        org = _organisation(ctx, organisation)
        with app_context(ctx).engine.connect() as conn:
            return repo.of_organisation(conn, table, org.id)
    with app_context(ctx).engine.connect() as conn:
        return repo.awaiting_department(conn, table, department or "", open_, table.c[due])


def tick(ctx: typer.Context) -> None:
    """Apply what is due today: deemed deliveries of notices, unanswered objections (their records are
    withdrawn), overdue repair decisions counted, list entries expired, abnormal-operation entries warned
    and escalated. The server also runs this on a schedule."""
    result = app_context(ctx).process().tick()
    console.print(
        _("as of %(day)s: %(lines)s", day=result.today.isoformat(), lines="; ".join(result.lines())),
        highlight=False,
    )
