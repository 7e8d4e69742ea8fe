"""Each subject's forms kept in the store: prepared once, read back as the very table a fresh preparation
gives, prepared again when the subject or the preparation changes, and never trusted when unreadable."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from test_forms import _subjects
from test_service import AUTO, IDB, REVIEW, WB, ingest

from credence.store.models import SubjectForms
from credence.subjects import forms
from credence.subjects.candidates import candidates
from credence.subjects.forms import Candidate, digest, lines, table, table_of
from credence.subjects.prepared import prepared
from credence.subjects.service import LinkService

from helpers import listing


def _kept(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(SubjectForms.organisation_id, SubjectForms.forms)).all())  # type: ignore[arg-type]


def test_lines_read_back_as_the_table_prepared_directly() -> None:
    subjects = _subjects(40)
    kept = lines(subjects)
    assert table_of([s.id for s in subjects], kept).equals(table(subjects))
    assert '"chinese":"北京某某建设"' in kept[0]  # readable in the store, and no field is null
    assert "null" not in "".join(kept)
    assert table_of([], []).equals(table([]))


def test_several_processes_prepare_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    subjects = _subjects(150)
    alone = lines(subjects, processes=1)
    monkeypatch.setattr(forms, "PARALLEL_FROM", 100)
    assert lines(subjects, processes=2) == alone


def test_lines_and_ids_must_agree() -> None:
    kept = lines(_subjects(3))
    with pytest.raises(ValueError, match="2 ids for 3 subjects' forms"):
        table_of([0, 1], kept)


def test_the_digest_covers_every_field_but_the_id() -> None:
    base = Candidate(1, ("Acme Ltd",), "KE", "1 Main St")
    assert digest(base) == digest(Candidate(2, ("Acme Ltd",), "KE", "1 Main St"))
    for changed in (
        Candidate(1, ("Acme Ltd", "Acme"), "KE", "1 Main St"),
        Candidate(1, ("Acme Ltd",), "KE", "2 Main St"),
        Candidate(1, ("Acme Ltd",), "UG", "1 Main St"),
        Candidate(1, ("Acme Ltd",), "KE", "1 Main St", phone="+254 20 000 0000"),
        Candidate(1, ("Acme Ltd",), "KE", "1 Main St", registration="110108000000016"),
    ):
        assert digest(changed) != digest(base), changed


def _registry(service: Any, engine: Engine, tmp_path: Path) -> list[Candidate]:
    ingest(service, tmp_path, WB, "WB")
    ingest(service, tmp_path, IDB, "IDB")
    with engine.connect() as conn:
        return candidates(conn)


def test_forms_are_kept_once_and_read_back(service: Any, engine: Engine, tmp_path: Path) -> None:
    subjects = _registry(service, engine, tmp_path)
    with engine.begin() as conn:
        first = prepared(conn, subjects)
    assert first.equals(table(subjects))
    assert sorted(_kept(engine)) == sorted(s.id for s in subjects)
    # what is read next is what was kept: a kept row changed under a valid digest shows in the table
    victim = subjects[0]
    changed = lines([Candidate(victim.id, ("Other Name Holdings",), victim.country)])[0]
    with engine.begin() as conn:
        conn.execute(
            update(SubjectForms).where(SubjectForms.organisation_id == victim.id).values(forms=changed)
        )
        again = prepared(conn, subjects)
    assert again.column("name").to_pylist()[0] == "other name holdings"
    assert again.slice(1).equals(first.slice(1))


def test_a_changed_subject_is_prepared_again_and_replaced(
    service: Any, engine: Engine, tmp_path: Path
) -> None:
    subjects = _registry(service, engine, tmp_path)
    with engine.begin() as conn:
        prepared(conn, subjects)
    renamed = [
        Candidate(s.id, (*s.names, "Renamed Trading SARL"), s.country) if i == 2 else s
        for i, s in enumerate(subjects)
    ]
    with engine.begin() as conn:
        got = prepared(conn, renamed)
    assert got.equals(table(renamed))
    # in any order, kept and newly prepared subjects mixed, and a subset: the rows follow the subjects
    mixed = [*reversed(renamed[3:]), renamed[2], renamed[0]]
    with engine.begin() as conn:
        assert prepared(conn, mixed).equals(table(mixed))
    assert "renamed trading" in _kept(engine)[subjects[2].id]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SubjectForms)).scalar() == len(subjects)


def test_a_new_preparation_prepares_everything_again(
    service: Any, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subjects = _registry(service, engine, tmp_path)
    with engine.begin() as conn:
        prepared(conn, subjects)
    victim = subjects[0]
    wrong = lines([Candidate(victim.id, ("Other Name Holdings",), victim.country)])[0]
    with engine.begin() as conn:
        conn.execute(
            update(SubjectForms).where(SubjectForms.organisation_id == victim.id).values(forms=wrong)
        )
    monkeypatch.setattr(forms, "_version", lambda: b"another preparation")
    with engine.begin() as conn:
        assert prepared(conn, subjects).equals(table(subjects))  # the wrong row is not read
    assert _kept(engine)[victim.id] != wrong


def test_reading_only_keeps_nothing(service: Any, engine: Engine, tmp_path: Path) -> None:
    subjects = _registry(service, engine, tmp_path)
    with engine.begin() as conn:
        assert prepared(conn, subjects, keep=False).equals(table(subjects))
    assert _kept(engine) == {}


def test_unreadable_kept_forms_are_prepared_again(
    service: Any, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    subjects = _registry(service, engine, tmp_path)
    with engine.begin() as conn:
        prepared(conn, subjects)
        conn.execute(
            update(SubjectForms).where(SubjectForms.organisation_id == subjects[1].id).values(forms="{")
        )
    with caplog.at_level(logging.WARNING, logger="credence.subjects.prepared"), engine.begin() as conn:
        assert prepared(conn, subjects).equals(table(subjects))
    assert "kept forms could not be read" in caplog.text
    assert _kept(engine)[subjects[1].id] != "{"


def test_linkage_keeps_the_forms_and_links_each_ingest_from_them(
    service: Any, engine: Engine, clock: Any, tmp_path: Path
) -> None:
    links = LinkService(engine, clock, auto=AUTO, review=REVIEW)
    ingest(service, tmp_path, WB, "WB")
    links.resolve()
    first = _kept(engine)
    added = ingest(service, tmp_path, IDB, "IDB")
    new = [i for i in added if i not in first]
    report = links.resolve(new)
    kept = _kept(engine)
    assert sorted(kept) == sorted([*first, *new])
    assert all(
        kept[i] == forms_ for i, forms_ in first.items()
    )  # the earlier subjects were not prepared again
    assert report.joined == 1  # the bilingual food company, as test_service finds it
    whole = links.resolve()
    assert (whole.joined, whole.withdrawn) == (0, 0), whole


def test_a_listing_with_a_new_address_is_compared_with_it(
    service: Any, engine: Engine, clock: Any, tmp_path: Path
) -> None:
    """A subject's forms follow its records: a later record giving an address makes new forms."""
    links = LinkService(engine, clock, auto=AUTO, review=REVIEW)
    ingest(service, tmp_path, [listing("A-1", "Lakeside Paving Ltd", "KE")], "WB")
    links.resolve()
    (before,) = _kept(engine).values()
    ingest(
        service,
        tmp_path,
        [listing("A-2", "Lakeside Paving Ltd", "KE", subject_address="12 Moi Avenue, Nairobi")],
        "WB",
    )
    links.resolve()
    (after,) = _kept(engine).values()
    assert "moi" not in before and "moi" in after
