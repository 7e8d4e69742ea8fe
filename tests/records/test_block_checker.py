"""The block checker's lean path against the reference check (RowValidator.check), on random rows.

The lean path only recognises plainly valid rows and must store exactly what the reference check would;
everything else goes to the reference check, which alone decides rejections and their messages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credence.records.block import BlockChecker, ValidBlock
from credence.records.interchange import FIELDS
from credence.records.readers import RawRow
from credence.records.validation import RowValidator

from helpers import LEI_A, USCC_A, USCC_B, row

TODAY = date(2026, 11, 25)
# Each field's pool mixes values that are plainly valid, valid only after the reference check's
# normalisation (case, spaces, decimals), and invalid in each way the reference check knows.
POOLS: dict[str, list[Any]] = {
    "source_record_id": ["XZCF-1", "罚-2026-3", " XZCF-2", "=cmd", "X\x01Y", "", "A" * 201, 5, "a b"],
    "category": [
        "administrative_penalty",
        "administrative_licence",
        "commitment_breach",
        "honour",
        "development_bank_debarment",
        " administrative_penalty",
        "unknown",
        3,
    ],
    "subject_id": [USCC_A, USCC_B, USCC_A.lower(), f" {USCC_B}", USCC_A[:-1] + "0", LEI_A, "", "123"],
    "subject_name": ["上海某某贸易有限公司", " Acme Ltd ", "=HYPERLINK()", "a\x00b", "", "x" * 501, ["a"]],
    "subject_alt_name": ["Acme Trading Co., Ltd.", "", "\x07bell"],
    "subject_country": ["CN", "cn", "US", "ZZ", " cn", "", "XK"],
    "subject_type": ["organisation", "natural_person", "company", ""],
    # Matching data: every row that carries any goes to the reference check.
    "subject_address": ["No. 1 Example Road, Beijing", " Beijing ", "=cmd", "Tel 13800138000", "", "a\nb"],
    "subject_org_code": ["600037341", "60003734-1", "600037342", "60003734", "", "110105194912310021"],
    "subject_registration": ["110105000000004", "110105000000005", "11010500000000", "", "110105491231002"],
    "severity": ["minor", "general", "serious", "SERIOUS", " general", "", "huge"],
    "decided_on": [
        "2026-01-05",
        "2026-11-25",
        "2026-11-26",
        "2026-02-30",
        "1899-12-31",
        "05/01/2026",
        " 2026-01-05",
        "",
        20260105,
    ],
    "legal_basis": ["Administrative Penalty Law, Art. 28", "", "-x", "line\nbreak", " Law, Art. 1 "],
    "status": ["final", "pending", "FINAL", "draft", ""],
    "amount": ["1500", "001500.50", "1500.00000", "0", "-5", "1e3", "", 1500, 1500.5, True, "1.23456"],
    "currency": ["CNY", "cny", "XYZ", "", "usd"],
    "summary": ["text", "multi\nline", "\x00", "@SUM", "", {"a": 1}],
    "effective_until": [
        "permanent",
        "open-ended",
        "2027-01-01",
        "2025-01-01",
        "2027-13-01",
        "",
        " permanent",
    ],
}


@st.composite
def raw_rows(draw: st.DrawFn) -> dict[str, Any]:
    values = row(draw(st.integers(1, 50)), subject_id=draw(st.sampled_from([USCC_A, USCC_B])))
    for name in FIELDS:
        if draw(st.integers(0, 5)) == 0:  # each field altered in about one row in six
            choice = draw(st.sampled_from([*POOLS[name], None, "<absent>"]))
            if choice == "<absent>":
                values.pop(name, None)
            else:
                values[name] = choice
    if draw(st.integers(0, 30)) == 0:
        values["colour"] = "red"
    return values


def reference(validator: RowValidator, rows: list[RawRow]) -> tuple[ValidBlock, list[Any]]:
    block, rejections = ValidBlock(), []
    for raw in rows:
        checked = validator.check(raw.line, raw.values or {})
        if isinstance(checked, list):
            rejections.extend(checked)
        else:
            block.append(checked)
    return block, sorted(rejections, key=lambda r: r.line)


@pytest.mark.parametrize("department", ["SAMR", "WB"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks=st.lists(st.lists(raw_rows(), min_size=1, max_size=12), min_size=1, max_size=3))
def test_lean_path_stores_what_the_reference_check_stores(catalog, department, blocks) -> None:
    checker = BlockChecker(RowValidator(catalog, department, TODAY))  # its caches carry across blocks
    line = 0
    for values in blocks:
        rows = []
        for v in values:
            line += 1
            rows.append(RawRow(line, v))
        got_block, got_rejections = checker.check(rows)
        want_block, want_rejections = reference(RowValidator(catalog, department, TODAY), rows)
        for name in ValidBlock.COLUMNS:
            assert getattr(got_block, name) == getattr(want_block, name), name
        assert got_block.subjects == want_block.subjects
        assert got_rejections == want_rejections


def test_a_block_of_plain_rows_never_reaches_the_reference_check(catalog, monkeypatch) -> None:
    validator = RowValidator(catalog, "SAMR", TODAY)
    monkeypatch.setattr(validator, "check", lambda *a: pytest.fail("the reference check was called"))
    rows = [
        RawRow(1, row(1)),
        RawRow(2, row(2, subject_id=USCC_B, severity="serious", effective_until="2027-01-01")),
        RawRow(
            3,
            row(
                3,
                category="administrative_licence",
                severity=None,
                amount=None,
                currency=None,
                legal_basis="Administrative Licensing Law, Art. 38",
            ),
        ),
        RawRow(4, row(4, amount="001500.50", effective_until="permanent")),
    ]
    block, rejections = BlockChecker(validator).check(rows)
    assert rejections == [] and block.line == [1, 2, 3, 4]
    assert block.amount == ["50000", "50000", None, "1500.5"]
    assert block.until_kind == [None, "date", None, "permanent"]


def test_one_bad_row_goes_to_the_reference_check_and_keeps_line_order(catalog) -> None:
    rows = [RawRow(1, row(1)), RawRow(2, row(2, currency="XYZ")), RawRow(3, row(3, currency="cny"))]
    block, rejections = BlockChecker(RowValidator(catalog, "SAMR", TODAY)).check(rows)
    assert block.line == [1, 3] and block.currency == ["CNY", "CNY"]
    assert [(r.line, r.field, r.reason) for r in rejections] == [(2, "currency", "invalid_currency")]
