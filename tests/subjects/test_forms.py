"""The model's input table: the same whether one process prepares it or several, and whatever a worker
does."""

from __future__ import annotations

import logging
import sys

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pytest

from credence.subjects import forms
from credence.subjects.forms import Candidate, table

NAMES = [
    "ACME Construction Co., Ltd. (北京某某建设有限公司)",
    "Hebei Construction Group No. 6 Branch",
    "河北建设集团有限公司第一分公司",
    "Société Générale S.A.",
    "“ACME” CONSTRUCTION COMPANY LIMITED",
]


def _subjects(n: int) -> list[Candidate]:
    return [
        Candidate(
            id=i,
            names=(f"{NAMES[i % len(NAMES)]} {i}",) + ((NAMES[(i + 1) % len(NAMES)],) if i % 3 == 0 else ()),
            country=["cn", "UK", None][i % 3],
            city=f"{i % 97} Zhongshan Road, Room {i}" if i % 2 else None,
            uscc="91110000802100433B" if i == 7 else None,
            postcode="60616-1234" if i % 5 == 0 else None,
            phone=f"+86 10 {i:08d}" if i % 4 == 0 else None,
        )
        for i in range(n)
    ]


def _both(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    n: int,
    processes: int,
    executable: str | None = None,
) -> tuple[pa.Table, pa.Table]:
    """The table of n subjects prepared by `processes` processes (workers started with `executable`, or
    this interpreter), and by this process alone."""
    subjects = _subjects(n)
    alone = table(subjects, processes=1)
    monkeypatch.setattr(forms, "PARALLEL_FROM", 100)
    if executable is not None:
        monkeypatch.setattr(sys, "executable", executable)
    with caplog.at_level(logging.WARNING, logger="credence.subjects.forms"):
        return table(subjects, processes=processes), alone


def test_several_processes_prepare_the_same_table(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shared, alone = _both(monkeypatch, caplog, 300, 3)  # this process and two workers, a third each
    assert "preparing subjects in this process" not in caplog.text  # both workers gave their part
    assert shared.equals(alone)
    assert shared.column("unique_id").to_pylist() == list(range(300))
    assert shared.column("country").to_pylist()[:3] == ["CN", "GB", None]


def test_a_failed_worker_leaves_its_part_to_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shared, alone = _both(monkeypatch, caplog, 120, 2, "/bin/false")  # exits at once, reading nothing
    assert shared.equals(alone)
    assert "the worker failed" in caplog.text


def test_a_worker_that_cannot_start_leaves_its_part_to_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shared, alone = _both(monkeypatch, caplog, 120, 2, "/nonexistent/python")
    assert shared.equals(alone)
    assert "no worker" in caplog.text


def test_a_subject_twice_is_refused_before_any_worker_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    subjects = _subjects(150)
    monkeypatch.setattr(forms, "PARALLEL_FROM", 100)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with pytest.raises(ValueError, match="subject id 3 appears twice"):
        table([*subjects, subjects[3]], processes=2)
