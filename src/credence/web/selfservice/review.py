"""The clerks' review queue (/review): the pairs of subjects the linkage model could not settle, likeliest
first; each pair side by side (/review/{link}) with the two subjects' names, sources and published
records, and the model's weights per comparison as a waterfall (as Splink charts it); and the judgement,
same, not same or unsure, each with a reason, after which the files it changes are rated again. Each pair
shows its history (every judgement on it, oldest first), and /review lists the clerks' latest judgements,
so that a mistaken one is found and its pair judged again."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from credence.api import queries
from credence.api.links import PairOut, judge_pair, judged_pairs, pair_out
from credence.api.shapes import ApiError
from credence.i18n import N_, _
from credence.web.selfservice.common import Id, Pages, Problem, Visit

JUDGEMENTS = {"same": N_("Same organisation"), "not_same": N_("Not the same"), "unsure": N_("Unsure")}
RECENT = 20  # the clerks' judgements /review lists, newest first (GET /api/v1/links pages through all)


class JudgementForm(BaseModel):
    csrf: str = ""
    judgement: str = ""
    reason: str = ""


def add_review_routes(app: FastAPI, pages: Pages) -> None:
    registry = pages.registry

    @app.get("/review", response_class=HTMLResponse, include_in_schema=False)
    def review(request: Request) -> Response:
        visit = pages.need(request, "department")
        waiting = registry.links.queue(limit=200)
        pairs = [pair_out(registry, w.link) for w in waiting]
        judged = judged_pairs(registry, "clerk", None, 1, RECENT).items
        return pages.page(
            request, visit, "selfservice_review.html", pairs=pairs, judged=judged, judgements=JUDGEMENTS
        )

    def pair_page(
        request: Request, visit: Visit, link_id: int, problem: Problem | None = None, reason: str = ""
    ) -> Response:
        with registry.engine.connect() as conn:
            link = queries.link(conn, link_id)
        if link is None:
            return pages.problem_page(request, visit, 404, _("no link %(id)s", id=link_id))
        pair = pair_out(registry, link)
        return pages.page(
            request,
            visit,
            "selfservice_pair.html",
            problem=problem,
            pair=pair,
            waterfall=waterfall(pair),
            judgements=JUDGEMENTS,
            reason=reason,
        )

    @app.get("/review/{link_id}", response_class=HTMLResponse, include_in_schema=False)
    def pair(request: Request, link_id: Id) -> Response:
        return pair_page(request, pages.need(request, "department"), link_id)

    @app.post("/review/{link_id}", include_in_schema=False)
    def judge(request: Request, link_id: Id, form: Annotated[JudgementForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "department")
        with registry.engine.connect() as conn:
            link = queries.link(conn, link_id)
        if link is None:
            return pages.problem_page(request, visit, 404, _("no link %(id)s", id=link_id))
        if form.judgement not in JUDGEMENTS:
            return pair_page(
                request,
                visit,
                link_id,
                Problem(422, _("judgement: choose same, not the same or unsure.")),
                form.reason,
            )
        if not form.reason.strip():
            return pair_page(
                request,
                visit,
                link_id,
                Problem(422, _("reason: give a reason, what you checked.")),
                form.reason,
            )
        pair = pair_out(registry, link)
        try:
            judged = judge_pair(
                registry,
                pair.left.key,
                pair.right.key,
                form.judgement,
                visit.session.code,
                visit.session.actor,
                form.reason.strip(),
            )
        except ApiError as exc:
            return pair_page(request, visit, link_id, Problem(exc.body.status, exc.body.message), form.reason)
        verdict = _(JUDGEMENTS[form.judgement]).lower()
        said = _(
            "Link %(id)s: %(left)s and %(right)s judged %(verdict)s.",
            id=judged.link,
            left=judged.left,
            right=judged.right,
            verdict=verdict,
        )
        if form.judgement == "same" and not judged.file.startswith("unresolved:"):
            return pages.redirect(visit, f"/organisations/{judged.file.split(':', 1)[1]}", said)
        return pages.redirect(visit, "/review", said)


def waterfall(pair: PairOut) -> str:
    """The match weight built up from the prior and each comparison, as an inline SVG (no script): a bar
    per step from the running total, right for evidence of a match, left against; its title reads the
    steps out."""
    total_name = _("total")
    steps = [(c.name, c.level, c.weight) for c in pair.comparisons if c.weight != 0]
    total = pair.weight if pair.weight is not None else sum(w for *_, w in steps)
    prior = total - sum(w for *_, w in steps)
    rows: list[tuple[str, str, float]] = [(_("prior"), _("two subjects picked at random"), prior), *steps]
    running, spans = 0.0, []
    for name, level, weight in rows:
        spans.append((name, level, running, running + weight))
        running += weight
    spans.append((total_name, _("match weight %(w)s", w=format(total, ".2f")), 0.0, total))
    low = min(min(a, b) for _, _, a, b in spans + [("", "", 0.0, 0.0)])
    high = max(max(a, b) for _, _, a, b in spans + [("", "", 0.0, 0.0)])
    width, bar, label = 640, 22, 230
    scale = (width - label - 20) / max(high - low, 1e-9)

    def x(v: float) -> float:
        return label + 10 + (v - low) * scale

    height = bar * len(spans) + 10
    steps_read = "; ".join(f"{n} {lv}: {b - a:+.2f}" for n, lv, a, b in spans[:-1])
    parts = [
        f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="waterfall-title" id="waterfall"><title id="waterfall-title">'
        + escape(
            _(
                "Match weight: %(steps)s; total %(total)s",
                steps=steps_read,
                total=format(total, ".2f"),
            )
        )
        + "</title>",
        f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{height}" stroke="#777"/>',
    ]
    for i, (name, level, start, end) in enumerate(spans):
        top = 5 + i * bar
        left, right = sorted((x(start), x(end)))
        colour = "#0b4f9c" if name == total_name else ("#2e7d32" if end >= start else "#b71c1c")
        parts.append(
            f'<text x="0" y="{top + 15}" font-size="12">{escape(name)}: {escape(level)[:34]}</text>'
            f'<rect x="{left:.1f}" y="{top + 3}" width="{max(right - left, 1):.1f}" height="{bar - 6}" '
            f'fill="{colour}">'
            f"<title>{escape(name)}: {end - start:+.2f}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["add_review_routes", "waterfall"]
