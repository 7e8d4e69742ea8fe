"""Entry point of the `credence` command."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from pydantic import ValidationError

from credence.cli import (
    access,
    audit,
    catalog,
    checks,
    commitments,
    db,
    demo,
    departments,
    exports,
    ingest,
    links,
    lists,
    log,
    process,
    rating,
    records,
    reports,
    serve,
)
from credence.cli.context import AppContext, console, fail
from credence.clock import SystemClock
from credence.records.interchange import interchange_schema
from credence.settings import Settings

app = typer.Typer(
    name="credence",
    help="Credence: an open credit-information registry for organisations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog.app, name="catalog")
app.add_typer(db.app, name="db")
app.add_typer(records.app, name="records")
app.add_typer(rating.policy_app, name="policy")
app.add_typer(process.notices_app, name="notices")
app.add_typer(process.objections_app, name="objections")
app.add_typer(process.repairs_app, name="repairs")
app.add_typer(departments.app, name="departments")
app.add_typer(lists.app, name="lists")
app.add_typer(commitments.app, name="commitments")
app.add_typer(checks.measures_app, name="measures")
app.add_typer(reports.app, name="report")
app.add_typer(log.app, name="log")
app.add_typer(access.tokens_app, name="token")
app.add_typer(access.users_app, name="user")
app.add_typer(audit.app, name="audit")
app.add_typer(links.app, name="link")
app.command("check")(checks.check)
app.command("tick")(process.tick)
app.command("rate")(rating.rate)
app.command("explain")(rating.explain)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("ingest")(ingest.ingest)
app.command("status")(records.status)
app.command("export")(exports.export)


@app.callback()
def main(
    ctx: typer.Context,
    database_url: str = typer.Option(
        None,
        "--database-url",
        envvar="CREDENCE_DATABASE_URL",
        help="SQLAlchemy URL of the store (default sqlite:///./credence.db).",
    ),
    catalog_path: Path = typer.Option(
        None, "--catalog", envvar="CREDENCE_CATALOG_PATH", help="A catalog YAML replacing the default."
    ),
) -> None:
    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = database_url
    if catalog_path:
        overrides["catalog_path"] = catalog_path
    if not isinstance(ctx.obj, AppContext):
        try:
            settings = Settings(**overrides)  # type: ignore[arg-type]
        except ValidationError as exc:
            problems = "; ".join(
                f"CREDENCE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
            )
            raise fail(f"invalid setting: {problems}") from None
        ctx.obj = AppContext(settings, SystemClock())


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the interchange format."""
    console.print_json(json.dumps(interchange_schema(), ensure_ascii=False))


@app.command("identify")
def identify(code: str = typer.Argument(..., help="A USCC or LEI.")) -> None:
    """Check an identifier and say what kind of organisation it names, or exactly what is wrong."""
    from credence.identity import SubjectError, resolve_subject

    try:
        subject = resolve_subject(code)
    except SubjectError as exc:
        console.print(f"[bold red]{exc.reason}[/]: {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    kind = subject.kind.value if subject.kind is not None else "organisation (LEI)"
    note = "; records are never public (sole proprietor)" if subject.never_public else ""
    console.print(f"{subject.key}: valid {subject.scheme.upper()}, {kind}{note}", highlight=False)
