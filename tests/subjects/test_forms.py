"""The model's input table: the same whether one process prepares it or several, and whatever a worker
does."""

from __future__ import annotations

import logging
import sys

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


def test_several_processes_prepare_the_same_table(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    subjects = _subjects(300)
    alone = table(subjects, processes=1)
    monkeypatch.setattr(forms, "PARALLEL_FROM", 100)
    with caplog.at_level(logging.WARNING, logger="credence.subjects.forms"):
        shared = table(subjects, processes=3)  # this process and two workers, a third of the subjects each
    assert "preparing subjects in this process" not in caplog.text  # both workers gave their part
    assert shared.equals(alone)
    assert shared.column("unique_id").to_pylist() == list(range(300))
    assert shared.column("country").to_pylist()[:3] == ["CN", "GB", None]


def test_a_failed_worker_leaves_its_part_to_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    subjects = _subjects(120)
    alone = table(subjects, processes=1)
    monkeypatch.setattr(forms, "PARALLEL_FROM", 100)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the worker exits at once, reading nothing
    with caplog.at_level(logging.WARNING, logger="credence.subjects.forms"):
        shared = table(subjects, processes=2)
    assert shared.equals(alone)
    assert "the worker failed" in caplog.text


def test_a_worker_that_cannot_start_leaves_its_part_to_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    subjects = _subjects(120)
    alone = table(subjects, processes=1)
    monkeypatch.setattr(forms, "PARALLEL_FROM", 100)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with caplog.at_level(logging.WARNING, logger="credence.subjects.forms"):
        shared = table(subjects, processes=2)
    assert shared.equals(alone)
    assert "no worker" in caplog.text


def test_a_subject_twice_is_refused_before_any_worker_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    subjects = _subjects(150)
    monkeypatch.setattr(forms, "PARALLEL_FROM", 100)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with pytest.raises(ValueError, match="subject id 3 appears twice"):
        table([*subjects, subjects[3]], processes=2)
