"""Resolution as the registry runs it, on real ingests: the model's pairs become judgements; firms without
an identifier listed by two banks under variant names end in one file; a listing that looks like an
identified organisation waits for a clerk; running again changes nothing; linking each ingest as it comes
gives the same files as re-resolving the whole registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from credence.settings import Settings
from credence.store.models import Organisation, SubjectLink
from credence.subjects import clusters
from credence.subjects.service import LinkService

from helpers import USCC_A, collect, listing, row, write_csv

SETTINGS = Settings()
AUTO, REVIEW = SETTINGS.link_auto_threshold, SETTINGS.link_review_threshold  # the defaults


def debarment(n: int, name: str, country: str, **extra: Any) -> dict[str, Any]:
    return listing(f"D-{n}", name, country, **extra)


BILINGUAL = "Beijing Example Food Co., Ltd. (北京某某食品有限公司)"
WB = [
    debarment(1, "Acme Construction Company Limited", "KE"),
    debarment(2, "Sunrise Engineering S.A.", "PE"),
    debarment(3, BILINGUAL, "CN"),
]
IDB = [
    debarment(11, "ACME CONSTRUCTION CO. LTD", "ke"),
    debarment(12, "Sunrise Engineering SA", "PE"),
    debarment(13, "Totally Different Holdings GmbH", "DE"),
    debarment(14, "BEIJING EXAMPLE FOOD COMPANY LIMITED 北京某某食品有限公司", "cn"),
]


@pytest.fixture
def links(engine: Engine, clock: Any) -> LinkService:
    return LinkService(engine, clock, auto=AUTO, review=REVIEW)


def ingest(service: Any, tmp_path: Path, rows: list[dict[str, Any]], department: str) -> list[int]:
    """Ingest rows; the ids of the subjects they are about."""
    result, rejections = collect(service, write_csv(tmp_path / f"{department}.csv", rows), department)
    assert rejections == [], rejections
    with service.engine.connect() as conn:
        names = [r["subject_name"] for r in rows]
        found = conn.execute(select(Organisation.id, Organisation.name)).all()
    return sorted({i for i, name in found if name in names})


def files(engine: Engine) -> dict[int, int | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Organisation.id, Organisation.file_id)).all())  # type: ignore[arg-type]


def test_the_model_joins_what_it_is_sure_of_queues_the_rest_and_again_changes_nothing(
    service: Any, engine: Engine, links: LinkService, tmp_path: Path
) -> None:
    """A firm both banks list in Latin and Chinese script is joined by the model; the same Latin name in
    other words (Co. Ltd. for Company Limited, S.A. for SA) is found, but waits for a clerk."""
    ingest(service, tmp_path, WB, "WB")
    ingest(service, tmp_path, IDB, "IDB")
    report = links.resolve()
    assert (report.joined, report.queued) == (1, 2), report
    with engine.connect() as conn:
        by_name = dict(conn.execute(select(Organisation.name, Organisation.id)).all())
        food = clusters.members(conn, by_name[BILINGUAL])
        acme = clusters.members(conn, by_name["ACME CONSTRUCTION CO. LTD"])
        alone = clusters.members(conn, by_name["Totally Different Holdings GmbH"])
        judged = conn.execute(select(SubjectLink.judgement, SubjectLink.probability)).all()
    assert len(food) == 2 and len(acme) == 1 and len(alone) == 1
    assert sorted(j for j, _ in judged) == ["same", "unsure", "unsure"]
    assert all(p >= AUTO for j, p in judged if j == "same") and all(
        REVIEW <= p < AUTO for j, p in judged if j == "unsure"
    )
    waiting = {frozenset((w.left_key, w.right_key)) for w in links.queue()}
    assert len(waiting) == 2
    before = files(engine)
    again = links.resolve()
    assert (again.joined, again.queued, again.withdrawn, again.judgements) == (0, 0, 0, [])
    assert files(engine) == before


def test_the_model_never_joins_an_identified_organisation_alone_a_clerk_does(
    service: Any, engine: Engine, links: LinkService, tmp_path: Path
) -> None:
    identified = row(1, subject_name="Beijing Example Food Co., Ltd.", subject_country="CN")
    assert identified["subject_id"] == USCC_A
    ingest(service, tmp_path, [identified], "SAMR")
    ingest(service, tmp_path, WB, "WB")
    links.resolve()
    with engine.connect() as conn:
        by_name = dict(conn.execute(select(Organisation.key, Organisation.id)).all())
        uscc = by_name[f"uscc:{USCC_A}"]
        assert clusters.members(conn, uscc) == [uscc]
    waiting = links.queue()
    assert any(uscc in (w.link.left_id, w.link.right_id) for w in waiting), waiting
    pair = next(w.link for w in waiting if uscc in (w.link.left_id, w.link.right_id))
    links.judge(
        pair.left_id, pair.right_id, "same", "SAMR", "SAMR clerk Li", "the bank's notice gives this USCC"
    )
    with engine.connect() as conn:
        assert len(clusters.members(conn, uscc)) == 2
    assert all(uscc not in (w.link.left_id, w.link.right_id) for w in links.queue())


def test_linking_each_ingest_gives_the_files_of_re_resolving_the_whole(
    service: Any, engine: Engine, links: LinkService, tmp_path: Path
) -> None:
    first = ingest(service, tmp_path, WB, "WB")
    links.resolve(first)
    second = ingest(service, tmp_path, IDB, "IDB")
    links.resolve([i for i in second if i not in first])
    as_they_came = files(engine)
    assert any(f is not None for f in as_they_came.values())
    whole = links.resolve()
    assert (whole.joined, whole.withdrawn) == (0, 0), whole
    assert files(engine) == as_they_came


def test_a_file_is_rated_whole_and_a_split_restores_each_rating(
    service: Any, engine: Engine, links: LinkService, tmp_path: Path, catalog: Any, clock: Any, settings: Any
) -> None:
    """A debarment listed under a subject without an identifier reaches the identified organisation's grade
    once a clerk joins them, and leaves it when the clerk splits them: each grade is what it was."""
    from credence.rating.policy import load_policy
    from credence.rating.service import RatingService

    from helpers import notice_all

    identified = row(1, subject_name="Beijing Example Food Co., Ltd.", severity="minor", subject_country="CN")
    ingest(service, tmp_path, [identified], "SAMR")
    listed = ingest(service, tmp_path, [debarment(3, "Beijing Example Food Co., Ltd.", "CN")], "WB")
    notice_all(engine, service)
    # Policy 2026.1, which counts a development bank's debarment: since 2026.2 no record without an
    # identifier counts in a grade (a decision abroad has effect only in its own domain, issue 15).
    rating = RatingService(engine, catalog, load_policy(catalog, "2026.1"), clock, settings)
    rating.rate()
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Organisation.key, Organisation.id)).all())
        uscc = ids[f"uscc:{USCC_A}"]
        (other,) = [i for i in listed if i != uscc]

    def explained(i: int) -> tuple[int, list[int]]:
        with engine.connect() as conn:
            org = conn.execute(select(Organisation).where(Organisation.id == i)).one()
        found = rating.explain_row(org, with_history=False).rating
        return found.score, sorted(c.record_id for c in found.reasons)

    alone = explained(uscc)
    judged = links.judge(uscc, other, "same", "SAMR", "SAMR clerk Li", "the bank's notice gives this USCC")
    rating.rate(sorted({uscc, other, *judged.changed}))
    together = explained(uscc)
    assert together[0] < alone[0] and len(together[1]) == len(alone[1]) + 1
    assert explained(other) == together  # a member's file is its head's
    links.judge(uscc, other, "not_same", "SAMR", "SAMR clerk Li", "another firm of that name")
    rating.rate(sorted({uscc, other}))
    assert explained(uscc) == alone
