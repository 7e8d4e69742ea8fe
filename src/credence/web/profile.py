"""The public profile page: what it shows, in the reader's language.

The rating and its reasons are the API's profile (`credence.api.app.organisation_profile`), whose lines add
up to the score (`credence.rating.engine.reckon`); this module adds the records anyone may see, the list
entries in force and the rating history with its chart: the score at every change on a dated axis,
against the grade bands of the policy in force, drawn on the server by `credence.web.charts`, with the
history's rows in a table beneath.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import date, timedelta
from typing import Any

import altair as alt

from credence import i18n
from credence.api.app import REGIONS, Registry
from credence.catalog.model import ListKind
from credence.i18n import _
from credence.lists import repository as lists_repo
from credence.lists.exports import public_row
from credence.process import repository as process_repo
from credence.rating import repository as rating_repo
from credence.rating.policy import PolicyDocument
from credence.records import publicity
from credence.web.charts import COLOURS, FONT, HEIGHT, WIDTH, Chart, Column, to_svg

# The grades' colours on the page (app.css .grade-A …), and the light tints of their bands on the chart.
GRADE_COLOURS = {"A": "#1a7f37", "B": "#4d7c0f", "C": "#b45309", "D": "#b91c1c"}
BAND_TINTS = {"A": "#dcfce7", "B": "#ecfccb", "C": "#ffedd5", "D": "#fee2e2"}
DAY_FORMAT = {"zh": "%Y年%-m月%-d日", "en": "%-d %b %Y"}


def profile_context(
    registry: Registry, profile: Any, org: Any, publicities: Collection[str] = publicity.PUBLIC
) -> dict[str, Any]:
    """What the profile page shows: the public profile, and the records of these publicities (public; a
    department reading for a purpose: public and shared). Only records in force are listed: an ended
    record (withdrawn, corrected out of publication, repaired, past its period) is not on the page, and
    nothing on it offers an action about one."""
    today = registry.today()
    with registry.engine.connect() as conn:
        _total, records = publicity.public_records(conn, registry.catalog, org.id, today, 1, 500, publicities)
        history = rating_repo.history_of(conn, org.id)
        contested = process_repo.under_objection(conn, [r.id for r in records])
        entries = [_entry(registry, e) for e in lists_repo.current_of(conn, org.id, today)]
    rows = [
        {
            **r._mapping,
            "published_until": publicity.published_until(registry.catalog, r),
            "under_objection": r.id in contested,
            "shared": registry.catalog.categories[r.category].publicity.value != "public",
        }
        for r in records
    ]
    region = REGIONS.get(org.division or "")
    return {
        "p": profile,
        "records": rows,
        "entries": entries,
        "history": history,
        "chart": history_chart(history, registry.policy.doc, today, profile.score),
        "region": (region[0] if i18n.current() == "zh" else region[1]) if region else None,
        "total": sum(line.points for line in profile.reckoning),
        "json_twin": f"/api/v1/organisations/{org.code or org.key}",
        "country": org.country,
    }


def _entry(registry: Registry, entry: Any) -> dict[str, Any]:
    """A list entry in force as the page shows it: its criterion in words, in the reader's language."""
    row = public_row(entry, registry.catalog)
    rule = registry.lists.lists.criterion(ListKind(entry.list), entry.criterion)
    title = None
    if rule is not None:
        title = rule.text_zh if i18n.current() == "zh" and rule.text_zh else rule.text
    return {
        **row,
        "criterion_title": title,
        "listed_from": entry.starts_on,
        "ends_on": entry.ends_on,
    }


def bands(doc: PolicyDocument) -> list[dict[str, Any]]:
    """The grades' score ranges under a policy, best first: each from its threshold (the floor for the
    last) up to the next grade's (the ceiling for the first)."""
    out, upper = [], doc.ceiling
    for grade in doc.grades:
        low = max(grade.min_score, doc.floor)
        if low < upper:
            out.append(
                {
                    "grade": grade.grade,
                    "low": low,
                    "high": upper,
                    "middle": (low + upper) / 2,
                    "tint": BAND_TINTS.get(grade.grade, "#f3f4f6"),
                    "colour": GRADE_COLOURS.get(grade.grade, "#374151"),
                }
            )
        upper = min(upper, grade.min_score)
    return out


