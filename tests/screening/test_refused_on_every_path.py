"""Records on prohibited grounds, carrying a person's data, or about an excluded body are refused on every
path: file ingest, the API submission, the known sources, list proposals, commitments, objections'
answers, catalog and policy loading. The store is unchanged but for the refusal events, which are public.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from credence.catalog import CatalogError, parse_catalog
from credence.log.store import head
from credence.process.errors import NotAllowed
from credence.rating import load_policy
from credence.rating.policy import PolicyError, parse_policy
from credence.records.service import RowsRejected
from credence.store.models import LogEntry

from helpers import LEI_A, USCC_A, USCC_B, USCC_C, collect, counts, notice_all, process_for, row, write_csv

# The file of the issue, as tried on main at b6210e2: every row was accepted.
ISSUE_ROWS = [
    row(
        "SAMR-2026-9001",
        subject_id=USCC_A,
        subject_name="Beijing Example Trading Co. Ltd.",
        legal_basis="Regulations on Religious Affairs, Art. 71",
        summary="Hosted an unregistered religious gathering on company premises.",
    ),
    row(
        "SAMR-2026-9002",
        subject_id=USCC_B,
        subject_name="Shenzhen Example Electronics Co. Ltd.",
        legal_basis="Advertising Law, Art. 55",
        summary="Allowed employees to hold a Falun Gong study session.",
    ),
    row(
        "SAMR-2026-9003",
        subject_id=USCC_C,
        subject_name="Hangzhou Example Foods Co. Ltd.",
        severity="serious",
        legal_basis="Cybersecurity Law, Art. 12",
        summary="Published articles criticising the Party on its website.",
    ),
    row(
        "SAMR-2026-9004",
        subject_id=USCC_C,
        subject_name="Hangzhou Example Foods Co. Ltd.",
        legal_basis="Trade Union Law, Art. 3",
        summary="Workers organised an independent union.",
    ),
]
PERSON_ROW = row(
    "SAMR-2026-9005",
    summary=(
        "Legal representative Zhang Wei (ID 110105194912310021, mobile 13800138000) was fined personally."
    ),
)
CHURCH_ROW = row(
    "SAMR-2026-9006",
    subject_id=LEI_A,
    subject_country="US",
    subject_name="Holy Trinity Catholic Church Foundation",
)
UNION_ROW = row(
    "SAMR-2026-9007",
    subject_id="529900T8BM49AURSDO55",
    subject_country="CN",
    subject_name="Shenzhen Federation of Trade Unions",
)
ZH_ROWS = [
    row("SAMR-2026-9010", legal_basis="《中华人民共和国广告法》第五十五条", summary="组织员工参加宗教活动"),
    row("SAMR-2026-9011", legal_basis="《中华人民共和国广告法》第五十五条", summary="公司未按规定设立党组织"),
    row("SAMR-2026-9012", legal_basis="《中华人民共和国广告法》第五十五条", summary="员工参加集体上访"),
    row("SAMR-2026-9013", legal_basis="《宗教事务条例》第七十一条", summary="违规经营"),
    row(
        "SAMR-2026-9014", legal_basis="《中华人民共和国广告法》第五十五条", summary="法定代表人张伟未按期履行"
    ),
]
EXPECTED = {
    "SAMR-2026-9001": ("prohibited_ground", "summary"),
    "SAMR-2026-9002": ("prohibited_ground", "summary"),
    "SAMR-2026-9003": ("prohibited_ground", "summary"),
    "SAMR-2026-9004": ("prohibited_ground", "summary"),
    "SAMR-2026-9005": ("personal_data", "summary"),
    "SAMR-2026-9006": ("religious_body", "subject_name"),
    "SAMR-2026-9007": ("trade_union", "subject_name"),
    "SAMR-2026-9010": ("prohibited_ground", "summary"),
    "SAMR-2026-9011": ("prohibited_ground", "summary"),
    "SAMR-2026-9012": ("prohibited_ground", "summary"),
    "SAMR-2026-9013": ("prohibited_ground", "legal_basis"),
    "SAMR-2026-9014": ("personal_data", "summary"),
}
ALL_ROWS = [*ISSUE_ROWS, PERSON_ROW, CHURCH_ROW, UNION_ROW, *ZH_ROWS]
SECRETS = ("110105194912310021", "13800138000", "Zhang Wei", "张伟", "Falun", "Party", "宗教", "党组织")


def log_size(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return head(conn).size


def refusals(engine) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(department, ground) of every refusal event in the log, in order."""
    import orjson

    entries = LogEntry.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(entries.c.content, entries.c.public).where(entries.c.kind == "refusal.prohibited_ground")
        ).all()
    out = []
    for content, public in rows:
        assert public, "a refusal on a prohibited ground is public"
        body = orjson.loads(content)
        out.append((body["department"], body["ground"]))
    return out


