"""`credence policy check|show`, `credence rate` and `credence explain`."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from credence import i18n
from credence.catalog import CatalogError
from credence.cli.context import app_context, check_rules_file, console, fail
from credence.cli.output import add_row, print_table
from credence.i18n import _, format_date, format_number
from credence.rating import PolicyError, load_policy, spark
from credence.rating.policy import translation
from credence.rating.service import UnknownOrganisation
from credence.snapshots import SnapshotError, read_manifest

policy_app = typer.Typer(help=_("Read and check rating policies."), no_args_is_help=True)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(_("--as-of '%(text)s' is not a date in the form YYYY-MM-DD", text=text)) from None


@policy_app.command(
    "check",
    help=_("Check a policy against the catalog in force: every rule names a known category, in its terms."),
)
def check(ctx: typer.Context, path: Path = typer.Argument(..., help=_("A rating policy YAML file."))) -> None:
    check_rules_file(
        path,
        lambda p: load_policy(app_context(ctx).catalog, path=p),
        lambda policy: _(
            "policy %(path)s is valid: %(policy)s version %(version)s, %(rules)s rules",
            path=path,
            policy=policy.doc.policy,
            version=policy.version,
            rules=len(policy.doc.rules),
        ),
    )


@policy_app.command("show", help=_("Print the policy in force, rule by rule, in plain words."))
def show(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    try:
        policy = app_context(ctx).policy
    except (PolicyError, CatalogError) as exc:
        raise fail(str(exc), 1) from None
    doc = policy.doc
    if as_json:
        out = {"source": policy.source, "sha256": policy.sha256, **doc.model_dump(mode="json")}
        console.print_json(json.dumps(out, ensure_ascii=False))
        return
    translated = translation(policy, i18n.current())  # the published text is English; a translation beside
    title = translated.title if translated else doc.title
    heading = _(
        "%(policy)s version %(version)s, published %(published)s",
        policy=doc.policy,
        version=doc.version,
        published=format_date(doc.published),
    )
    console.print(f"[bold]{escape(title)}[/] — {heading}", highlight=False)
    if translated:
        console.print(
            _("A translation, for reading: the policy is published in English; its English text prevails."),
            highlight=False,
        )
    console.print(translated.description if translated else doc.description, highlight=False)
    console.print(
        _(
            "Every organisation starts at %(base)s points (never below %(floor)s, never above %(ceiling)s). "
            "Pending decisions count %(pending)s%%. Favourable records add at most %(cap)s points in all.",
            base=doc.base_score,
            floor=doc.floor,
            ceiling=doc.ceiling,
            pending=doc.pending_percent,
            cap=doc.favourable_cap,
        ),
        highlight=False,
    )
    bands, low = [], 0
    for band in doc.decay:
        bands.append(
            _("%(percent)s%% from %(low)s days", percent=band.percent, low=low)
            if band.until_days is None
            else _(
                "%(percent)s%% from %(low)s to %(high)s days",
                percent=band.percent,
                low=low,
                high=band.until_days,
            )
        )
        low = band.until_days or low
    console.print(_("With age a record counts %(bands)s.", bands=_(", then ").join(bands)), highlight=False)
    grades = Table(_("grade"), _("from score"), _("meaning"), title=_("Grades"))
    for g in doc.grades:
        add_row(grades, g.grade, g.min_score, translated.grades[g.grade] if translated else g.meaning)
    print_table(grades)
    rules = Table(
        _("rule"), _("category"), _("points"), _("cap"), _("grade at most"), _("meaning"), title=_("Rules")
    )
    for r in doc.rules:
        points = ", ".join(f"{k} {v:+d}" for k, v in r.points.items())
        meaning = translated.rules[r.name] if translated else r.meaning
        add_row(rules, r.name, r.category, points, r.cap or "", r.grade_at_most, meaning)
    print_table(rules)


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


def rate(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help=_("Rate as of this date (default today).")),
    engine: Engine = typer.Option(Engine.duckdb, "--engine", help=_("duckdb (here) or spark.")),
    master: str = typer.Option("local[2]", "--master", help=_("Spark's master URL (with --engine spark).")),
    snapshot: Path | None = typer.Option(
        None,
        "--snapshot",
        help=_(
            "Rate this snapshot (credence snapshot) instead of the store (on Spark: default, one taken now, "
            "for a local master)."
        ),
    ),
    results: Path | None = typer.Option(
        None, "--results", help=_("Only store the ratings a spark-submit job wrote into this folder.")
    ),
) -> None:
    """Re-rate every organisation in the registry (vectorised, DuckDB) and record grade changes."""
    day = _date(as_of)
    try:
        service = app_context(ctx).rating()
        if results is not None:
            result = spark.load_results(service, results)
        elif engine is Engine.spark:
            result = spark.rate_on_spark(service, master, snapshot, day)
        elif snapshot is not None:
            read_manifest(snapshot)  # its files as the manifest counts them
            result = service.rate(as_of=day, snapshot=snapshot)
        else:
            result = service.rate(as_of=day)
    except (PolicyError, CatalogError) as exc:
        raise fail(str(exc), 1) from None
    except SnapshotError as exc:
        raise fail(str(exc)) from None
    console.print(
        _(
            "rated %(rated)s organisations as of %(day)s; %(changes)s grade changes",
            rated=format_number(result.rated),
            day=result.as_of,
            changes=format_number(result.grade_changes),
        ),
        highlight=False,
    )


def explain(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help=_("A USCC, LEI, key such as uscc:… or number.")),
    as_of: str = typer.Option(None, "--as-of", help=_("Explain as of this date (default today).")),
    as_json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """Why an organisation has its grade: every record that counts, and what would change the grade."""
    app_ = app_context(ctx)
    try:
        found = app_.rating().explain(organisation, _date(as_of))
    except UnknownOrganisation as exc:
        raise fail(str(exc), 1) from None
    except (PolicyError, CatalogError) as exc:
        raise fail(str(exc), 1) from None
    r, catalog, org = found.rating, app_.catalog, found.organisation
    if as_json:
        out = {
            "organisation": {"key": org.key, "name": org.name, "kind": org.kind, "division": org.division},
            "as_of": r.as_of.isoformat(),
            "score": r.score,
            "grade": r.grade,
            "grade_limited_by": r.grade_limited_by,
            "policy_version": r.policy_version,
            "policy_sha256": r.policy_sha256,
            "reasons": found.reason_lines(catalog),
            "what_would_change": found.change_lines(catalog),
            "contributions": [
                {
                    "record": c.source_record_id,
                    "category": c.category,
                    "points": c.points,
                    "published_until": c.published_until.isoformat(),
                }
                for c in r.contributions
            ],
        }
        console.print_json(json.dumps(out, ensure_ascii=False))
        return
    console.print(
        _(
            "%(name)s (%(key)s) — grade %(grade)s, score %(score)s, as of %(day)s, policy %(version)s",
            name=f"[bold]{escape(org.name)}[/]",
            key=org.key,
            grade=f"[bold]{r.grade}[/]",
            score=r.score,
            day=r.as_of,
            version=r.policy_version,
        ),
        highlight=False,
    )
    if r.grade_limited_by:
        console.print(
            _("the grade is held at %(grade)s by rule %(rule)s", grade=r.grade, rule=r.grade_limited_by),
            highlight=False,
        )
    console.print(
        _("principal reasons:") if r.reasons else _("no record counts against or for it"), highlight=False
    )
    for line in found.reason_lines(catalog):
        console.print(f"  {line}", highlight=False)
    for line in found.change_lines(catalog):
        console.print(_("what would change it: %(line)s", line=line), highlight=False)
