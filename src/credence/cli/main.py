"""Entry point of the `credence` command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from pydantic import ValidationError

from credence import i18n
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
    snapshot,
)
from credence.cli.context import AppContext, console, fail
from credence.clock import SystemClock
from credence.i18n import _
from credence.records.interchange import interchange_schema
from credence.settings import Settings

# The command line's language is set from its environment when the package is imported (credence.cli),
# before any help text is made, and again for each invocation (main) from the environment it runs in.

app = typer.Typer(
    name="credence",
    help=_("Credence: an open credit-information registry for organisations."),
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
app.command(
    "check",
    help=_(
        "Is an organisation eligible in a domain? eligible, restricted or fast_track, with each measure in "
        "force, its legal basis, until when and how to remedy it. Only the organisation named is looked at. "
        "The answer is the public's: a sole proprietor (USCC prefix 92, never public) is undisclosed. A "
        "bidder without a code is checked by --name and --country: its file's check when one file matches "
        "at the auto threshold, else possible_match (review) or no_match; a fuzzy match alone never "
        "restricts."
    ),
)(checks.check)
app.command(
    "tick",
    help=_(
        "Apply what is due today: deemed deliveries of notices, unanswered objections (their records are "
        "withdrawn), overdue repair decisions counted, list entries expired, abnormal-operation entries "
        "warned and escalated. The server also runs this on a schedule."
    ),
)(process.tick)
app.command(
    "rate",
    help=_("Re-rate every organisation in the registry (vectorised, DuckDB) and record grade changes."),
)(rating.rate)
app.command(
    "explain",
    help=_("Why an organisation has its grade: every record that counts, and what would change the grade."),
)(rating.explain)
app.command(
    "demo",
    help=_(
        "Build a realistic demo registry: organisations of every in-scope kind over real divisions, records "
        "from seven departments through the ingestion service, then ratings. Only into an empty store."
    ),
)(demo.demo)
app.command("serve", help=_("Serve the registry's API (and OpenAPI at /openapi.json) on HOST:PORT."))(
    serve.serve
)
app.command(
    "ingest",
    help=_(
        "Check every row against the catalog and store the accepted ones.\n\nExit code 0 when every row "
        "was accepted, 1 when any row (or the whole file) was rejected, 2 for unusable arguments or an "
        "unreadable file."
    ),
)(ingest.ingest)
app.command(
    "status",
    help=_("What the store holds: table sizes, records by department and category, subjects by scheme."),
)(records.status)
app.command(
    "snapshot",
    help=_(
        "Write organisations, records and ratings as Parquet with a manifest (row counts, SHA-256, the log "
        "size it is consistent with), for batch work such as Spark. Operator data, to keep locally: it holds "
        "records not yet noticed, flagged."
    ),
)(snapshot.snapshot)
app.command(
    "export",
    help=_(
        "Write every public list entry, public record and current grade as credence-YYYY-MM-DD.<ext>, each "
        "with its SHA-256 (<file>.sha256) and a credence-latest.<ext> link, and log each file."
    ),
)(exports.export)


@app.callback()
def main(
    ctx: typer.Context,
    database_url: str = typer.Option(
        None,
        "--database-url",
        envvar="CREDENCE_DATABASE_URL",
        help=_("SQLAlchemy URL of the store (default sqlite:///./credence.db)."),
    ),
    catalog_path: Path = typer.Option(
        None, "--catalog", envvar="CREDENCE_CATALOG_PATH", help=_("A catalog YAML replacing the default.")
    ),
) -> None:
    token = i18n.set_language(i18n.from_environment(os.environ))
    ctx.call_on_close(lambda: i18n.reset_language(token))
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
            raise fail(_("invalid setting: %(problems)s", problems=problems)) from None
        ctx.obj = AppContext(settings, SystemClock())


@app.command("schema", help=_("Print the JSON Schema of the interchange format."))
def schema() -> None:
    """Print the JSON Schema of the interchange format."""
    console.print_json(json.dumps(interchange_schema(), ensure_ascii=False))


@app.command(
    "identify",
    help=_("Check an identifier and say what kind of organisation it names, or exactly what is wrong."),
)
def identify(code: str = typer.Argument(..., help=_("A USCC or LEI."))) -> None:
    """Check an identifier and say what kind of organisation it names, or exactly what is wrong."""
    from credence.identity import SubjectError, resolve_subject

    try:
        subject = resolve_subject(code)
    except SubjectError as exc:
        console.print(f"[bold red]{exc.reason}[/]: {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    kind = subject.kind.value if subject.kind is not None else _("organisation (LEI)")
    if subject.never_public:
        said = _(
            "%(key)s: valid %(scheme)s, %(kind)s; records are never public (sole proprietor)",
            key=subject.key,
            scheme=subject.scheme.upper(),
            kind=kind,
        )
    else:
        said = _(
            "%(key)s: valid %(scheme)s, %(kind)s", key=subject.key, scheme=subject.scheme.upper(), kind=kind
        )
    console.print(said, highlight=False)
