"""The pages' charts: Vega-Lite specifications built with `altair`, drawn on the server into inline SVG by
`vl-convert-python` (Vega's own renderer, in process), so that a page loads no script and nothing from
elsewhere to show a chart, and a reader without sight, or without the picture, has the same figures.

Every chart is a `Chart`: the SVG (with a `<title>` and a `<desc>` that a screen reader announces, and
`role="img"`), the rows it was drawn from, and the columns to show them in a table beneath it
(`templates/_chart.html`). The rows are what a JSON twin returns (`Chart.twin`). Labels, titles and the
columns' headings are the caller's, already in the request's language (`credence.i18n._`); numbers and
months on the axes are formatted in it here.

Text is measured with the fonts installed on the machine (fontconfig's, which include Noto Sans CJK for
Chinese labels); the browser draws it with its own. Drawings are kept (by specification and language),
so a page shown again does not draw its charts again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from html import escape
from typing import Any, Literal

import altair as alt
from babel.dates import format_skeleton
from markupsafe import Markup

from credence import i18n
from credence.web import drawing

WIDTH = 560
"""The drawing's width in CSS pixels; the page scales it down to fit (`.chart svg` in app.css)."""
HEIGHT = 240
COLOURS = ["#0b4f9c", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#be123c", "#0e7490", "#4d7c0f"]
"""A categorical palette with enough contrast on white (each at least 3:1) for marks."""
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
FORMAT_LOCALE = {"zh": "zh-CN", "en": "en-US"}
MONTH_FORMAT = {"zh": "%Y年%-m月", "en": "%b %Y"}
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")

Kind = Literal["text", "number", "month", "date", "percent"]


@dataclass(frozen=True)
class Column:
    """One column of a chart's data table: the row's key, its heading (in the reader's language), and
    how its values read (numbers with separators, ISO dates as dates)."""

    key: str
    label: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Chart:
    """A chart as a page shows it: the drawing, and the table of its rows beneath."""

    id: str
    title: str
    description: str
    svg: Markup
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    table: tuple[tuple[Column, ...], tuple[Mapping[str, Any], ...]] | None = None
    """The table beneath, when it is not `columns` and `rows` (a line per series is read as a table with
    a column per series)."""

    @property
    def table_columns(self) -> tuple[Column, ...]:
        return self.table[0] if self.table else self.columns

    @property
    def table_rows(self) -> tuple[Mapping[str, Any], ...]:
        return self.table[1] if self.table else self.rows

    def cell(self, row: Mapping[str, Any], column: Column) -> str:
        """A value of the table as it reads in the current language: 12,000; 45%; Mar 2026 / 2026年3月."""
        return cell(row.get(column.key), column.kind)

    def twin(self) -> dict[str, Any]:
        """The chart in JSON: its title, its columns and its rows, as drawn."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [dict(r) for r in self.rows],
        }


def bar_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    rows: Sequence[Mapping[str, Any]],
    category: Column,
    value: Column,
    horizontal: bool = True,
    sort: Sequence[str] | None = None,
) -> Chart:
    """Bars of `value` per `category`, in the rows' order (or `sort`): horizontal by default, so long
    labels (department names) read across, and a phone's narrow width still fits them."""
    order = list(sort) if sort is not None else [str(r[category.key]) for r in rows]
    cat = alt.Y if horizontal else alt.X
    val = alt.X if horizontal else alt.Y
    height = max(60, 22 * len(order)) if horizontal else HEIGHT
    number_format = ",d" if value.kind == "number" else ".0%" if value.kind == "percent" else ""
    encoded = (
        alt.Chart(alt.InlineData(values=[dict(r) for r in rows]))
        .mark_bar(color=COLOURS[0])
        .encode(
            cat(
                f"{category.key}:N",
                title=category.label,
                sort=order,
                axis=alt.Axis(labelLimit=220) if horizontal else alt.Axis(labelAngle=0, labelLimit=120),
            ),
            val(f"{value.key}:Q", title=value.label, axis=alt.Axis(format=number_format, tickMinStep=1)),
        )
        .properties(width=WIDTH - 260 if horizontal else WIDTH - 80, height=height)
    )
    return Chart(
        chart_id,
        title,
        description,
        to_svg(encoded, chart_id, title, description),
        (category, value),
        tuple(rows),
    )


def time_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    rows: Sequence[Mapping[str, Any]],
    month: Column,
    value: Column,
    series: Column | None = None,
) -> Chart:
    """A line of `value` per month (`month`: ISO dates, the first of each month), one line per `series`
    when given (each named in a legend)."""
    lang = i18n.current()
    encoding: dict[str, Any] = {
        "x": alt.X(
            f"{month.key}:T",
            title=month.label,
            axis=alt.Axis(
                format=MONTH_FORMAT.get(lang, MONTH_FORMAT["en"]), labelAngle=-40, tickCount="month"
            ),
        ),
        "y": alt.Y(f"{value.key}:Q", title=value.label, axis=alt.Axis(format=",d", tickMinStep=1)),
    }
    if series is not None:
        encoding["color"] = alt.Color(
            f"{series.key}:N",
            title=series.label,
            scale=alt.Scale(range=COLOURS),
            legend=alt.Legend(orient="bottom", columns=2, labelLimit=260),
        )
    encoded = (
        alt.Chart(alt.InlineData(values=[dict(r) for r in rows]))
        .mark_line(point=True, color=COLOURS[0])
        .encode(**encoding)
        .properties(width=WIDTH - 80, height=HEIGHT)
    )
    columns = (month, series, value) if series is not None else (month, value)
    return Chart(
        chart_id,
        title,
        description,
        to_svg(encoded, chart_id, title, description),
        columns,
        tuple(rows),
        _pivot(rows, month, value, series) if series is not None else None,
    )


