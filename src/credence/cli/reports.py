"""`credence report CODE --out FILE.pdf` (issue a credit report) and `credence report verify CODE`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from credence.cli.context import AppContext, app_context, console, fail
from credence.i18n import _
from credence.identity import SubjectError
from credence.identity.subject import not_an_identifier
from credence.reports.service import MalformedCode, ReportNotFound, ReportService


class _IssueByDefault(TyperGroup):
    """`credence report CODE ...` is `credence report issue CODE ...`: an organisation's identifier is
    never the name of a subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Any: click or typer's own
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["issue", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_IssueByDefault,
    help=_(
        "Public credit reports as PDF, each with a verification code anyone can check: "
        "credence report CODE --out FILE.pdf, credence report verify VERIFICATION_CODE."
    ),
    no_args_is_help=True,
)


def service(app_: AppContext) -> ReportService:
    return ReportService(app_.engine, app_.catalog, app_.rating(), app_.checks(), app_.clock, app_.settings)


@app.command(
    "issue",
    help=_(
        "Issue a credit report on an organisation and write it as a PDF: identity, grade with reasons, "
        "public records, list entries and measures in force. Prints its verification code. `credence "
        "report CODE --out FILE.pdf` is the same."
    ),
)
def issue(
    ctx: typer.Context,
    code: str = typer.Argument(..., help=_("The organisation's USCC or LEI.")),
    out: Path = typer.Option(..., "--out", "-o", help=_("Where to write the PDF.")),
) -> None:
    reports = service(app_context(ctx))
    try:
        issued = reports.issue(code)
    except SubjectError as exc:  # what was typed is never repeated: it may be a person's number
        if exc.reason == "natural_person":
            raise fail(f"{exc.reason}: {exc.message}") from None
        raise fail(not_an_identifier(exc)) from None
    except ReportNotFound as exc:
        raise fail(str(exc), 1) from None
    try:
        out.write_bytes(issued.pdf_bytes)
    except OSError as exc:
        raise fail(_("%(out)s: cannot be written: %(why)s", out=out, why=exc.strerror)) from None
    org = issued.content["organisation"]
    console.print(
        _(
            "credit report on %(name)s (%(identifier)s) as of %(day)s: %(out)s",
            name=org["name"],
            identifier=org["identifier"],
            day=issued.content["as_of"],
            out=out,
        ),
        highlight=False,
    )
    console.print(_("verification code: %(code)s", code=issued.code), highlight=False)


@app.command(
    "verify",
    help=_(
        "Is a report genuine and still current? Exit 0 when it is both, 1 when it is genuine but changed "
        "since (what changed is listed), not genuine, or not found; 2 for a malformed code."
    ),
)
def verify(
    ctx: typer.Context,
    code: str = typer.Argument(..., help=_("The verification code printed on the report.")),
    as_json: bool = typer.Option(False, "--json", help=_("Print the answer as JSON.")),
) -> None:
    reports = service(app_context(ctx))
    try:
        found = reports.verify(code)
    except MalformedCode as exc:
        raise fail(str(exc)) from None
    if as_json:
        console.print(json.dumps(found.to_json(), ensure_ascii=False), highlight=False, markup=False)
    else:
        _print(found)
    if not (found.found and found.genuine and found.current):
        raise typer.Exit(1)


def _print(found: Any) -> None:
    if not found.found:
        console.print(_("no report with verification code %(code)s", code=found.code), highlight=False)
        return
    org = found.organisation or {}
    issued = found.issued_at.strftime("%Y-%m-%d %H:%M UTC")
    console.print(
        _(
            "report %(code)s on %(name)s (%(key)s), issued %(issued)s",
            code=found.code,
            name=org.get("name"),
            key=org.get("key"),
            issued=issued,
        ),
        highlight=False,
    )
    if not found.genuine:
        console.print(_("NOT GENUINE: the stored report no longer matches its fingerprint"), highlight=False)
    elif found.current:
        console.print(_("genuine and still current"), highlight=False)
    else:
        console.print(_("genuine, but changed since:"), highlight=False)
        for line in found.differences:
            console.print(f"  {line}", highlight=False, markup=False)
    console.print(_("fingerprint (SHA-256): %(sha)s", sha=found.content_sha256), highlight=False)
