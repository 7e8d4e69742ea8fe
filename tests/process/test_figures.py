"""Each department measured as a decision-maker: objections answered in time (over those answered, lapsed
or overdue; those not yet due are pending), the correction rate, repair decisions in time, records
published; every catalog department listed, "—" where nothing counts."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from credence.cli.context import console
from credence.cli.main import app
from credence.process.figures import DepartmentFigures, department_figures, percent

from helpers import row, write_csv
from process_steps import ORG, published

SAMR = [row(n, severity="serious", decided_on="2026-06-01") for n in range(1, 7)]
# Old enough to be repaired: a serious penalty's minimum publication period is a year.
MEE = [row(n, severity="serious", decided_on="2025-06-01") for n in range(11, 16)]


def figures_of(process, today: date) -> dict[str, DepartmentFigures]:
    with process.engine.connect() as conn:
        return {f.code: f for f in department_figures(conn, process.catalog, today)}


def object_to(process, n: int, filed_by: str = ORG):
    return process.object("SAMR", f"XZCF-2026-{n:04}", ground="content", statement="wrong", filed_by=filed_by)


def answer(process, objection, outcome: str, **corrections: str):
    return process.answer_objection(
        objection.id,
        department="SAMR",
        outcome=outcome,
        actor="SAMR review office",
        reason="reviewed",
        corrections=corrections or None,
    )


def apply(process, n: int):
    return process.apply_repair(
        "MEE", f"XZCF-2026-{n:04}", evidence="fine paid", commitment="we comply", applied_by=ORG
    )


def decide(process, repair, approve: bool):
    return process.decide_repair(repair.id, department="MEE", approve=approve, actor="MEE", reason="checked")


def a_month_of_decisions(process, clock, tmp_path: Path) -> None:
    """SAMR answers six objections and MEE five repair applications, from Wednesday 25 November 2026 to
    Saturday 26 December (objections filed on the 25th are due on 25 December; repairs applied on the
    25th are to be decided by Monday 30 November)."""
    published(process, *SAMR, tmp_path=tmp_path)
    published(process, *MEE, tmp_path=tmp_path, department="MEE")
    corrected = object_to(process, 1)
    answer(process, corrected, "corrected", severity="general")  # day 0: in time
    upheld, late = object_to(process, 2), object_to(process, 4)
    object_to(process, 3)  # never answered: it lapses
    extended = object_to(process, 6)
    assert process.extend_objection(extended.id, new_information="receipts", filed_by=ORG).due_on == date(
        2027, 1, 9
    )
    approved = apply(process, 11)
    decide(process, approved, approve=True)  # day 0: in time
    refused, approved_late = apply(process, 12), apply(process, 13)
    apply(process, 15)  # never decided: overdue from 1 December
    assert refused.decide_by == date(2026, 11, 30)

    clock.advance(timedelta(days=5))  # Monday 30 November: the decision day itself is in time
    decide(process, refused, approve=False)
    clock.advance(timedelta(days=1))  # 1 December: a day late
    decide(process, approved_late, approve=True)
    clock.advance(timedelta(days=9))
    # 10 December, due 9 January. Filed by another department, answered (and counted) by SAMR.
    object_to(process, 5, filed_by="department:MEE")
    clock.advance(timedelta(days=15))
    answer(process, upheld, "upheld")  # 25 December: the due day itself is in time
    clock.advance(timedelta(days=1))  # Saturday 26 December
    assert answer(process, late, "withdrawn").decided_on == date(2026, 12, 26)  # a day late, before the tick
    answer(process, extended, "upheld")  # past the first due day, in time with the extension
    result = process.tick()
    assert (result.objections_lapsed, result.repairs_overdue) == (1, 1)
    pending = apply(process, 14)
    assert pending.decide_by == date(2026, 12, 30)
    # Stored but awaiting notice: not published, so not counted.
    process.ingest.ingest_file(write_csv(tmp_path / "unnoticed.csv", [row(7)]), "SAMR")


def test_each_department_is_measured_by_its_deadlines(process, clock, tmp_path: Path) -> None:
    a_month_of_decisions(process, clock, tmp_path)
    figures = figures_of(process, date(2026, 12, 26))
    assert list(figures) == list(process.catalog.departments)
    samr, mee, sta = figures["SAMR"], figures["MEE"], figures["STA"]
    assert samr == DepartmentFigures(
        code="SAMR",
        name="State Administration for Market Regulation",
        name_zh="国家市场监督管理总局",
        records_published=6,
        objections_received=6,
        objections_pending=1,
        objections_answered=4,
        objections_answered_in_time=3,
        objections_corrected_or_withdrawn=2,
        objections_lapsed=1,
        objections_overdue=0,
    )
    assert (samr.objections_measured, samr.objections_in_time_rate, samr.correction_rate) == (5, 0.6, 0.5)
    assert (samr.repairs_measured, samr.repairs_in_time_rate) == (0, None)
    assert mee == dataclasses.replace(
        DepartmentFigures(code="MEE", name="Ministry of Ecology and Environment", name_zh="生态环境部"),
        records_published=5,
        repairs_received=5,
        repairs_pending=1,
        repairs_decided=3,
        repairs_decided_in_time=2,
        repairs_overdue=1,
    )
    assert (mee.repairs_measured, mee.repairs_in_time_rate) == (4, 0.5)
    assert (mee.objections_in_time_rate, mee.correction_rate) == (None, None)
    # A department with nothing to count is listed, with zeros and no rates.
    assert sta == DepartmentFigures(code="STA", name="State Taxation Administration", name_zh="国家税务总局")
    assert (sta.objections_in_time_rate, sta.correction_rate, sta.repairs_in_time_rate) == (None, None, None)
    assert [percent(r) for r in (samr.objections_in_time_rate, mee.repairs_in_time_rate, None)] == [
        "60%",
        "50%",
        "—",
    ]


def test_what_is_not_yet_due_is_pending_and_what_is_past_due_counts_against(
    process, clock, tmp_path: Path
) -> None:
    a_month_of_decisions(process, clock, tmp_path)
    # 10 January 2027, before any tick: the open objection (due 9 January) and the repair application
    # (to be decided by 30 December) are overdue now, and count as not in time.
    figures = figures_of(process, date(2027, 1, 10))
    samr, mee = figures["SAMR"], figures["MEE"]
    assert (samr.objections_pending, samr.objections_overdue, samr.objections_measured) == (0, 1, 6)
    assert (samr.objections_in_time_rate, samr.correction_rate) == (0.5, 0.5)
    assert (mee.repairs_pending, mee.repairs_overdue, mee.repairs_measured) == (0, 2, 5)
    assert mee.repairs_in_time_rate == 0.4
    # A due day itself is still in time: the objection due on 9 January and the application to be
    # decided by 30 November are pending on that day, overdue the day after.
    assert figures_of(process, date(2027, 1, 9))["SAMR"].objections_pending == 1
    on_the_day = figures_of(process, date(2026, 11, 30))["MEE"]
    assert (on_the_day.repairs_pending, on_the_day.repairs_overdue, on_the_day.repairs_measured) == (2, 0, 3)
    day_after = figures_of(process, date(2026, 12, 1))["MEE"]
    assert (day_after.repairs_pending, day_after.repairs_overdue, day_after.repairs_measured) == (1, 1, 4)


def test_a_department_the_catalog_no_longer_names_is_still_counted(process, tmp_path: Path) -> None:
    published(process, *MEE, tmp_path=tmp_path, department="MEE")
    apply(process, 11)
    without_mee = dataclasses.replace(
        process.catalog, departments={k: v for k, v in process.catalog.departments.items() if k != "MEE"}
    )
    with process.engine.connect() as conn:
        figures = department_figures(conn, without_mee, date(2026, 11, 25))
    assert [f.code for f in figures] == [*without_mee.departments, "MEE"]
    assert figures[-1] == DepartmentFigures(
        code="MEE", name="MEE", name_zh=None, records_published=5, repairs_received=1, repairs_pending=1
    )


def test_the_command_prints_the_figures(process, store_url: str, tmp_path: Path, monkeypatch) -> None:
    published(process, *SAMR[:2], tmp_path=tmp_path)
    answer(process, object_to(process, 1), "corrected", severity="general")
    answer(process, object_to(process, 2), "upheld")
    monkeypatch.setattr(console, "width", 250)  # one line per department
    result = CliRunner().invoke(app, ["departments", "figures"], env={"CREDENCE_DATABASE_URL": store_url})
    assert result.exit_code == 0, result.output
    rows = {
        cells[0]: cells
        for line in result.stdout.splitlines()
        if (cells := [cell.strip() for cell in line.split("│")[1:-1]])
    }
    assert set(process.catalog.departments) <= set(rows)
    # Answered on the day they were filed: in time, whatever day the command runs.
    assert rows["SAMR"] == ["SAMR", "2", "2", "0", "100% (2/2)", "0", "50% (1/2)", "0", "0", "—", "0"]
    assert rows["STA"] == ["STA", "0", "0", "0", "—", "0", "—", "0", "0", "—", "0"]