def grade_change(row: Any) -> str:
    """A history row's grade as the table reads it: 'B → A' for a change, 'B' for a change of score."""
    if row.old_grade is None or row.old_grade == row.new_grade:
        return str(row.new_grade)
    return f"{row.old_grade} → {row.new_grade}"


def history_chart(history: Sequence[Any], doc: PolicyDocument, today: date, score_now: int) -> Chart | None:
    """The score at every change, held to today, on a dated axis, over the grade bands of the policy in
    force; several changes on one day are each a point, one above the other, in the order they were made,
    and each a row of the table beneath (the history: date, grade, score, cause)."""
    if not history:
        return None
    lang = i18n.current()
    first = history[0].as_of
    start = min(first, today - timedelta(days=30))
    points = [
        {"n": n, "as_of": h.as_of.isoformat(), "score": h.score, "grade": h.new_grade}
        for n, h in enumerate(history, start=1)
    ]
    # The line goes on to today at today's score (the profile's, computed now).
    line = [*points, {"n": len(points) + 1, "as_of": today.isoformat(), "score": score_now, "grade": ""}]
    ranges = bands(doc)
    day_format = DAY_FORMAT.get(lang, DAY_FORMAT["en"])
    x_scale = alt.Scale(type="utc", domain=[start.isoformat(), today.isoformat()])
    y_scale = alt.Scale(domain=[doc.floor, doc.ceiling], nice=False, zero=False)
    date_title, score_title = _("Date"), _("Score")
    band_layer = (
        alt.Chart(alt.InlineData(values=ranges))
        .mark_rect(opacity=0.9)
        .encode(
            y=alt.Y("low:Q", scale=y_scale, title=score_title, axis=alt.Axis(format=",d")),
            y2="high:Q",
            color=alt.Color("tint:N", scale=None, legend=None),
        )
    )
    band_labels = (
        alt.Chart(alt.InlineData(values=ranges))
        .mark_text(align="left", baseline="middle", dx=6, fontSize=13, fontWeight="bold", font=FONT)
        .encode(
            y=alt.Y("middle:Q", scale=y_scale),
            x=alt.value(0),
            text="grade:N",
            color=alt.Color("colour:N", scale=None, legend=None),
        )
    )
    x = alt.X(
        "as_of:T",
        scale=x_scale,
        title=date_title,
        axis=alt.Axis(format=day_format, labelAngle=-30, tickCount=5, labelOverlap=True),
    )
    score_line = (
        alt.Chart(alt.InlineData(values=line))
        .mark_line(interpolate="step-after", color=COLOURS[0], strokeWidth=2)
        .encode(x=x, y=alt.Y("score:Q", scale=y_scale), order="n:Q")
    )
    score_points = (
        alt.Chart(alt.InlineData(values=points))
        .mark_point(filled=True, size=45, color=COLOURS[0], opacity=1)
        .encode(x=x, y=alt.Y("score:Q", scale=y_scale))
    )
    chart = alt.layer(band_layer, band_labels, score_line, score_points).properties(
        width=WIDTH - 80, height=HEIGHT
    )
    title = _("Score over time")
    description = _describe(history, ranges, today, score_now, doc)
    table_columns = (
        Column("as_of", date_title, "date"),
        Column("grade", _("Grade")),
        Column("score", score_title, "number"),
        Column("cause", _("Cause")),
    )
    table_rows = tuple(
        {
            "as_of": h.as_of.isoformat(),
            "grade": grade_change(h),
            "score": h.score,
            "cause": cause_text(h.cause),
        }
        for h in history
    )
    return Chart(
        "history-chart",
        title,
        description,
        to_svg(chart, "history-chart", title, description),
        table_columns[:3],
        tuple(points),
        (table_columns, table_rows),
    )


