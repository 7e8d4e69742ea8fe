"""The pages' one chart helper: Vega-Lite through altair, drawn on the server into inline SVG with axes,
titles and labels, a <title> and <desc> a screen reader reads, the rows for the table beneath, and the
request's language in its numbers and months. Chinese labels are measured with the machine's CJK fonts."""

from __future__ import annotations

import re

from markupsafe import Markup

from credence import i18n
from credence.web.charts import Column, bar_chart, cell, time_chart
from credence.web.templating import templates

ROWS = [
    {"department": "国家市场监督管理总局", "records": 12000},
    {"department": "MEE", "records": 3},
]


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_a_bar_chart_is_inline_svg_with_axes_title_and_its_rows() -> None:
    chart = bar_chart(
        "by-department",
        title="Records by department",
        description="Published records per department.",
        rows=ROWS,
        category=Column("department", "Department"),
        value=Column("records", "Records", "number"),
    )
    svg = str(chart.svg)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg
    assert '<title id="by-department-title">Records by department</title>' in svg
    assert '<desc id="by-department-desc">Published records per department.</desc>' in svg
    labels = texts(svg)
    assert "Department" in labels and "Records" in labels  # the axis titles
    assert "国家市场监督管理总局" in labels and "MEE" in labels  # the category labels
    assert "12,000" in labels  # a tick, with thousands separators
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/", "")
    assert chart.twin()["rows"] == ROWS
    assert [c["key"] for c in chart.twin()["columns"]] == ["department", "records"]


def test_chinese_labels_are_measured_with_a_cjk_font() -> None:
    """Ten Chinese characters at 11 px need some 110 px: with no CJK font they would be measured as
    nothing, and the bars would be drawn over the labels."""
    chart = bar_chart(
        "cjk",
        title="t",
        description="d",
        rows=ROWS,
        category=Column("department", "部门"),
        value=Column("records", "记录", "number"),
    )
    found = re.search(r'<g[^>]*transform="translate\(([\d.]+),', str(chart.svg))
    assert found is not None
    left = float(found.group(1))
    assert left >= 110


def test_a_time_chart_reads_its_months_in_the_request_language() -> None:
    rows = [
        {"month": "2026-01-01", "department": "SAMR", "records": 4},
        {"month": "2026-02-01", "department": "SAMR", "records": 6},
        {"month": "2026-01-01", "department": "MEE", "records": 1},
    ]
    args = dict(
        title="Records per month",
        description="d",
        rows=rows,
        month=Column("month", "Month", "month"),
        value=Column("records", "Records", "number"),
        series=Column("department", "Department"),
    )
    english = texts(str(time_chart("per-month", **args).svg))  # type: ignore[arg-type]
    assert "Jan 2026" in english and "Month" in english and "SAMR" in english
    with i18n.language("zh"):
        chinese = time_chart("per-month", **{**args, "month": Column("month", "月份", "month")})  # type: ignore[arg-type]
        assert "2026年1月" in texts(str(chinese.svg)) and "月份" in texts(str(chinese.svg))
        assert chinese.cell(rows[1], chinese.columns[0]) == "2026年2月"
        assert cell(12000, "number") == "12,000"
    assert [c.key for c in chinese.columns] == ["month", "department", "records"]


def test_two_charts_on_one_page_keep_their_ids_apart_and_the_table_follows() -> None:
    first = bar_chart(
        "a",
        title="A",
        description="d",
        rows=ROWS,
        category=Column("department", "D"),
        value=Column("records", "R", "number"),
    )
    second = bar_chart(
        "b",
        title="B",
        description="d",
        rows=ROWS,
        category=Column("department", "D"),
        value=Column("records", "R", "number"),
    )
    ids = re.findall(r'\bid="([^"]+)"', str(first.svg)) + re.findall(r'\bid="([^"]+)"', str(second.svg))
    assert len(ids) == len(set(ids))
    macro = templates().env.from_string('{% from "_chart.html" import chart %}{{ chart(c, twin="/x") }}')
    html = macro.render(c=first)
    assert isinstance(first.svg, Markup) and "<svg" in html and "&lt;svg" not in html
    assert re.search(r"<th scope=\"row\">国家市场监督管理总局</th>\s*<td class=\"num\">12,000</td>", html)
    assert 'href="/x"' in html
