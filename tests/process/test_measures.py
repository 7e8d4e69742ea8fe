"""Measures and eligibility checks: a measure needs a legal basis and proportion to its trigger, applies in
its own domain to the organisation named only, and is lifted in the same step that ends its trigger."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from credence.checks.bidders import read_bidders
from credence.checks.service import CheckService, UnknownDomain, write_rows
from credence.identity import IdentifierError, SubjectRefused
from credence.measures.catalog import MeasuresError, parse_measures

from helpers import USCC_A, USCC_B, checks_for, row
from process_steps import ORG, SAMR, deliver_pending, published

DEFAULT = Path(__file__).parents[2].joinpath("src/credence/measures/default_measures.yaml").read_text("utf-8")
GRADE_C = (
    "    effect: {effect}\n    domain: inspection\n    department: SAMR\n    legal_basis:\n"
    "      law: Interim Regulations on Enterprise Information Publicity\n      article: Art. 14\n"
    "      law_zh: 企业信息公示暂行条例\n      article_zh: 第十四条\n    trigger: {{grade: C}}"
)
LICENCES = (
    row(1, category="administrative_licence", severity=None, amount=None, currency=None),
    row(2, subject_id=USCC_B, category="administrative_licence", severity=None, amount=None, currency=None),
)


@pytest.fixture
def checks(process, catalog) -> CheckService:
    return checks_for(process)


def listed_serious(process: Any, clock: Any) -> Any:
    proposed = process.lists.propose(
        "SAMR", USCC_A, "grave_unfair_competition", facts="Bid rigging.", decision_ref="SAMR-9", actor=SAMR
    )
    deliver_pending(process, proposed.id)
    clock.advance(timedelta(days=31))
    listed = process.lists.decide(proposed.id, department="SAMR", listed=True, actor=SAMR, reason="r")
    deliver_pending(process, proposed.id)
    return listed


def test_a_serious_listing_excludes_from_procurement_only_and_only_the_organisation_named(
    process, checks, clock, tmp_path: Path
) -> None:
    published(process, *LICENCES, tmp_path=tmp_path)
    assert checks.check(USCC_A, "public_procurement").result == "eligible"
    listed = listed_serious(process, clock)
    found = checks.check(USCC_A, "public_procurement")
    assert found.result == "restricted"
    (applied,) = found.applied
    assert (applied.measure.code, applied.since, applied.until) == (
        "procurement_exclusion",
        listed.starts_on,
        listed.ends_on,
    )
    assert (
        str(applied.measure.legal_basis)
        == "Government Procurement Law of the People's Republic of China, Art. 22"
    )
    assert "Apply to repair record SAMR/LIST-1 from 2027-12-26" in applied.remedy
    body = found.to_json()
    assert body["measures"][0]["until"] == listed.ends_on.isoformat() and body["known"] is True
    # Its own domain only: licensing is untouched; another organisation (even in the same division) too.
    assert checks.check(USCC_A, "licensing").result == "eligible"
    assert checks.check(USCC_B, "public_procurement").result == "eligible"
    assert {a.measure.code for a in checks.check(USCC_A, "subsidies").applied} == {"subsidy_exclusion"}


def test_an_approved_repair_lifts_the_procurement_restriction_at_once(
    process, checks, clock, tmp_path
) -> None:
    published(process, *LICENCES, tmp_path=tmp_path)
    listed = listed_serious(process, clock)
    clock.advance(timedelta(days=366))
    assert checks.check(USCC_A, "public_procurement").result == "restricted"
    repair = process.apply_repair(
        "SAMR",
        f"LIST-{listed.id}",
        evidence="compliance programme audited",
        commitment="fair bidding",
        applied_by=ORG,
    )
    assert checks.check(USCC_A, "public_procurement").result == "restricted"  # applying lifts nothing
    process.decide_repair(repair.id, department="SAMR", approve=True, actor=SAMR, reason="verified")
    assert checks.check(USCC_A, "public_procurement").result == "eligible"


def test_abnormal_operation_restricts_until_cured_and_honours_fast_track(process, checks, tmp_path) -> None:
    published(process, *LICENCES, tmp_path=tmp_path)
    entry = process.lists.enter(
        "SAMR", USCC_A, "unreachable", facts="Mail returned.", decision_ref="AB-3", actor=SAMR
    )
    assert checks.check(USCC_A, "public_procurement").result == "eligible"  # not before notice
    deliver_pending(process, entry.id)
    found = checks.check(USCC_A, "public_procurement")
    assert (found.result, [a.measure.code for a in found.applied]) == (
        "restricted",
        ["procurement_declaration"],
    )
    assert "Cure the cause and ask SAMR to remove the entry" in found.applied[0].remedy
    process.lists.cure(entry.id, department="SAMR", actor=SAMR, evidence="reached at the new address")
    assert checks.check(USCC_A, "public_procurement").result == "eligible"
    honour = process.lists.grant("SAMR", USCC_B, "contract_abiding", facts="f", actor=SAMR)
    deliver_pending(process, honour.id)
    found = checks.check(USCC_B, "licensing")
    assert (found.result, found.applied[0].measure.effect.value) == ("fast_track", "fast_track")


def test_grade_measures_run_from_the_grade_for_at_most_their_duration(
    process, checks, clock, tmp_path
) -> None:
    published(
        process,
        row(1, severity="serious", decided_on="2026-06-01"),
        row(2, severity="serious", decided_on="2026-07-01"),
        tmp_path=tmp_path,
    )
    found = checks.check(USCC_A, "inspection")
    assert found.result == "restricted"
    (applied,) = found.applied
    assert (applied.measure.code, applied.since, applied.until) == (
        "inspection_more_frequent",
        date(2026, 11, 25),
        date(2027, 11, 25),
    )
    assert applied.remedy.startswith(
        "grade B from 31 May 2028, when administrative penalty XZCF-2026-0001 weighs less with age"
    )
    clock.advance(timedelta(days=366))
    process.rating.rate()
    assert all(
        a.measure.code != "inspection_more_frequent" for a in checks.check(USCC_A, "inspection").applied
    )


def test_bad_subjects_and_domains_are_refused_by_name(process, checks, tmp_path) -> None:
    with pytest.raises(
        UnknownDomain, match="domain 'procurement' is not one of public_procurement, subsidies"
    ):
        checks.check(USCC_A, "procurement")
    with pytest.raises(IdentifierError):
        checks.check(USCC_A[:-1] + "0", "public_procurement")
    with pytest.raises(SubjectRefused, match="natural persons are not subjects"):
        checks.check("11010519491231002X", "public_procurement")
    unknown = checks.check(USCC_B, "public_procurement")
    assert (unknown.result, unknown.organisation, unknown.to_json()["known"]) == ("eligible", None, False)


def test_a_bidders_file_gets_one_line_per_bidder(process, checks, clock, tmp_path) -> None:
    published(process, *LICENCES, tmp_path=tmp_path)
    listed_serious(process, clock)
    bidders = read_bidders(f"subject_id,name\n{USCC_A},A\n{USCC_B},B\nnot-a-code,C\n")
    out = write_rows(checks.check_rows(bidders, "public_procurement")).splitlines()
    assert out[0] == "line,subject_id,organisation,result,measures,until,legal_basis,remedy,error"
    assert out[1].startswith(f"2,{USCC_A},北京某某食品有限公司,restricted,procurement_exclusion,")
    assert out[2].startswith(f"3,{USCC_B},") and ",eligible,,,,," in out[2]
    assert out[3].startswith("4,,,,,,,,subject_id: ")  # what is no identifier is not repeated
    with pytest.raises(ValueError, match="line 1: the CSV needs a subject_id column"):
        read_bidders("code\nX\n")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    legal_basis:\n      law: Government Procurement Law of the People's Republic of China\n"
            "      article: Art. 22\n      law_zh: 中华人民共和国政府采购法\n      article_zh: 第二十二条\n",
            "",
            "measure 'procurement_exclusion' (line {line}): has no legal_basis (no measure without a "
            "legal basis",
        ),
        (
            "    effect: restriction\n    domain: public_procurement",
            "    effect: exclusion\n    domain: public_procurement",
            "measure 'procurement_declaration' (line {line}): effect 'exclusion' is harsher than list "
            "abnormal_operation allows (at most 'restriction')",
        ),
        (
            GRADE_C.format(effect="scrutiny"),
            GRADE_C.format(effect="restriction"),
            "measure 'inspection_more_frequent' (line {line}): effect 'restriction' is harsher than grade C "
            "allows (at most 'scrutiny')",
        ),
        (
            "    trigger: {list: honour}",
            "    trigger: {list: honour}\n    extends_to: [subsidiaries]",
            "measure 'licensing_fast_track_honour' (line {line}): has extends_to: a measure binds only the "
            "organisation named",
        ),
        (
            "    max_days: 1095\n    description: A supplier",
            "    max_days: 1500\n    description: A supplier",
            "measure 'procurement_exclusion' (line {line}): max_days: Input should be less than or equal "
            "to 1095",
        ),
        (
            "    domain: awards",
            "    domain: party_building",
            "measure 'awards_exclusion' (line {line}): domain 'party_building' is not one of",
        ),
    ],
)
def test_a_bad_measure_is_refused_at_load_with_its_line(catalog, old, new, message) -> None:
    assert old in DEFAULT
    with pytest.raises(MeasuresError) as refused:
        parse_measures(DEFAULT.replace(old, new, 1), catalog)
    code = message.split("'")[1]
    line = DEFAULT.splitlines().index(f"  - code: {code}") + 1
    assert message.format(line=line) in str(refused.value)
