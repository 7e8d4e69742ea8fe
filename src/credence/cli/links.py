"""`credence link`: resolve the registry's subjects with the linkage model, and the clerks' judgements on
pairs (docs/linkage.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from credence.cli.context import app_context, console, errors, fail
from credence.cli.output import FORMAT, Format, add_row, print_json, print_listing, print_table
from credence.dueprocess.links import LinkDecisions
from credence.i18n import _, format_number
from credence.records.service import RowsRejected
from credence.subjects.candidates import candidates
from credence.subjects.links import LinkRefused
from credence.subjects.model import Model
from credence.subjects.service import LinkReport, LinkService

app = typer.Typer(
    help=_("Which subjects are one organisation: the linkage model's judgements and the clerks'."),
    invoke_without_command=True,
)


def service(ctx: typer.Context) -> LinkService:
    app_ = app_context(ctx)
    return LinkService.from_settings(app_.engine, app_.clock, app_.settings)


@app.callback()
def link(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help=_("Print the report as one JSON object.")),
) -> None:
    """Re-resolve the whole registry: every subject compared with the model, each pair judged (joined
    above link_auto_threshold when neither has an identifier, queued for a clerk from
    link_review_threshold), and the model's judgements it no longer supports taken back. Prints what
    changed."""
    if ctx.invoked_subcommand is not None:
        return
    links = service(ctx)
    with errors.status(_("resolving subjects")) as status:
        report = links.resolve(progress=lambda step: status.update(step))
    _report(report, as_json)


def _report(report: LinkReport, as_json: bool) -> None:
    figures = {
        "subjects": report.subjects,
        "pairs": report.pairs,
        "joined": report.joined,
        "queued": report.queued,
        "withdrawn": report.withdrawn,
        "subjects_whose_file_changed": report.files_changed,
    }
    if as_json:
        print_json(figures)
        return
    console.print(
        _(
            "%(subjects)s subjects, %(pairs)s pairs found: %(joined)s joined, %(queued)s queued for review, "
            "%(withdrawn)s taken back; %(changed)s subjects changed file",
            subjects=format_number(report.subjects),
            pairs=format_number(report.pairs),
            joined=format_number(report.joined),
            queued=format_number(report.queued),
            withdrawn=format_number(report.withdrawn),
            changed=format_number(report.files_changed),
        ),
        highlight=False,
    )


@app.command(
    "calibrate",
    help=_(
        "Calibrate the linkage model on this registry's own subjects, without labels: how often two "
        "different organisations agree on each comparison (Splink's random sampling), then the share of "
        "pairs that are one organisation. Writes the model to --out; set CREDENCE_LINK_MODEL_PATH to it "
        "and run `credence link` to resolve the registry with it (docs/linkage.md, "
        '"Calibrating on the registry").'
    ),
)
def calibrate(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help=_("Where to write the calibrated model (Splink's JSON).")),
    as_json: bool = typer.Option(False, "--json", help=_("Print the summary as one JSON object.")),
) -> None:
    app_ = app_context(ctx)
    model = Model.load(app_.settings.link_model_path)
    with app_.engine.connect() as conn:
        subjects = candidates(conn)
    if len(subjects) < 2:
        raise fail(
            _("the registry holds %(count)s subject(s): nothing to calibrate on", count=len(subjects)), 1
        )
    with errors.status(_("calibrating on %(count)s subjects", count=format_number(len(subjects)))):
        calibrated = model.calibrated(subjects)
    try:
        calibrated.save(out)
    except OSError as exc:
        raise fail(_("cannot write %(path)s: %(why)s", path=out, why=exc.strerror), 2) from None
    before = float(model.settings["probability_two_random_records_match"])
    after = float(calibrated.settings["probability_two_random_records_match"])
    figures = {"subjects": len(subjects), "prior_before": before, "prior": after, "model": str(out)}
    if as_json:
        print_json(figures)
        return
    console.print(
        _(
            "calibrated on %(count)s subjects: one pair in %(after)s is one organisation (the model said "
            "one in %(before)s); written to %(out)s. Set CREDENCE_LINK_MODEL_PATH=%(out)s and run "
            "`credence link` to resolve the registry with it.",
            count=format_number(len(subjects)),
            after=format_number(round(1 / after)),
            before=format_number(round(1 / before)),
            out=out,
        ),
        highlight=False,
    )


QUEUE_FIELDS = ("link", "left", "right", "probability", "weight", "judgement", "at")


@app.command("queue", help=_("The pairs waiting for a clerk, likeliest first."))
def queue(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", min=1, help=_("How many pairs.")),
    output: Format = FORMAT,
) -> None:
    links = service(ctx)
    rows = [
        {
            "link": w.link.id,
            "left": w.left_key,
            "right": w.right_key,
            "probability": f"{w.link.probability:.4f}" if w.link.probability is not None else "",
            "weight": f"{w.link.weight:.2f}" if w.link.weight is not None else "",
            "judgement": w.link.judgement,
            "at": w.link.at,
        }
        for w in links.queue(limit)
    ]

    def table() -> Table:
        found = Table(*QUEUE_FIELDS)
        for r in rows:
            add_row(found, *(r[f] for f in QUEUE_FIELDS))
        return found

    if not rows and output is Format.table:
        console.print(_("no pair waits for review"), highlight=False)
        return
    print_listing(output, QUEUE_FIELDS, rows, table)


@app.command(
    "judge",
    help=_(
        "A clerk's judgement on two subjects: same (one file), not_same (a split: both files as they were) "
        "or unsure. Appended and logged; no record is rewritten."
    ),
)
def judge(
    ctx: typer.Context,
    left: str = typer.Argument(..., help=_("A subject: its key (uscc:…, lei:…, unresolved:…), USCC or LEI.")),
    right: str = typer.Argument(..., help=_("The other subject.")),
    judgement: str = typer.Option(..., "--judgement", help=_("same, not_same or unsure.")),
    department: str = typer.Option(..., "--department", help=_("The clerk's department.")),
    actor: str = typer.Option(..., "--actor", help=_("The clerk who judges.")),
    reason: str = typer.Option(..., "--reason", help=_("Why: what the clerk checked.")),
) -> None:
    links = service(ctx)
    try:
        a, b = links.subject(left), links.subject(right)
        app_ = app_context(ctx)
        decisions = LinkDecisions(app_.engine, app_.clock, app_.settings, app_.rating(), app_.ingest())
        judged = decisions.judge(a.id, b.id, judgement, department=department, actor=actor, reason=reason)
    except (LookupError, LinkRefused, RowsRejected) as exc:
        raise fail(str(exc)) from None
    console.print(
        _(
            "link %(id)s: %(left)s and %(right)s judged %(judgement)s; %(changed)s subjects changed file",
            id=judged.id,
            left=judged.left_key,
            right=judged.right_key,
            judgement=judged.judgement,
            changed=format_number(len(judged.changed)),
        ),
        highlight=False,
        markup=False,
    )


@app.command(
    "show", help=_("The file a subject is in: its subjects (the head first) and every judgement on them.")
)
def show(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help=_("A subject: its key, USCC or LEI.")),
    as_json: bool = typer.Option(False, "--json", help=_("Print the file as one JSON object.")),
) -> None:
    links = service(ctx)
    try:
        found = links.subject(subject)
    except LookupError as exc:
        raise fail(str(exc)) from None
    members, judged = links.file(found.id)
    keys = {m.id: m.key for m in members}
    document: dict[str, Any] = {
        "head": members[0].key,
        "subjects": [{"key": m.key, "name": m.name, "country": m.country} for m in members],
        "judgements": [
            {
                "link": j.id,
                "left": keys.get(j.left_id, j.left_id),
                "right": keys.get(j.right_id, j.right_id),
                "judgement": j.judgement,
                "basis": j.basis,
                "probability": j.probability,
                "actor": j.actor,
                "reason": j.reason,
                "at": j.at,
            }
            for j in judged
        ],
    }
    if as_json:
        print_json(document)
        return
    console.print(
        _("the file of %(key)s (%(name)s)", key=members[0].key, name=members[0].name),
        highlight=False,
        markup=False,
    )
    subjects = Table("key", "name", "country")
    for m in members:
        add_row(subjects, m.key, m.name, m.country)
    print_table(subjects)
    history = Table("link", "left", "right", "judgement", "basis", "probability", "actor", "reason", "at")
    for j in document["judgements"]:
        add_row(
            history,
            *(j[k] for k in ("link", "left", "right", "judgement", "basis", "probability")),
            j["actor"],
            j["reason"],
            j["at"],
        )
    print_table(history)
