"""`credence check` (one organisation, or a file of bidders) and `credence measures ...`.

`credence check` answers as the public does: whoever runs it on the machine is not a public body reading
for a stated purpose, and its answers (a bidders file above all) are handed on. So a sole proprietor (USCC
prefix 92), whose file is never public, is `undisclosed`, whether the registry holds it or not, as on the
API without a purpose; a department reads it through the API with its token and a purpose, logged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from credence.checks.bidders import read_bidders
from credence.checks.names import NameRefused
from credence.checks.service import (
    NO_MATCH,
    POSSIBLE_MATCH,
    UNDISCLOSED,
    NameCheck,
    UnknownDomain,
    write_rows,
)
from credence.cli.context import app_context, check_rules_file, console, fail
from credence.cli.output import FORMAT, Format, add_row, print_listing, print_table
from credence.i18n import _, format_number
from credence.identity import SubjectError
from credence.measures.catalog import load_measures

measures_app = typer.Typer(help=_("The incentive and discipline measures catalog."), no_args_is_help=True)


def check(
    ctx: typer.Context,
    subject: str | None = typer.Argument(None, help=_("The organisation's USCC or LEI.")),
    domain: str = typer.Option(..., "--domain", help=_("public_procurement, subsidies, licensing, ...")),
    file: Path | None = typer.Option(
        None,
        "--file",
        help=_(
            "A file of bidders with a subject_id column (or name and country columns for bidders without "
            "a code): CSV (UTF-8, GB18030 or GBK) or XLSX."
        ),
    ),
    out: Path | None = typer.Option(
        None, "--out", help=_("Write the file's result here (default: print it).")
    ),
    as_json: bool = typer.Option(False, "--json", help=_("Print one organisation's answer as JSON.")),
    name: str | None = typer.Option(
        None, "--name", help=_("A bidder without a code: its name (with --country).")
    ),
    country: str | None = typer.Option(
        None, "--country", help=_("With --name: ISO 3166-1 alpha-2, any case.")
    ),
) -> None:
    """Is an organisation eligible in a domain? eligible, restricted or fast_track, with each measure in
    force, its legal basis, until when and how to remedy it. Only the organisation named is looked at.
    The answer is the public's: a sole proprietor (USCC prefix 92, never public) is undisclosed. A bidder
    without a code is checked by --name and --country: its file's check when one file matches at the auto
    threshold, else possible_match (review) or no_match; a fuzzy match alone never restricts."""
    if sum(given is not None for given in (subject, file, name)) != 1:
        raise fail(_("give one of: an organisation's code, --file, or --name (with --country)"))
    if country is not None and name is None:
        raise fail(_("--country goes with --name"))
    checks = app_context(ctx).checks()
    if name is not None:
        try:
            by_name = checks.check_name(name, country, domain)
        except (UnknownDomain, NameRefused) as exc:
            raise fail(str(exc)) from None  # a refused name is not repeated
        _print_name_check(by_name, as_json)
        return
    try:
        if file is not None:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise fail(_("%(file)s: cannot be read: %(why)s", file=file, why=exc.strerror)) from None
            try:
                rows = read_bidders(data)  # CSV as ingest reads it, or an XLSX workbook
            except ValueError as exc:
                raise fail(f"{file}: {exc}") from None
            result = write_rows(checks.check_rows(rows, domain))
            if out is not None:
                out.write_text(result, "utf-8")
                console.print(
                    _("%(n)s bidders checked; the result is in %(out)s", n=format_number(len(rows)), out=out),
                    highlight=False,
                )
            else:
                console.print(result, end="", highlight=False, markup=False)
            return
        assert subject is not None
        found = checks.check(subject, domain)
    except (UnknownDomain, SubjectError, ValueError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        console.print(json.dumps(found.to_json(), ensure_ascii=False), highlight=False, markup=False)
        return
    if not found.disclosed:
        name = _("a sole proprietor")
    else:
        name = found.organisation.name if found.organisation is not None else _("not in the registry")
    console.print(
        _(
            "%(subject)s (%(name)s) in %(domain)s as of %(day)s: %(result)s",
            subject=found.subject,
            name=name,
            domain=domain,
            day=found.as_of,
            result=found.result,
        ),
        highlight=False,
        markup=False,
    )
    if not found.disclosed:
        console.print(f"{UNDISCLOSED[0].upper()}{UNDISCLOSED[1:]}.", highlight=False, markup=False)
    if found.applied:
        _print_measures(found.applied)


def _print_name_check(found: NameCheck, as_json: bool) -> None:
    if as_json:
        console.print(json.dumps(found.to_json(), ensure_ascii=False), highlight=False, markup=False)
        return
    where = f", {found.country}" if found.country else ""
    if found.check is not None and found.check.organisation is not None:
        org = found.check.organisation
        console.print(
            _(
                "%(name)s%(where)s: matched by name to %(key)s (%(org)s), probability %(p)s",
                name=found.name,
                where=where,
                key=org.key,
                org=org.name,
                p=f"{found.probability:.4f}",
            ),
            highlight=False,
            markup=False,
        )
    console.print(
        _(
            "%(name)s%(where)s in %(domain)s as of %(day)s: %(result)s",
            name=found.name,
            where=where,
            domain=found.domain,
            day=found.as_of,
            result=found.result,
        ),
        highlight=False,
        markup=False,
    )
    if found.result == "possible_match":
        console.print(f"{POSSIBLE_MATCH[0].upper()}{POSSIBLE_MATCH[1:]}.", highlight=False, markup=False)
    elif found.result == "no_match":
        console.print(f"{NO_MATCH[0].upper()}{NO_MATCH[1:]}.", highlight=False, markup=False)
    if found.candidates:
        candidates = Table("candidate", "name", "country", "probability", "match weight", "basis")
        for c in found.candidates:
            weight = "" if c.weight is None else f"{c.weight:.2f}"
            org = c.organisation
            add_row(
                candidates, org.key, org.name, org.country or "", f"{c.probability:.4f}", weight, c.pair.basis
            )
        print_table(candidates)
    if found.check is not None and found.check.applied:
        _print_measures(found.check.applied)


def _print_measures(applied: list[Any]) -> None:
    table = Table("measure", "effect", "legal basis", "because", "until", "remedy")
    for a in applied:
        basis = a.measure.legal_basis.cited()  # in the reader's language
        add_row(table, a.measure.title, a.measure.effect, basis, a.because, a.until, a.remedy)
    print_table(table)
    for a in applied:
        if a.decision:  # a decision published abroad: its list, period, and where it is contested
            console.print(
                _(
                    "%(code)s: decision %(decision)s on the %(list)s, in force here from %(since)s until "
                    "%(until)s; contest it with %(contest)s",
                    code=a.measure.code,
                    decision=a.decision,
                    list=a.list,
                    since=a.since,
                    until=a.until,
                    contest=a.contest,
                ),
                highlight=False,
                markup=False,
            )


MEASURE_FIELDS = ("code", "domain", "effect", "trigger", "max_days", "department", "legal_basis")


@measures_app.command(
    "list",
    help=_("Every measure: its domain, effect, trigger, maximum duration and legal basis."),
)
def list_(ctx: typer.Context, output: Format = FORMAT) -> None:
    measures = app_context(ctx).measures
    rows = [
        {
            "code": m.code,
            "domain": m.domain,
            "effect": m.effect.value,
            "trigger": m.trigger.describe(),
            "max_days": m.max_days,
            "department": m.department or "the record's",
            "legal_basis": str(m.legal_basis),
        }
        for m in measures.measures.values()
    ]

    def table() -> Table:
        shown = Table("code", "domain", "effect", "trigger", "max days", "department", "legal basis")
        for m, r in zip(measures.measures.values(), rows, strict=True):  # the law in the reader's language
            add_row(shown, *{**r, "legal_basis": m.legal_basis.cited()}.values())
        return shown

    print_listing(output, MEASURE_FIELDS, rows, table)


@measures_app.command(
    "check",
    help=_(
        "Check a measures file (legal basis, domain, proportionality); print every problem with its line."
    ),
)
def check_file(ctx: typer.Context, path: Path = typer.Argument(..., help=_("A measures YAML."))) -> None:
    catalog = app_context(ctx).catalog
    check_rules_file(
        path,
        lambda p: load_measures(catalog, p),
        lambda m: _(
            "%(path)s: valid measures file %(version)s with %(count)s measures",
            path=path,
            version=m.version,
            count=len(m.measures),
        ),
    )
