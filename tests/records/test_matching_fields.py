"""A record's matching data: the subject's address, old organisation code and old registration number.
Each bad value is rejected naming its field and nothing is stored; a person's identity number in any of
them is refused as a natural person and never repeated; an organisation code joins its subject to the
USCC organisation that carries it; the values are not published and not in the content hash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from credence.records.validation import registration_check_digit
from credence.store.models import Organisation, Record
from credence.subjects import clusters
from credence.subjects.candidates import candidates
from credence.subjects.service import LinkService

from helpers import USCC_A, collect, listing, row, write_csv

ORG_CODE = USCC_A[8:17]  # 600037341
REGISTRATION = "11010500000000" + registration_check_digit("11010500000000")
PERSON = "110105194912310021"  # a resident identity number


def count(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        records = conn.execute(select(func.count()).select_from(Record)).scalar_one()
        organisations = conn.execute(select(func.count()).select_from(Organisation)).scalar_one()
    return records, organisations


@pytest.mark.parametrize(
    ("field", "value", "reason", "words"),
    [
        ("subject_org_code", "60003734", "invalid_org_code", "8 digits or capital letters and a check"),
        ("subject_org_code", "6000373-41", "invalid_org_code", "hyphen before the check character"),
        ("subject_org_code", "600037342", "org_code_check", "is 2, expected 1"),
        ("subject_org_code", "60003734-2", "org_code_check", "is 2, expected 1"),
        ("subject_org_code", "123456789", "org_code_check", "position 9"),
        ("subject_registration", "11010500000000", "invalid_registration", "15 digits"),
        ("subject_registration", "11010500000000A", "invalid_registration", "15 digits"),
        ("subject_registration", "110105000000005", "registration_check", "MOD 11,10) is 5, expected 4"),
        ("subject_address", "=HYPERLINK(1)", "formula_injection", "starts with '='"),
        ("subject_address", "x" * 501, "too_long", "limit is 500"),
        ("subject_address", "Room 1\nBeijing", "control_character", "U+000A"),
        ("subject_address", "c/o Mr. Zhang Wei, Beijing", "personal_data", "a natural person's data"),
        ("subject_address", "Tel 13800138000, Beijing", "personal_data", "mobile number"),
        ("subject_address", "Offices of the Communist Party committee", "prohibited_ground", "prohibited"),
    ],
)
def test_a_bad_value_is_rejected_naming_its_field_and_nothing_is_stored(
    service: Any, engine: Engine, tmp_path: Path, field: str, value: str, reason: str, words: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", [row(1, **{field: value})])
    result, rejections = collect(service, path)
    assert result.accepted == 0 and count(engine) == (0, 0)
    assert [(r.field, r.reason) for r in rejections] == [(field, reason)], rejections
    assert field in rejections[0].message and words in rejections[0].message, rejections[0].message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject_org_code", PERSON),
        ("subject_registration", "110105491231002"),  # the old 15-digit form: born 1949-12-31
        ("subject_registration", PERSON),
        ("subject_address", f"No. 5 Example Road, Beijing ({PERSON})"),
        ("subject_address", "Room 3, １１０１０５１９４９１２３１００２Ｘ Example Road"),
    ],
)
def test_a_persons_identity_number_is_refused_as_a_natural_person_and_never_repeated(
    service: Any, engine: Engine, tmp_path: Path, field: str, value: str
) -> None:
    _, rejections = collect(service, write_csv(tmp_path / "p.csv", [row(1, **{field: value})]))
    assert [(r.field, r.reason) for r in rejections] == [(field, "natural_person")], rejections
    message = rejections[0].message
    assert field in message and "natural persons are not" in message
    assert PERSON not in message and "110105" not in message and "１１０１０５" not in message
    assert count(engine) == (0, 0)


def test_an_org_code_the_uscc_contradicts_is_refused(service: Any, engine: Engine, tmp_path: Path) -> None:
    other = "91330100799655058B"[8:17]  # a valid organisation code, not USCC_A's
    _, rejections = collect(service, write_csv(tmp_path / "m.csv", [row(1, subject_org_code=other)]))
    assert [(r.field, r.reason) for r in rejections] == [("subject_org_code", "org_code_mismatch")]
    assert ORG_CODE in rejections[0].message and other in rejections[0].message
    assert count(engine) == (0, 0)


def test_valid_values_are_stored_as_written_out_of_the_content_hash(
    service: Any, engine: Engine, tmp_path: Path
) -> None:
    plain = row(1)
    given = row(
        1,
        subject_address=" No. 1 Example Road, Dongcheng, Beijing ",
        subject_org_code=f"{ORG_CODE[:8]}-{ORG_CODE[8]}",
        subject_registration=REGISTRATION,
    )
    result, rejections = collect(service, write_csv(tmp_path / "a.csv", [given]))
    assert rejections == [] and result.new == 1
    with engine.connect() as conn:
        stored = conn.execute(select(Record.__table__)).one()
        first_hash = stored.content_hash
    assert (stored.subject_address, stored.subject_org_code, stored.subject_registration) == (
        "No. 1 Example Road, Dongcheng, Beijing",
        ORG_CODE,
        REGISTRATION,
    )
    # The same content without matching data: unchanged, no new version, and the matching data follows
    # the latest submission.
    result, _ = collect(service, write_csv(tmp_path / "b.csv", [plain]))
    assert (result.new, result.updated, result.unchanged) == (0, 0, 1)
    with engine.connect() as conn:
        stored = conn.execute(select(Record.__table__)).one()
    assert stored.content_hash == first_hash and stored.current_version == 1
    assert (stored.subject_address, stored.subject_org_code, stored.subject_registration) == (None,) * 3


def test_a_listing_with_only_an_org_code_joins_the_uscc_organisation_that_carries_it(
    service: Any, engine: Engine, tmp_path: Path, clock: Any
) -> None:
    links = LinkService(engine, clock, auto=0.999, review=0.3)
    identified = row(1, subject_name="Beijing Example Trading Co. Ltd.")
    result, rejections = collect(service, write_csv(tmp_path / "samr.csv", [identified]))
    assert rejections == []
    links.after_ingest(result.organisation_ids)
    bank = listing(
        "WB-1",
        "Zenith Road Builders Ltd.",  # another name: only the code says who it is
        "CN",
        subject_org_code=ORG_CODE,
        subject_address="No. 1 Example Road, Beijing",
    )
    result, rejections = collect(service, write_csv(tmp_path / "wb.csv", [bank]), "WB")
    assert rejections == []
    links.after_ingest(result.organisation_ids)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Organisation.key, Organisation.id)).all())
        uscc = ids[f"uscc:{USCC_A}"]
        listed = next(i for key, i in ids.items() if key.startswith("unresolved:"))
        assert sorted(clusters.members(conn, uscc)) == sorted([uscc, listed])
        seen = {c.id: c for c in candidates(conn)}
    assert seen[listed].org_code == ORG_CODE and seen[listed].city == "No. 1 Example Road, Beijing"
    assert seen[uscc].uscc == USCC_A


def test_matching_data_is_not_published(service: Any, engine: Engine, tmp_path: Path) -> None:
    from credence.api.app import RecordOut

    assert not set(RecordOut.model_fields) & {"subject_address", "subject_org_code", "subject_registration"}


def test_a_refresh_of_matching_data_is_logged_privately(service: Any, engine: Engine, tmp_path: Path) -> None:
    """Every change is provable in the log: matching data replaced in place gets a private log event,
    which names the submission and a digest of the new values, never the values themselves."""
    import orjson

    from credence.store.models import LogEntry

    address = "No. 1 Example Road, Dongcheng, Beijing"
    collect(service, write_csv(tmp_path / "a.csv", [row(1)]))
    entries = LogEntry.__table__
    with engine.connect() as conn:
        before = conn.execute(select(func.coalesce(func.max(entries.c.idx), -1))).scalar_one()
    collect(service, write_csv(tmp_path / "b.csv", [row(1, subject_address=address)]))
    with engine.connect() as conn:
        record_id = conn.execute(select(Record.__table__.c.id)).scalar_one()
        logged = conn.execute(
            select(entries.c.kind, entries.c.ref, entries.c.public, entries.c.content).where(
                entries.c.idx > before
            )
        ).all()
    (event,) = [e for e in logged if e.kind == "record.matching_refreshed"]
    assert event.ref == f"record:{record_id}" and not event.public
    content = orjson.loads(event.content)
    assert content["department"] == "SAMR" and len(content["matching_hash"]) == 64
    assert "Example Road" not in event.content
    # the same again: nothing changed, nothing logged
    with engine.connect() as conn:
        size = conn.execute(select(func.coalesce(func.max(entries.c.idx), -1))).scalar_one()
    collect(service, write_csv(tmp_path / "c.csv", [row(1, subject_address=address)]))
    with engine.connect() as conn:
        kinds = conn.execute(select(entries.c.kind).where(entries.c.idx > size)).scalars().all()
    assert "record.matching_refreshed" not in kinds
