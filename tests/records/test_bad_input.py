"""Bad input: each kind gets its reason in the rejects, and the store holds exactly the accepted rows."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from credence.identity import build_uscc
from credence.records.interchange import FIELDS

from helpers import (
    LEI_A,
    USCC_A,
    USCC_B,
    collect,
    counts,
    row,
    stored_ids,
    versions_of,
    write_csv,
    write_ndjson,
)

HEADER = ",".join(FIELDS)


def _csv_line(r: dict) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerow(["" if r.get(k) is None else r[k] for k in FIELDS])
    return buf.getvalue()


def assert_rejected_whole(service, engine, path: Path, reason: str, line: int | None, words: str) -> None:
    before = counts(engine)
    result, rejections = collect(service, path)
    assert result.status == "rejected"
    assert [(r.reason, r.line) for r in rejections] == [(reason, line or 0)]
    assert words in rejections[0].message
    assert counts(engine) == before, "a file rejected whole must leave the store unchanged"


# --- whole-file rejections ----------------------------------------------------------------------------


def test_latin1_file_is_rejected_whole_naming_the_line(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    text = HEADER + "\r\n" + _csv_line(row(1)) + _csv_line(row(2, subject_name="Café Müller GmbH"))
    path.write_bytes(text.replace("北京某某食品有限公司", "Beijing Food Co").encode("latin-1"))
    assert_rejected_whole(service, engine, path, "invalid_encoding", 3, "byte 0xE9")


def test_utf16_file_is_rejected_whole(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + (HEADER + "\n" + _csv_line(row(1))).encode("utf-16-le"))
    assert_rejected_whole(service, engine, path, "unsupported_encoding", 1, "UTF-16")


def test_invalid_utf8_in_ndjson_is_rejected_whole(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    good = json.dumps(row(1), ensure_ascii=False).encode()
    path.write_bytes(good + b"\n" + good.replace("北京".encode(), "北京".encode("gb18030")) + b"\n")
    assert_rejected_whole(service, engine, path, "invalid_encoding", 2, "not valid UTF-8")


def test_empty_file(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert_rejected_whole(service, engine, path, "empty_file", 1, "empty")


def test_empty_header_name(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(HEADER.replace("summary", "") + "\n" + _csv_line(row(1)), encoding="utf-8")
    assert_rejected_whole(service, engine, path, "empty_header", 1, f"column {FIELDS.index('summary') + 1}")


def test_duplicate_header(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(HEADER.replace("summary", "category") + "\n" + _csv_line(row(1)), encoding="utf-8")
    assert_rejected_whole(service, engine, path, "duplicate_header", 1, "'category' appears twice")


def test_unknown_column(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(HEADER.replace("severity", "sevrity") + "\n" + _csv_line(row(1)), encoding="utf-8")
    assert_rejected_whole(service, engine, path, "unknown_column", 1, "'sevrity'")


def test_missing_required_column(service, engine, tmp_path: Path) -> None:
    fields = [f for f in FIELDS if f != "legal_basis"]
    path = write_csv(tmp_path / "m.csv", [row(1)], fields=fields)
    assert_rejected_whole(service, engine, path, "missing_column", 1, "'legal_basis'")


def test_unterminated_quote_rejects_the_file(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        HEADER
        + "\n"
        + _csv_line(row(1))
        + _csv_line(row(2))
        .replace("Sold", '"Sold', 1)
        .replace('"Sold food past its use-by date."', '"Sold food'),
        encoding="utf-8",
    )
    before = counts(engine)
    result, rejections = collect(service, path)
    assert result.status == "rejected" and rejections[0].reason == "unparseable"
    assert counts(engine) == before


def test_not_a_parquet_file(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    assert_rejected_whole(service, engine, path, "unparseable", None, "not a readable Parquet file")


# --- encodings that are accepted ------------------------------------------------------------------------


def test_utf8_bom_and_gb18030_are_read(service, engine, tmp_path: Path) -> None:
    bom = write_csv(tmp_path / "bom.csv", [row(1)], encoding="utf-8-sig")
    gb = write_csv(tmp_path / "gb.csv", [row(2, subject_name="上海某某贸易有限公司")], encoding="gb18030")
    assert collect(service, bom)[0].new == 1
    assert collect(service, gb)[0].new == 1
    assert versions_of(engine, "SAMR", "XZCF-2026-0002")[0].subject_name == "上海某某贸易有限公司"
    assert stored_ids(engine) == {"XZCF-2026-0001", "XZCF-2026-0002"}


def test_quoted_newlines_keep_line_numbers(service, engine, tmp_path: Path) -> None:
    rows = [row(1, summary="first line\nsecond line\nthird"), row(2, decided_on="2026-02-30")]
    result, rejections = collect(service, write_csv(tmp_path / "nl.csv", rows))
    assert versions_of(engine, "SAMR", "XZCF-2026-0001")[0].summary == "first line\nsecond line\nthird"
    assert [(r.line, r.field, r.reason) for r in rejections] == [(5, "decided_on", "invalid_date")]


# --- row rejections ---------------------------------------------------------------------------------------

RELIGIOUS = build_uscc("71", "110000", "MA01ABCD")
UNION = build_uscc("81", "110000", "MA01ABCD")
BAD_LEI = LEI_A[:-2] + "13"

CASES = [
    # (row overrides, field, reason, words in the message)
    ({"subject_id": USCC_A[:-1] + "X"}, "subject_id", "check_character", "check character is X, expected L"),
    ({"subject_id": "91110000600O37341L"}, "subject_id", "forbidden_character", "'O' at position 12"),
    ({"subject_id": "9111000060003734"}, "subject_id", "length", "16"),
    ({"subject_id": BAD_LEI}, "subject_id", "check_digits", "check digits are 13, expected 12"),
    ({"subject_id": RELIGIOUS}, "subject_id", "religious_body", "religious"),
    ({"subject_id": UNION}, "subject_id", "trade_union", "trade union"),
    ({"subject_id": "11010519491231002X"}, "subject_id", "natural_person", "natural person"),
    ({"subject_type": "natural_person"}, "subject_type", "natural_person", "natural persons"),
    (
        {"category": "court_judgment", "severity": None},
        "category",
        "category_not_allowed",
        "SAMR may not submit",
    ),
    ({"category": "party_loyalty"}, "category", "unknown_category", "'party_loyalty'"),
    ({"decided_on": "2027-01-01"}, "decided_on", "future_date", "after today (2026-11-25)"),
    ({"decided_on": "01/03/2026"}, "decided_on", "invalid_date", "YYYY-MM-DD"),
    ({"severity": None}, "severity", "missing", "severity is required"),
    ({"severity": "catastrophic"}, "severity", "invalid_value", "'catastrophic'"),
    ({"legal_basis": None}, "legal_basis", "missing", "legal_basis is required"),
    ({"status": "rumoured"}, "status", "invalid_value", "'rumoured'"),
    ({"status": None}, "status", "missing", "status is required"),
    ({"subject_name": None}, "subject_name", "missing", "subject_name is required"),
    ({"amount": "-5"}, "amount", "invalid_amount", "'-5'"),
    ({"amount": "5", "currency": None}, "currency", "missing", "currency is required"),
    ({"currency": "XYZ"}, "currency", "invalid_currency", "'XYZ'"),
    ({"subject_country": "ZZ"}, "subject_country", "invalid_country", "'ZZ'"),
    ({"subject_country": "US"}, "subject_country", "country_mismatch", "USCC"),
    ({"effective_until": "2025-01-01"}, "effective_until", "before_decision", "before decided_on"),
    ({"summary": "x" * (10 * 1024 * 1024)}, "summary", "too_long", "10,485,760 characters"),
    ({"subject_name": "Acme\x00Ltd"}, "subject_name", "control_character", "NUL byte at character 5"),
    ({"summary": "ok\x00"}, "summary", "control_character", "NUL byte at character 3"),
    ({"subject_name": "=cmd|' /C calc'!A0"}, "subject_name", "formula_injection", "starts with '='"),
    ({"summary": "@SUM(1+1)*cmd|' /C calc'!A0"}, "summary", "formula_injection", "starts with '@'"),
    ({"source_record_id": "+1-555"}, "source_record_id", "formula_injection", "starts with '+'"),
]


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_each_bad_row_gets_its_reason_and_only_good_rows_are_stored(
    service, engine, tmp_path: Path, fmt: str
) -> None:
    rows = [row(1)]
    for i, (overrides, *_rest) in enumerate(CASES, start=2):
        rows.append(row(i, **overrides))
    rows.append(row(999, subject_id=USCC_B))
    path = (write_csv if fmt == "csv" else write_ndjson)(tmp_path / f"bad.{fmt}", rows)
    result, rejections = collect(service, path)
    by_record = {}
    for r in rejections:
        by_record.setdefault(r.source_record_id, []).append(r)
    for i, (overrides, field, reason, words) in enumerate(CASES, start=2):
        sid = overrides.get("source_record_id", f"XZCF-2026-{i:04}")
        found = by_record.get(sid, [])
        assert any(r.field == field and r.reason == reason and words in r.message for r in found), (
            f"case {overrides!r}: expected {field}/{reason} with '{words}', got "
            f"{[(r.field, r.reason, r.message[:80]) for r in found]}"
        )
        assert all(r.line == i + (fmt == "csv") for r in found)  # a CSV's header is its line 1
    assert result.rejected == len(CASES)
    assert result.new == 2
    assert stored_ids(engine) == {"XZCF-2026-0001", "XZCF-2026-0999"}


def test_ndjson_row_level_faults(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    lines = [
        json.dumps(row(1)),
        "{not json",
        "[1, 2]",
        json.dumps({**row(4), "sevrity": "general"}),
        json.dumps({**row(5), "decided_on": 20260301}),
        "",
        json.dumps(row(7)),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result, rejections = collect(service, path)
    got = [(r.line, r.field, r.reason) for r in rejections]
    assert got == [
        (2, None, "invalid_json"),
        (3, None, "not_an_object"),
        (4, "sevrity", "unknown_field"),
        (5, "decided_on", "invalid_type"),
    ]
    assert stored_ids(engine) == {"XZCF-2026-0001", "XZCF-2026-0007"}


def test_wrong_field_count_in_csv(service, engine, tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text(HEADER + "\n" + _csv_line(row(1)) + "a,b,c\n" + _csv_line(row(3)), encoding="utf-8")
    result, rejections = collect(service, path)
    assert [(r.line, r.reason) for r in rejections] == [(3, "wrong_field_count")]
    assert "3 fields" in rejections[0].message
    assert stored_ids(engine) == {"XZCF-2026-0001", "XZCF-2026-0003"}


def test_sql_metacharacters_are_stored_verbatim(service, engine, tmp_path: Path) -> None:
    name = 'Robert\'); DROP TABLE records;-- "Ltd" % _ \\'
    result, rejections = collect(
        service, write_csv(tmp_path / "s.csv", [row(1, subject_name=name, summary="1' OR '1'='1")])
    )
    assert rejections == []
    version = versions_of(engine, "SAMR", "XZCF-2026-0001")[0]
    assert (version.subject_name, version.summary) == (name, "1' OR '1'='1")
    assert counts(engine)["records"] == 1
