"""The three development-bank lists through the ordinary ingestion service (real data in ../shared/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from credence.records import repository as repo
from credence.sources.service import ingest_dataset

from conftest import shared_data
from helpers import counts

FILES = {
    "world_bank": "world_bank_listing_of_ineligible_firms_and_individuals.xlsx",
    "idb": "Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx",
    "ebrd": "european_bank_for_reconstruction_and_development_ineligible_firms.csv",
}

pytestmark = pytest.mark.realdata


def ingest(service, name: str):
    rejections = []
    result = ingest_dataset(service, shared_data("debarment", FILES[name]), name, on_reject=rejections.append)
    return result, rejections


def test_world_bank_list(service, engine) -> None:
    result, rejections = ingest(service, "world_bank")
    assert result.status == "complete"
    # Every rejection is a natural person, refused with its reason; every other row is kept.
    assert {r.reason for r in rejections} == {"natural_person"}
    assert result.rejected == len(rejections) == 284
    assert result.accepted + result.rejected == 1285
    with engine.connect() as conn:
        orgs = repo.organisations
        uscc_rows = conn.execute(
            select(func.count())
            .select_from(repo.records.join(orgs, repo.records.c.organisation_id == orgs.c.id))
            .where(orgs.c.scheme == "uscc")
        ).scalar_one()
        uscc_orgs = conn.execute(select(func.count()).where(orgs.c.scheme == "uscc")).scalar_one()
        twice = (
            conn.execute(
                select(repo.records.c.subject_name).where(
                    repo.records.c.organisation_id
                    == select(orgs.c.id).where(orgs.c.key == "uscc:91650106053190805E").scalar_subquery()
                )
            )
            .scalars()
            .all()
        )
        permanent = conn.execute(
            select(func.count()).where(repo.records.c.until_kind == "permanent")
        ).scalar_one()
    assert uscc_rows == 33  # the 33 rows that carry a USCC are linked to that code
    assert uscc_orgs == 32  # one code appears under two English names: one organisation
    assert len(set(twice)) == 2
    assert permanent > 0


def test_rows_with_a_uscc_keep_the_chinese_legal_name(service, engine) -> None:
    ingest(service, "world_bank")
    with engine.connect() as conn:
        org = conn.execute(
            select(repo.organisations).where(repo.organisations.c.code == "91654202798170403M")
        ).one()
    assert (org.kind, org.country, org.alt_name) == ("enterprise", "CN", "新疆天山路桥有限责任公司")


def test_idb_list_refuses_individuals(service, engine) -> None:
    result, rejections = ingest(service, "idb")
    assert {(r.field, r.reason) for r in rejections} == {("subject_type", "natural_person")}
    assert result.accepted + result.rejected == 1081
    with engine.connect() as conn:
        kinds = dict(
            conn.execute(
                select(repo.records.c.until_kind, func.count()).group_by(repo.records.c.until_kind)
            ).all()
        )
    assert kinds.get("open_ended", 0) > 0


def test_ebrd_list_reads_china_three_ways_as_one_country(service, engine) -> None:
    result, rejections = ingest(service, "ebrd")
    assert result.status == "complete" and {r.reason for r in rejections} == {"natural_person"}
    with engine.connect() as conn:
        countries = dict(
            conn.execute(
                select(repo.organisations.c.country, func.count()).group_by(repo.organisations.c.country)
            ).all()
        )
        open_ended = conn.execute(
            select(func.count()).where(repo.records.c.until_kind == "open_ended")
        ).scalar_one()
    assert countries.get("CN", 0) > 100
    assert not any(c and len(c) != 2 for c in countries)
    assert open_ended > 0  # "Ongoing"


def test_organisations_without_identifier_are_unresolved_subjects(service, engine) -> None:
    ingest(service, "ebrd")
    with engine.connect() as conn:
        schemes = dict(
            conn.execute(
                select(repo.organisations.c.scheme, func.count()).group_by(repo.organisations.c.scheme)
            ).all()
        )
    assert set(schemes) == {"unresolved"} and schemes["unresolved"] > 500


def test_reingesting_a_source_changes_nothing(service, engine) -> None:
    ingest(service, "world_bank")
    before = counts(engine)
    result, _ = ingest(service, "world_bank")
    assert (result.new, result.updated) == (0, 0)
    after = counts(engine)
    assert after["records"] == before["records"] and after["record_versions"] == before["record_versions"]


def test_a_truncated_source_file_stops_and_asks_for_accept_row_count(service, engine, tmp_path: Path) -> None:
    original = shared_data("debarment", FILES["ebrd"]).read_text("utf-8-sig").splitlines(keepends=True)
    short = tmp_path / "ebrd.csv"
    short.write_text("".join(original[:200]), encoding="utf-8")
    rejections = []
    result = ingest_dataset(service, short, "ebrd", on_reject=rejections.append)
    assert result.status == "rejected"
    assert rejections[0].reason == "row_count"
    assert rejections[0].message == (
        "ebrd: 199 data rows, outside the 1,190 to 1,455 that ebrd.yml expects (expected_rows): a truncated "
        "download or another list? If the list really has that many rows, run the same command again with "
        "--accept-row-count"
    )
    assert counts(engine)["records"] == 0 and counts(engine)["ingest_batches"] == 0
    accepted = ingest_dataset(service, short, "ebrd", accept_row_count=True)
    assert accepted.status == "complete" and accepted.row_count_accepted and accepted.data_rows == 199
    assert accepted.accepted + accepted.rejected == 199


def test_world_bank_cross_debarments_name_the_first_bank(service, engine) -> None:
    """The World Bank has no originating-institution column: its Grounds say "Cross Debarment: ADB", with
    the publisher's spellings, and the decision rule in world_bank.yml reads the bank from them."""
    ingest(service, "world_bank")
    with engine.connect() as conn:
        summaries = conn.execute(select(repo.records.c.summary)).scalars().all()
    crossed = [s for s in summaries if s.startswith(("Grounds: Cross Debarment", "Grounds: Cross-"))]
    named = [s for s in crossed if "Cross-debarment: first sanctioned by" in s]
    assert len(crossed) > 300 and named == crossed


def test_cli_ingest_with_source(store_url, tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from credence.cli.main import app

    monkeypatch.chdir(tmp_path)
    path = shared_data("debarment", FILES["ebrd"])
    result = CliRunner().invoke(
        app, ["ingest", str(path), "--source", "ebrd", "--json"], env={"CREDENCE_DATABASE_URL": store_url}
    )
    assert result.exit_code == 1  # natural persons were refused
    summary = json.loads(result.stdout)
    assert summary["department"] == "EBRD" and summary["rejected"] == 239
    reasons = {json.loads(x)["reason"] for x in Path(summary["rejects_file"]).read_text("utf-8").splitlines()}
    assert reasons == {"natural_person"}
    wrong = CliRunner().invoke(
        app, ["ingest", str(path), "--source", "ebrd", "-d", "WB"], env={"CREDENCE_DATABASE_URL": store_url}
    )
    assert wrong.exit_code == 2 and "published by department EBRD" in wrong.output
