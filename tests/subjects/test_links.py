"""Links are judgements, never rewrites: appended, logged, reversible. The files follow from the latest
judgement on each pair; a split restores both files exactly; the model alone never brings a record into an
identified organisation's file; two identifiers of one scheme are never one file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, insert, select

from credence.log.events import flush
from credence.store.models import LogEntry, Organisation, SubjectLink
from credence.subjects import clusters
from credence.subjects.links import Judgement, LinkRefused, current, judge

from helpers import USCC_A, USCC_B, counts

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
# (key, scheme, code): two identified organisations and four subjects without an identifier.
SUBJECTS = [
    (f"uscc:{USCC_A}", "uscc", USCC_A),
    (f"uscc:{USCC_B}", "uscc", USCC_B),
    ("unresolved:a", "unresolved", None),
    ("unresolved:b", "unresolved", None),
    ("unresolved:c", "unresolved", None),
    ("unresolved:d", "unresolved", None),
]


def add_subjects(conn: Connection) -> list[int]:
    ids = []
    for key, scheme, code in SUBJECTS:
        values = dict(key=key, scheme=scheme, code=code, name=key, never_public=False, created_at=AT)
        ids.append(
            conn.execute(insert(Organisation).values(**values).returning(Organisation.id)).scalar_one()
        )
    return ids


@pytest.fixture
def subjects(engine: Engine) -> list[int]:
    with engine.begin() as conn:
        return add_subjects(conn)


def take(engine: Engine, j: Judgement) -> object:
    with engine.begin() as conn:
        judged = judge(conn, j, AT)
        flush(conn, AT)
        return judged


def files(conn: Connection) -> dict[int, int | None]:
    return dict(conn.execute(select(Organisation.id, Organisation.file_id)).all())  # type: ignore[arg-type]


def model(a: int, b: int, judgement: str = "same") -> Judgement:
    return Judgement(a, b, judgement, "model", "model 2026-12", "probability 0.998", probability=0.998)


def clerk(a: int, b: int, judgement: str, reason: str = "checked the registration documents") -> Judgement:
    return Judgement(a, b, judgement, "clerk", "SAMR clerk Li", reason, department="SAMR")


def test_the_model_joins_two_subjects_without_identifiers_and_a_split_restores_both(
    engine: Engine, subjects: list[int]
) -> None:
    _, _, a, b, _, _ = subjects
    take(engine, model(b, a))
    with engine.connect() as conn:
        assert clusters.members(conn, b) == [a, b] and clusters.file_head(conn, b) == a
        assert files(conn)[b] == a and files(conn)[a] is None
    take(engine, clerk(a, b, "not_same", "two firms of the same name in different cities"))
    with engine.connect() as conn:
        assert clusters.members(conn, b) == [b] and clusters.members(conn, a) == [a]
        assert set(files(conn).values()) == {None}
        kinds = conn.execute(select(LogEntry.kind, LogEntry.ref).order_by(LogEntry.idx)).all()
        rows = conn.execute(select(SubjectLink.judgement).order_by(SubjectLink.id)).scalars().all()
    assert [k for k, _ in kinds].count("link.judged") == 2
    assert rows == ["same", "not_same"]  # appended: the first judgement is still there


def test_the_model_alone_never_joins_an_identified_organisation_a_clerk_does(
    engine: Engine, subjects: list[int]
) -> None:
    uscc_a, _, a, _, _, _ = subjects
    take(engine, model(uscc_a, a))
    with engine.connect() as conn:
        assert clusters.members(conn, uscc_a) == [uscc_a]  # waits for a clerk
    take(engine, clerk(uscc_a, a, "same"))
    with engine.connect() as conn:
        assert clusters.members(conn, a) == [uscc_a, a]  # the identified subject heads the file
    take(engine, clerk(uscc_a, a, "unsure", "the address differs"))
    with engine.connect() as conn:
        assert clusters.members(conn, a) == [a]


def test_two_identifiers_of_one_scheme_are_never_one_file(engine: Engine, subjects: list[int]) -> None:
    uscc_a, uscc_b, a, _, _, _ = subjects
    take(engine, clerk(uscc_a, a, "same"))
    before = counts(engine)
    with pytest.raises(LinkRefused, match=f"uscc:{USCC_A} and uscc:{USCC_B} are two organisations"):
        take(engine, clerk(uscc_b, a, "same"))  # through a, uscc_b would join uscc_a
    with pytest.raises(LinkRefused, match="two organisations"):
        take(engine, clerk(uscc_a, uscc_b, "same"))
    assert counts(engine) == before
    take(engine, clerk(uscc_b, a, "not_same", "another firm"))  # saying so is always allowed


@pytest.mark.parametrize(
    ("judgement", "words"),
    [
        (Judgement(1, 1, "same", "clerk", "x", "y", department="SAMR"), "cannot be linked to itself"),
        (
            Judgement(1, 2, "maybe", "clerk", "x", "y", department="SAMR"),
            "judgement 'maybe' is not one of same, not_same, unsure",
        ),
        (Judgement(1, 2, "same", "guess", "x", "y", department="SAMR"), "basis 'guess' is not one of"),
        (Judgement(1, 2, "same", "clerk", " ", "y", department="SAMR"), "names who made it"),
        (Judgement(1, 2, "same", "clerk", "x", " ", department="SAMR"), "a clerk's judgement gives a reason"),
        (Judgement(1, 999, "same", "clerk", "x", "y", department="SAMR"), "no subject 999"),
        (Judgement(1, 2, "same", "clerk", "x", "y"), "names the clerk's department"),
    ],
)
def test_bad_judgements_are_refused_saying_why_and_change_nothing(
    engine: Engine, subjects: list[int], judgement: Judgement, words: str
) -> None:
    before = counts(engine)
    with pytest.raises(LinkRefused, match=words):
        take(engine, judgement)
    assert counts(engine) == before


# -- the property: a split restores every file; refreshing as you go equals rebuilding whole -----------

STEPS = st.lists(
    st.tuples(
        st.integers(0, len(SUBJECTS) - 1),
        st.integers(0, len(SUBJECTS) - 1),
        st.sampled_from(["same", "not_same", "unsure"]),
        st.sampled_from(["model", "clerk", "identifier:uscc"]),
    ),
    max_size=12,
)


@given(history=STEPS, pair=st.tuples(st.integers(0, 5), st.integers(0, 5)))
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_a_split_restores_both_files_exactly_and_incremental_equals_whole(
    engine: Engine, history: list[tuple[int, int, str, str]], pair: tuple[int, int]
) -> None:
    with engine.connect() as conn:  # one store per example: rolled back after it
        outer = conn.begin()
        try:
            split_and_rebuild(conn, history, pair)
        finally:
            conn.info.pop("credence.log.pending", None)  # the events noted, never flushed: rolled back
            outer.rollback()


def split_and_rebuild(
    conn: Connection, history: list[tuple[int, int, str, str]], pair: tuple[int, int]
) -> None:
    ids = add_subjects(conn)
    for left, right, judgement, basis in history:
        if left == right:
            continue
        try:
            with conn.begin_nested():
                judge(
                    conn, Judgement(ids[left], ids[right], judgement, basis, "a", "r", department="SAMR"), AT
                )
        except LinkRefused:
            pass
    as_went = files(conn)
    assert clusters.rebuild(conn) == {}, "refreshing as judgements came differs from rebuilding"
    assert files(conn) == as_went
    left, right = ids[pair[0]], ids[pair[1]]
    if left == right:
        return
    held = _holds(conn, left, right)
    try:
        with conn.begin_nested():
            judge(conn, Judgement(left, right, "same", "clerk", "a", "join", department="SAMR"), AT)
    except LinkRefused:
        return  # two identifiers of one scheme: nothing to split
    assert clusters.file_head(conn, left) == clusters.file_head(conn, right)
    judge(conn, Judgement(left, right, "not_same", "clerk", "a", "split", department="SAMR"), AT)
    if not held:  # the pair joined nothing before: every file is back as it was
        assert files(conn) == as_went
    assert clusters.rebuild(conn) == {}


def _holds(conn: Connection, left: int, right: int) -> bool:
    """Whether the pair's latest judgement joins it now."""
    link = current(conn, left, right)
    if link is None:
        return False
    schemes = dict(conn.execute(select(Organisation.id, Organisation.scheme)).all())
    return clusters.holds(link.judgement, link.basis, schemes[link.left_id], schemes[link.right_id])
