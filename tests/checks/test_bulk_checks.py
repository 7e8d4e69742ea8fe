"""Bulk checks by block (issue 16): a file of bidders is answered a block at a time, each block by one query
of each kind, and every line says what the check of that one bidder says. On a small demo registry (lists,
grades, decisions abroad, linked files, sole proprietors), a generated file mixing every kind of line is
checked in every domain both ways: by blocks, and line by line through `check` (the queries of one
organisation) and `check_name`. The answers are the same, line by line; bad lines keep their line and never
repeat a person's number."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select

from credence.checks import service as checks_service
from credence.checks.bidders import Bidder
from credence.checks.names import NameRefused
from credence.checks.service import (
    CSV_COLUMNS,
    NOT_HELD,
    UNDISCLOSED,
    CheckService,
    Disclosure,
    _fill,
)
from credence.demo.generate import build
from credence.identity import IdentifierError, SubjectRefused, build_uscc, not_an_identifier
from credence.measures.catalog import DOMAINS
from credence.store.models import Organisation

from helpers import checks_for, process_for

RESIDENT = "11010519491231002X"  # a resident identity number: refused, never repeated
SOLE_UNHELD = build_uscc("92", "530100", "WR9G5XEB")


@pytest.fixture
def demo(service, catalog) -> dict[str, Any]:
    process = process_for(service)
    day = process.rating.today()
    build(service, process, catalog, day, 120, 900, 2026)
    process.rating.rate(as_of=day, cause="demo registry built")
    checks = checks_for(process)
    with process.engine.connect() as conn:
        orgs = list(conn.execute(select(Organisation.__table__)))
    return {"checks": checks, "orgs": orgs}


def bidders(orgs: list[Any], n: int, seed: int = 16) -> list[Bidder]:
    """A file of n bidders: mostly the registry's codes (repeated, in lower case, with spaces around), and
    codes it does not hold, mistyped codes, a resident's number, sole proprietors, empty lines and names."""
    rng = random.Random(seed)
    coded = [o for o in orgs if o.code]
    named = [o for o in orgs if not o.code]
    out: list[Bidder] = []
    for line in range(2, n + 2):
        pick = rng.random()
        if pick < 0.75:
            code = rng.choice(coded).code
            values = {"subject_id": rng.choice((code, code.lower(), f" {code} "))}
        elif pick < 0.8:
            code = build_uscc("91", "110000", f"{rng.randrange(10**8):08d}")
            values = {"subject_id": code[:-1] + ("0" if code[-1] != "0" else "1")}  # its check character
        elif pick < 0.84:
            values = {"subject_id": build_uscc("91", "330100", f"{rng.randrange(10**8):08d}")}
        elif pick < 0.86:
            values = {"subject_id": RESIDENT}
        elif pick < 0.88:
            values = {"subject_id": SOLE_UNHELD}
        elif pick < 0.9:
            values = {"subject_id": ""}
        elif pick < 0.92 and named:
            org = rng.choice(named)
            values = {"subject_id": "", "name": org.name, "country": org.country or ""}
        elif pick < 0.97:
            values = {"subject_id": "", "name": "Zhang San", "country": "CN"}
        else:
            values = {"subject_id": "not-a-code"}
        out.append(Bidder(line, values))
    return out


def one_by_one(checks: CheckService, bidder: Bidder, domain: str, disclosure: Disclosure) -> dict[str, str]:
    """The line's answer from the check of that one bidder, as `check` and `check_name` give it."""
    given = (bidder.values.get("subject_id") or "").strip()
    out = dict.fromkeys(CSV_COLUMNS, "")
    out.update(line=str(bidder.line), subject_id=given)
    name = (bidder.values.get("name") or "").strip()
    if not given and name:
        try:
            by_name = checks.check_name(name, bidder.values.get("country") or None, domain)
        except NameRefused as exc:
            return out | {"error": str(exc)}
        found = by_name.check
        out["result"] = by_name.result
        if found is not None:
            _fill(out, found)
        return out
    try:
        found = checks.check(given, domain, disclosure)
    except (IdentifierError, SubjectRefused) as exc:
        person = isinstance(exc, SubjectRefused) and exc.reason == "natural_person"
        out["subject_id"] = "" if isinstance(exc, IdentifierError) or person else given
        out["error"] = f"subject_id: {not_an_identifier(exc)}"
        return out
    _fill(out, found)
    if not found.disclosed:
        out["error"] = UNDISCLOSED
    elif found.organisation is None:
        out["error"] = NOT_HELD
    return out


