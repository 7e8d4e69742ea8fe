"""`credence catalog check|show`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from credence.catalog import CatalogError, load_catalog
from credence.cli.context import app_context, check_rules_file, console, fail
from credence.cli.output import add_row, print_table
from credence.i18n import _

app = typer.Typer(help=_("Read and check the catalog of record categories."), no_args_is_help=True)


@app.command(
    "check",
    help=_("Check a catalog: legal bases, national information classes, prohibited grounds, references."),
)
def check(path: Path = typer.Argument(..., help=_("A catalog YAML file."))) -> None:
    check_rules_file(
        path,
        load_catalog,
        lambda catalog: _(
            "catalog %(path)s is valid: version %(version)s, %(departments)s departments, %(categories)s "
            "categories",
            path=path,
            version=catalog.version,
            departments=len(catalog.departments),
            categories=len(catalog.categories),
        ),
    )


@app.command("show", help=_("Print the catalog in force (the default, or CREDENCE_CATALOG_PATH)."))
def show(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    try:
        catalog = app_context(ctx).catalog
    except CatalogError as exc:
        raise fail(str(exc), 1) from None
    if as_json:
        doc = {
            "version": catalog.version,
            "title": catalog.title,
            "source": catalog.source,
            "sha256": catalog.sha256,
            "departments": [d.model_dump() for d in catalog.departments.values()],
            "categories": [c.model_dump(mode="json") for c in catalog.categories.values()],
        }
        console.print_json(json.dumps(doc, ensure_ascii=False))
        return
    console.print(
        _(
            "[bold]%(title)s[/] — version %(version)s (%(source)s)",
            title=catalog.title,
            version=catalog.version,
            source=catalog.source,
        ),
        highlight=False,
    )
    depts = Table("code", "department", "domain", title=_("Departments"))
    for d in catalog.departments.values():
        add_row(depts, d.code, d.name + (f" {d.name_zh}" if d.name_zh else ""), d.domain)
    print_table(depts)
    for c in catalog.categories.values():
        if c.severity_applies:
            pub = c.publication
            periods = ", ".join(
                f"{s} {p.min_days}-{p.max_days}"
                for s, p in (("minor", pub.minor), ("general", pub.general), ("serious", pub.serious))
                if p is not None
            )
        else:
            assert c.publication.any is not None
            periods = f"{c.publication.any.min_days}-{c.publication.any.max_days}"
        console.print(
            f"\n[bold]{c.code}[/] — {c.title}" + (f" {c.title_zh}" if c.title_zh else ""), highlight=False
        )
        console.print(
            f"  {c.information_class.value} · {c.polarity.value} · {c.publicity.value}"
            + ("" if c.requires_identifier else " · " + _("identifier optional")),
            highlight=False,
        )
        console.print("  " + _("legal basis: %(basis)s", basis=c.legal_basis.cited()), highlight=False)
        console.print("  " + _("records may rest on: %(bases)s", bases=c.bases_text()), highlight=False)
        console.print("  " + _("departments: %(codes)s", codes=", ".join(c.departments)), highlight=False)
        console.print("  " + _("published (days): %(periods)s", periods=periods), highlight=False)