def reasons_of(rejections: list) -> dict[str, set[tuple[str, str]]]:  # type: ignore[type-arg]
    """Each row's (reason, field) pairs: a row can be refused for more than one field."""
    out: dict[str, set[tuple[str, str]]] = {}
    for r in rejections:
        out.setdefault(r.source_record_id, set()).add((r.reason, r.field))
    return out


def assert_expected(rejections: list) -> None:  # type: ignore[type-arg]
    got = reasons_of(rejections)
    assert set(got) == set(EXPECTED)
    for sid, pair in EXPECTED.items():
        assert pair in got[sid], (sid, got[sid])


def assert_refused(rejections: list, engine, before: dict, log_before: int) -> None:  # type: ignore[no-untyped-def]
    assert_expected(rejections)
    for r in rejections:
        assert not any(secret in r.message for secret in SECRETS), r.message
    after = counts(engine)
    assert {k: after[k] for k in ("organisations", "records", "record_versions", "record_events")} == {
        k: before[k] for k in ("organisations", "records", "record_versions", "record_events")
    }
    grounds = sorted(g for _, g in refusals(engine))
    assert grounds == sorted(r.ground for r in rejections if r.reason == "prohibited_ground")
    assert log_size(engine) == log_before + len(grounds)


def test_file_ingest_refuses_every_row_and_logs_each_ground(service, engine, tmp_path: Path) -> None:
    before, log_before = counts(engine), log_size(engine)
    result, rejections = collect(service, write_csv(tmp_path / "abuse.csv", ALL_ROWS))
    assert (result.new, result.rejected) == (0, len(ALL_ROWS))
    assert_refused(rejections, engine, before, log_before)
    assert {g for _, g in refusals(engine)} == {"religion", "party", "union", "assembly"}
    assert {d for d, _ in refusals(engine)} == {"SAMR"}
    ground_of = {r.source_record_id: r.ground for r in rejections}
    assert ground_of["SAMR-2026-9004"] == "union" and ground_of["SAMR-2026-9013"] == "religion"


def test_the_same_rows_in_a_large_file_through_the_checking_process(service, engine, tmp_path: Path) -> None:
    """A file above ingest_parallel_bytes is checked in a second process: the same refusals come back."""
    good = [row(f"OK-{i:05d}", summary=f"Sold food past its use-by date (batch {i}).") for i in range(3000)]
    service.settings = service.settings.model_copy(update={"ingest_parallel_bytes": 1})
    before, log_before = counts(engine), log_size(engine)
    result, rejections = collect(service, write_csv(tmp_path / "big.csv", [*good, *ALL_ROWS]))
    assert (result.new, result.rejected) == (3000, len(ALL_ROWS))
    assert_expected(rejections)
    assert counts(engine)["records"] == before["records"] + 3000
    assert len(refusals(engine)) == sum(1 for r in rejections if r.reason == "prohibited_ground")
    assert log_size(engine) > log_before


def test_api_submission_refuses_the_same_rows(client, engine) -> None:  # type: ignore[no-untyped-def]
    before, log_before = counts(engine), log_size(engine)
    body = client.post("/api/v1/records", params={"department": "SAMR"}, json=ALL_ROWS).json()
    assert body["new"] == 0 and body["rejected"] == len(ALL_ROWS)
    assert_expected([SimpleNamespace(**r) for r in body["rejections"]])
    assert not any(s in str(body) for s in SECRETS)
    assert {r["ground"] for r in body["rejections"] if r["reason"] == "prohibited_ground"} == {
        "religion",
        "party",
        "union",
        "assembly",
    }
    after = counts(engine)
    assert after["records"] == before["records"] and after["organisations"] == before["organisations"]
    assert log_size(engine) == log_before + len(refusals(engine))


def test_a_known_source_refuses_a_debarment_on_a_prohibited_ground(service, engine) -> None:
    from credence.records.readers import RawRow

    debarment = {
        "source_record_id": "WB-1",
        "category": "development_bank_debarment",
        "subject_name": "Acme Builders Ltd",
        "subject_country": "KE",
        "decided_on": "2024-01-01",
        "legal_basis": "World Bank Sanctions Procedures, Section 9.01",
        "status": "final",
        "summary": "Debarred for the religious affiliation of its directors.",
    }
    church = {
        **debarment,
        "source_record_id": "WB-2",
        "summary": "Fraud.",
        "subject_name": "St. Mary's Church",
    }
    fine = {**debarment, "source_record_id": "WB-3", "summary": "Fraudulent practice."}
    rejections: list = []
    result = service.ingest_rows(
        "WB",
        [RawRow(1, debarment), RawRow(2, church), RawRow(3, fine)],
        file_name="wb",
        fmt="source:world_bank",
        on_reject=rejections.append,
    )
    assert result.new == 1
    assert [(r.line, r.reason) for r in rejections] == [(1, "prohibited_ground"), (2, "religious_body")]
    assert refusals(engine) == [("WB", "religion")]


