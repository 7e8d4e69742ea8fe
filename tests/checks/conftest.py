"""Fixtures of the screening tests (issue 14, "Screening by name"): the populated store's A and B, A with an
English name beside its Chinese one and an abnormal-operation entry (restricted in public procurement), a
development bank's listing without a code (Kenya), and a sole proprietor, whose file is never public.
The thresholds are the link settings, set here so that the clear cases stay clear: the same names in two
scripts with the country are a match, one Latin name with the country a possible match."""

from __future__ import annotations

from typing import Any

import pytest

from credence.identity import build_uscc
from credence.process import notices
from credence.settings import Settings

from helpers import USCC_A, process_for, row, write_csv

AUTO, REVIEW = 0.99, 0.5
A_LATIN = "Beijing Example Foods Co., Ltd."
A_CHINESE = "北京某某食品有限公司"
B_NAME = "Shenzhen Example Electronics Co. Ltd."
KENYA = "Nairobi Roads Builders Limited"
SOLE = build_uscc("92", "530100", "WR9G5XEA")  # a sole proprietor in Kunming
SOLE_NAME = "Kunming Jiahe Building Materials Trading Co., Ltd."


@pytest.fixture
def settings(store_url: str) -> Settings:
    return Settings(
        database_url=store_url,
        ingest_chunk_rows=50,
        link_auto_threshold=AUTO,
        link_review_threshold=REVIEW,
    )


def deliver_all(engine: Any, process: Any) -> None:
    with engine.connect() as conn:
        pending = notices.outbox(conn, None, 0, 1000)
    for notice in pending:
        process.deliver_notice(notice.id, actor="clerk", channel="registered mail")


@pytest.fixture
def screened(populated, service, engine, tmp_path) -> dict[str, Any]:
    """The registry above, noticed and rated."""
    process = process_for(service)
    english = row(7, subject_alt_name=A_LATIN, decided_on="2026-07-01", summary="Mislabelled food.")
    service.ingest_file(write_csv(tmp_path / "samr-2.csv", [english]), "SAMR")
    listing = row(
        "WB-KE-1",
        category="development_bank_debarment",
        subject_id=None,
        subject_name=KENYA,
        subject_country="KE",
        severity=None,
        amount=None,
        currency=None,
        legal_basis="World Bank Sanctions Procedures",
        summary="Debarred for fraudulent practice.",
    )
    service.ingest_file(write_csv(tmp_path / "wb.csv", [listing]), "WB")
    sole = row(
        "SOLE-1", subject_id=SOLE, subject_name=SOLE_NAME, summary="Sold building materials below standard."
    )
    service.ingest_file(write_csv(tmp_path / "sole.csv", [sole]), "SAMR")
    deliver_all(engine, process)
    process.lists.enter(
        "SAMR",
        USCC_A,
        "unreachable",
        facts="Mail returned twice.",
        decision_ref="SAMR-AB-1",
        actor="SAMR clerk",
    )
    deliver_all(engine, process)
    process.rating.rate()
    return {"process": process}