def _describe(
    history: Sequence[Any], ranges: Sequence[dict[str, Any]], today: date, score_now: int, doc: PolicyDocument
) -> str:
    """What the chart shows, in words a screen reader reads: the span, the changes, the bands."""
    days: dict[date, int] = {}
    for h in history:
        days[h.as_of] = days.get(h.as_of, 0) + 1
    busy = [d for d, n in days.items() if n > 1]
    words = i18n.ngettext(
        "%(num)s change of score or grade from %(first)s to %(last)s; today's score is %(score)s.",
        "%(num)s changes of score or grade from %(first)s to %(last)s; today's score is %(score)s.",
        len(history),
        first=i18n.format_date(history[0].as_of),
        last=i18n.format_date(history[-1].as_of),
        score=i18n.format_number(score_now),
    )
    if busy:
        words += " " + _(
            "Several changes on one day are drawn one above the other, in the order made: %(days)s.",
            days=", ".join(i18n.format_date(d) for d in busy),
        )
    band_words = ", ".join(
        _(
            "%(grade)s from %(low)s to %(high)s",
            grade=b["grade"],
            low=i18n.format_number(b["low"]),
            high=i18n.format_number(b["high"]),
        )
        for b in ranges
    )
    return words + " " + _("Grade bands: %(bands)s.", bands=band_words)


# The causes the services store with a history row (English, as stored), read in the reader's language.
_CAUSES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"re-rated as of (\d{4}-\d{2}-\d{2}) under policy (\S+)"),
        lambda m: _(
            "re-rated as of %(day)s under policy %(version)s",
            day=i18n.format_date(date.fromisoformat(m[1])),
            version=m[2],
        ),
    ),
    (
        re.compile(r"records changed in batch(?:es)? (.+)"),
        lambda m: _("records changed in batch %(batches)s", batches=m[1]),
    ),
    (
        re.compile(r"notices delivered for batch (.+)"),
        lambda m: _("notices delivered for batch %(batches)s", batches=m[1]),
    ),
    (re.compile(r"notice (\d+) delivered"), lambda m: _("notice %(notice)s delivered", notice=m[1])),
    (
        re.compile(r"record (\S+) / (\S+) withdrawn"),
        lambda m: _("record %(department)s / %(record)s withdrawn", department=m[1], record=m[2]),
    ),
    (
        re.compile(r"objection (\d+) answered (\w+)"),
        lambda m: _("objection %(objection)s answered: %(state)s", objection=m[1], state=_state(m[2])),
    ),
    (
        re.compile(r"list entry (\d+) (expired|cured|escalated|revoked)"),
        lambda m: _("list entry %(entry)s %(ending)s", entry=m[1], ending=_state(m[2])),
    ),
    (
        re.compile(r"repair (\d+) (approved|refused)"),
        lambda m: _("repair %(repair)s %(decision)s", repair=m[1], decision=_state(m[2])),
    ),
    (
        re.compile(r"record (\d+) withdrawn by the audit of grounds"),
        lambda m: _("record %(record)s withdrawn by the audit of grounds", record=m[1]),
    ),
    (re.compile(r"due process applied by tick"), lambda m: _("due process applied by the daily tick")),
    (re.compile(r"demo registry built"), lambda m: _("demo registry built")),
    (
        re.compile(r"link (\d+): judged (\w+)"),
        lambda m: _("link %(link)s judged: %(judgement)s", link=m[1], judgement=_state(m[2])),
    ),
]

_STATES = {
    "upheld": i18n.N_("upheld"),
    "corrected": i18n.N_("corrected"),
    "withdrawn": i18n.N_("withdrawn"),
    "lapsed": i18n.N_("lapsed"),
    "expired": i18n.N_("expired"),
    "cured": i18n.N_("cured"),
    "escalated": i18n.N_("escalated"),
    "revoked": i18n.N_("revoked"),
    "approved": i18n.N_("approved"),
    "refused": i18n.N_("refused"),
    "same": i18n.N_("the same organisation"),
    "not_same": i18n.N_("not the same organisation"),
    "unsure": i18n.N_("unsure"),
}


def _state(word: str) -> str:
    return _(_STATES[word]) if word in _STATES else word.replace("_", " ")


def cause_text(cause: str) -> str:
    """A stored cause in the reader's language; a cause of another form as it was stored."""
    for pattern, say in _CAUSES:
        found = pattern.fullmatch(cause)
        if found:
            return say(found)
    return cause
