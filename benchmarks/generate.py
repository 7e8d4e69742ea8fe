"""Deterministic synthetic interchange rows for benchmarks: valid USCCs over real province codes."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from credence.catalog import load_catalog
from credence.demo.generate import example_basis
from credence.identity import ALPHABET, build_uscc

PREFIXES = ["91", "91", "91", "91", "92", "93", "11", "12", "51", "52", "53", "N2"]
PROVINCES = ["11", "12", "31", "32", "33", "37", "44", "51", "61", "65"]
CATEGORIES = [
    ("administrative_penalty", ["minor", "general", "serious"]),
    ("administrative_licence", [None]),
    ("inspection_result", [None]),
    ("credit_commitment", [None]),
    ("commitment_breach", ["general", "serious"]),
]
BODY_CHARS = "0123456789" + "ABCDEFGHJKLMNPQRTUWXY"


def organisations(n: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        division = rng.choice(PROVINCES) + f"{rng.randrange(1, 100):02d}00"
        body = "".join(rng.choice(BODY_CHARS) for _ in range(8))
        code = build_uscc(rng.choice(PREFIXES), division, body)
        assert set(code) <= set(ALPHABET)
        out.append((code, f"测试企业{i:07d}有限公司"))
    return out


def rows(n: int, n_orgs: int | None = None, seed: int = 11) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    orgs = organisations(n_orgs or max(n // 10, 1))
    catalog = load_catalog()
    # A few legal bases per category, from its closed list, as a department's file would cite.
    bases = {c: [example_basis(catalog.categories[c], k) for k in range(8)] for c, _ in CATEGORIES}
    for i in range(n):
        code, name = orgs[rng.randrange(len(orgs))]
        category, severities = CATEGORIES[i % len(CATEGORIES)]
        severity = rng.choice(severities)
        fined = category == "administrative_penalty"
        yield {
            "source_record_id": f"BENCH-{i:09d}",
            "category": category,
            "subject_id": code,
            "subject_name": name,
            "severity": severity,
            "decided_on": f"20{rng.randrange(18, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "legal_basis": bases[category][i % 8],
            "status": "final" if rng.random() < 0.9 else "pending",
            "amount": str(rng.randrange(1000, 500000)) if fined else None,
            "currency": "CNY" if fined else None,
            # Distinct per row, as real summaries are: each is screened (credence.screening), none cached.
            "summary": f"Benchmark record {i}: a decision of a public body about this organisation.",
            "effective_until": None,
        }


def write_ndjson(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows(n):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path