def _pivot(
    rows: Sequence[Mapping[str, Any]], month: Column, value: Column, series: Column
) -> tuple[tuple[Column, ...], tuple[Mapping[str, Any], ...]]:
    """Long rows (month, series, value) as a table with a row per month and a column per series."""
    names = list(dict.fromkeys(str(r[series.key]) for r in rows))
    keys = {name: f"s{i}" for i, name in enumerate(names)}
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        line = table.setdefault(str(r[month.key]), {month.key: r[month.key]})
        line[keys[str(r[series.key])]] = r[value.key]
    columns = (month, *(Column(keys[n], n, value.kind) for n in names))
    return columns, tuple(table[m] for m in sorted(table))


def to_svg(
    chart: alt.TopLevelMixin | Mapping[str, Any], chart_id: str, title: str, description: str
) -> Markup:
    """Any altair chart (or Vega-Lite specification) as inline SVG in the request's language: numbers and
    dates formatted in it, the title and description as the drawing's `<title>` and `<desc>`, its ids
    made unique on the page by `chart_id`. For a chart of your own (the profile's history, say), build it
    with altair and call this."""
    spec = chart.to_dict() if isinstance(chart, alt.TopLevelMixin) else dict(chart)
    spec.setdefault("config", {})
    spec["config"] = {
        "font": FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 12},
        **spec["config"],
    }
    spec.setdefault("background", "white")
    lang = i18n.current()
    drawn = _draw(json.dumps(spec, sort_keys=True, ensure_ascii=False), FORMAT_LOCALE.get(lang, "en-US"))
    return Markup(_accessible(drawn, _safe_id(chart_id), title, description))


@lru_cache(maxsize=256)
def _draw(spec: str, locale: str) -> str:
    """One drawing at a time, in vl-convert's own process (credence.web.drawing: it holds the GIL while it
    draws)."""
    return drawing.draw(spec, locale, FONT_DIRS)


_ROOT = re.compile(r"<svg\b([^>]*)>")
_IDS = re.compile(r'\bid="([^"]+)"')


def _accessible(svg: str, chart_id: str, title: str, description: str) -> str:
    """The drawing with a title and description a screen reader reads, and ids prefixed by `chart_id`."""
    for old in set(_IDS.findall(svg)):
        svg = svg.replace(f'id="{old}"', f'id="{chart_id}-{old}"').replace(
            f"url(#{old})", f"url(#{chart_id}-{old})"
        )
    match = _ROOT.search(svg)
    if match is None:  # pragma: no cover - vl-convert always draws an <svg> root
        raise ValueError("the renderer returned no SVG")
    attributes = match.group(1).replace(' class="marks"', ' class="marks chart-svg"')
    head = (
        f'<svg{attributes} role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    return svg[: match.start()] + head + svg[match.end() :]


def cell(value: Any, kind: Kind) -> str:
    """A value as it reads in the current language (a dash for none)."""
    if value is None:
        return "—"
    if kind == "number":
        return i18n.format_number(value)
    if kind == "percent":
        return f"{float(value):.0%}"
    if kind in ("month", "date"):
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        if kind == "date":
            return i18n.format_date(day)
        return format_skeleton("yMMM", day, locale={"zh": "zh_Hans_CN"}.get(i18n.current(), "en_GB"))
    return str(value)


def _safe_id(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", value) or "chart"