BY_NAME = ("name", "country", "matched_by", "probability", "candidates")


def test_a_file_checked_by_blocks_answers_each_line_as_its_own_check(demo, monkeypatch) -> None:
    checks: CheckService = demo["checks"]
    monkeypatch.setattr(checks_service, "BLOCK", 97)  # many blocks, an organisation in several of them
    rows = bidders(demo["orgs"], 400)
    sole = [o for o in demo["orgs"] if o.never_public and o.code]
    assert sole, "the demo has sole proprietors"
    rows += [Bidder(800 + i, {"subject_id": o.code}) for i, o in enumerate(sole[:5])]
    for domain in DOMAINS:
        same_answers(checks, rows, domain)


def same_answers(checks: CheckService, rows: list[Bidder], domain: str) -> None:
    everyone = Disclosure(lambda code: True)  # a department reading for a purpose
    for disclosure, reference in ((Disclosure(), Disclosure()), (everyone, Disclosure(lambda code: True))):
        told: list[tuple[int, int]] = []

        def tell(done: int, total: int, told: list[tuple[int, int]] = told) -> None:
            told.append((done, total))

        answers = list(checks.check_rows(rows, domain, disclosure, progress=tell))
        assert len(answers) == len(rows)
        expected = [one_by_one(checks, bidder, domain, reference) for bidder in rows]
        for got, want in zip(answers, expected, strict=True):
            if "matched_by" in got:  # by name: the check's columns are the matched file's
                assert {k: v for k, v in got.items() if k not in BY_NAME} | {"error": ""} == want | {
                    "error": ""
                }, got["line"]
            else:
                assert got == want, got["line"]
        # The same sole proprietors shown to whoever may see them, in the same order.
        assert [o.id for o in disclosure.shown] == [o.id for o in reference.shown]
        assert told[0] == (0, len(rows)) and told[-1] == (len(rows), len(rows))
        assert [d for d, _ in told] == sorted(d for d, _ in told)
    results = {a["result"] for a in answers}
    assert "eligible" in results and "" in results  # checked lines and refused ones
    assert any(a["error"] == NOT_HELD for a in answers)
    text = repr(answers)
    assert RESIDENT[:12] not in text and RESIDENT[-6:] not in text  # a person's number is never repeated
    refused = [a for a in answers if a["error"].startswith("subject_id: ")]
    assert refused and all(a["line"] for a in refused)  # each bad line named by its line


def test_the_file_answers_restrictions_by_blocks(demo, monkeypatch) -> None:
    """The demo's restrictions (list entries in procurement, grades in inspection) come through the
    blocks: not every line is eligible, and each line restricted is restricted on its own check too."""
    checks: CheckService = demo["checks"]
    monkeypatch.setattr(checks_service, "BLOCK", 50)
    coded = [Bidder(i + 2, {"subject_id": o.code}) for i, o in enumerate(demo["orgs"]) if o.code]
    for domain in ("public_procurement", "inspection"):
        answers = list(checks.check_rows(coded, domain))
        restricted = [a for a in answers if a["result"] == "restricted"]
        assert restricted, domain
        for a in restricted[:10]:
            assert checks.check(a["subject_id"], domain).result == "restricted"
            assert a["measures"] and a["legal_basis"] and a["remedy"]