@pytest.fixture
def stored(service, engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    service.ingest_file(write_csv(tmp_path / "ok.csv", [row(1), row(2, subject_id=USCC_B)]), "SAMR")
    notice_all(engine, service)
    return process_for(service)


def test_a_list_proposal_on_a_prohibited_ground_is_refused_and_logged(stored, engine) -> None:  # type: ignore[no-untyped-def]
    before, log_before = counts(engine), log_size(engine)
    with pytest.raises(RowsRejected) as refused:
        stored.lists.propose(
            "SAMR",
            USCC_A,
            "grave_food_drug_safety",
            facts="The company hosted an underground church.",
            decision_ref="SAMR-D-1",
            actor="test",
        )
    assert refused.value.rejections[0].reason == "prohibited_ground"
    assert "church" not in str(refused.value)
    with pytest.raises(RowsRejected, match="personal_data|natural person"):
        stored.lists.propose(
            "SAMR",
            USCC_A,
            "grave_food_drug_safety",
            facts="Legal representative Zhang Wei sold fake medicine.",
            decision_ref="SAMR-D-2",
            actor="test",
        )
    assert counts(engine) == before
    assert refusals(engine) == [("SAMR", "religion")] and log_size(engine) == log_before + 1


def test_a_commitment_breach_on_a_prohibited_ground_is_refused(stored, engine) -> None:  # type: ignore[no-untyped-def]
    made = stored.commitments.make(
        USCC_A, "licence_conditions", department="SAMR", made_by=f"organisation:{USCC_A}"
    )
    before = counts(engine)
    with pytest.raises(RowsRejected):
        stored.commitments.mark(
            made.id, department="SAMR", kept=False, actor="test", reason="Staff joined a protest march."
        )
    assert counts(engine) == before
    assert refusals(engine) == [("SAMR", "assembly")]


def test_an_objection_answer_that_adds_prohibited_content_is_refused(stored, engine) -> None:  # type: ignore[no-untyped-def]
    objection = stored.object(
        "SAMR",
        "XZCF-2026-0001",
        ground="content",
        statement="Wrong amount.",
        filed_by=f"organisation:{USCC_A}",
    )
    before, log_before = counts(engine), log_size(engine)
    with pytest.raises(RowsRejected) as refused:
        stored.answer_objection(
            objection.id,
            department="SAMR",
            outcome="corrected",
            actor="review office",
            reason="Amount corrected.",
            corrections={"summary": "The manager is a Party member and refused inspection."},
        )
    assert refused.value.rejections[0].reason == "prohibited_ground"
    with pytest.raises(RowsRejected):
        stored.answer_objection(
            objection.id,
            department="SAMR",
            outcome="upheld",
            actor="review office",
            reason="Upheld: the director's wife confirmed the facts.",
        )
    assert counts(engine) == before
    assert refusals(engine) == [("SAMR", "party"), ("SAMR", "family")]
    assert log_size(engine) == log_before + 2
    still = stored.answer_objection(
        objection.id, department="SAMR", outcome="upheld", actor="review office", reason="The facts stand."
    )
    assert still.state == "upheld"


CATALOG = """\
version: "t1"
departments:
  - {code: SAMR, name: Market regulation, domain: market_regulation}
categories:
  - code: fine
    title: Fine
    information_class: administrative_management
    legal_basis: {law: Administrative Penalty Law, article: Art. 48}
    bases: [BASES]
    departments: [SAMR]
    severity_applies: true
    publicity: public
    polarity: adverse
"""


@pytest.mark.parametrize(
    ("bases", "words"),
    [
        ("{law: Regulations on Religious Affairs, law_zh: 宗教事务条例, articles: all}", "religion"),
        ("{law: Trade Union Law, law_zh: 工会法, articles: '1-60'}", "union"),
        ("{law: Criminal Law, law_zh: 刑法, articles: '290-291'}", "assembly"),
        ("{law: 信访工作条例, law_zh: 信访工作条例, articles: all}", "assembly"),
    ],
)
def test_a_catalog_listing_a_denied_law_does_not_load(bases: str, words: str) -> None:
    with pytest.raises(CatalogError) as refused:
        parse_catalog(CATALOG.replace("BASES", bases), "denied.yaml")
    assert "category 'fine' (line 5)" in str(refused.value) and words in str(refused.value)


def test_a_catalog_with_permitted_bases_loads() -> None:
    catalog = parse_catalog(
        CATALOG.replace("BASES", "{law: Food Safety Law, law_zh: 食品安全法, articles: '122-150'}"), "ok.yaml"
    )
    assert catalog.categories["fine"].accepts_basis("食品安全法第一百二十四条")


def test_a_policy_whose_words_touch_a_ground_does_not_load(catalog) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    text = resources.files("credence.rating").joinpath("policies/2026.1.yaml").read_text("utf-8")
    load_policy(catalog)  # the shipped one loads
    bad = text.replace(
        "meaning: A court judgment against the organisation.",
        "meaning: A court judgment against the organisation, or its party membership.",
    )
    with pytest.raises(PolicyError, match="rule 'court_judgment'.*party-organisation status"):
        parse_policy(bad, catalog, "bad.yaml")


def test_rejections_never_leave_a_half_state_for_lists(stored, engine) -> None:  # type: ignore[no-untyped-def]
    """A proposal refused for its facts leaves no list entry behind."""
    from credence.lists import repository as lists_repo

    with pytest.raises(RowsRejected):
        stored.lists.propose(
            "SAMR", USCC_A, "grave_food_drug_safety", facts="员工参加集体上访", decision_ref="D-3", actor="t"
        )
    with engine.connect() as conn:
        assert conn.execute(select(lists_repo.entries)).first() is None
    with pytest.raises((NotAllowed, RowsRejected)):
        stored.lists.propose(
            "SAMR", USCC_A, "grave_food_drug_safety", facts=" ", decision_ref="D-4", actor="t"
        )


def test_a_person_without_an_identifier_is_refused_on_every_path(service, engine, tmp_path: Path) -> None:
    """Found in use: MR. KHUDA DAD, refused by the World Bank's mapping, became an organisation when the
    same row came as an interchange file. Every row without an identifier is screened, on every path."""
    from credence.records.readers import RawRow

    def debarment(n: int, name: str) -> dict:  # type: ignore[type-arg]
        return {
            "source_record_id": f"WB-P-{n}",
            "category": "development_bank_debarment",
            "subject_name": name,
            "subject_country": "PK",
            "decided_on": "2024-01-01",
            "legal_basis": "World Bank Sanctions Procedures, Section 9.01",
            "status": "final",
            "summary": "Fraudulent practice.",
        }

    names = {
        "MR. KHUDA DAD": "natural_person",
        "PIERRE SAVIGNAC": "natural_person",
        "Mr. Peter Lee (also known as Mr. Li Yi)": "natural_person",
        "张伟": "natural_person",
        # Real firms the old hand list refused: a kept library's legal forms and organisation words.
        "SOLUCIONES ENERGÉTICAS, S. A.": None,
        "Constructora Andina S. de R.L.": None,
        "Groupement Alpha SURL": None,
        "Muhammad Ayub and Brothers": None,
        "T.E. Australia": None,
        "Dr. Reddy's Laboratories Ltd": None,
    }
    rows = [debarment(i, name) for i, name in enumerate(names)]
    before = counts(engine)
    _, from_file = collect(service, write_csv(tmp_path / "wb.csv", rows), "WB")
    from_api: list = []
    service.ingest_rows(
        "WB",
        [RawRow(i, r) for i, r in enumerate(rows, start=1)],
        file_name="api",
        fmt="api",
        on_reject=from_api.append,
    )
    for rejections in (from_file, from_api):
        got = {r.source_record_id: r.reason for r in rejections}
        want = {f"WB-P-{i}": reason for i, reason in enumerate(names.values()) if reason}
        assert got == want
        for r in rejections:
            assert r.field == "subject_name" and not any(
                n in r.message for n in ("KHUDA", "SAVIGNAC", "张伟")
            )
    assert counts(engine)["records"] == before["records"] + 6


def test_the_catalog_publishes_its_closed_lists_and_screening_rules(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/catalog").json()
    penalty = next(c for c in body["categories"] if c["code"] == "administrative_penalty")
    assert {
        "law": "Food Safety Law",
        "law_zh": "食品安全法",
        "articles": "122-150",
        "aliases": [],
    } in penalty["bases"]
    screening = body["screening"]
    assert "religion" in screening["grounds"] and len(screening["lexicon_sha256"]) == 64
    assert any(d["law_zh"] == "宗教事务条例" for d in screening["denied_laws"])
    page = client.get("/catalog").text
    assert "Food Safety Law (食品安全法), Arts. 122-150" in page and 'id="screening"' in page
