"""Generate the demo registry: organisations of every in-scope kind over real divisions, and records
from seven departments, stored through IngestService like any department's file, then rated.

Deterministic for a seed and a date. No religious bodies or trade unions (they are never subjects), and
no person: sole proprietors appear as businesses, whose records are never public.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

import yaml

from credence.catalog import Catalog, Category
from credence.demo.divisions import DIVISIONS
from credence.demo.listings import ListingCounts, add_listings
from credence.demo.procedures import ProcedureCounts, Procedures
from credence.dueprocess.service import DueProcess
from credence.identity import build_uscc
from credence.records.readers import RawRow
from credence.records.service import IngestService

BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class DemoOrganisation:
    code: str
    name: str
    alt_name: str
    prefix: str


def organisations(n: int, seed: int) -> list[DemoOrganisation]:
    doc = yaml.safe_load(resources.files("credence.demo").joinpath("names.yaml").read_text("utf-8"))
    words, kinds = doc["vocabulary"], doc["kinds"]
    weights = [k["weight"] for k in kinds]
    rng = random.Random(seed)
    out: list[DemoOrganisation] = []
    seen: set[str] = set()
    while len(out) < n:
        kind = rng.choices(kinds, weights)[0]
        division, city, city_en = rng.choice(DIVISIONS)
        code = build_uscc(kind["prefix"], division, "".join(rng.choice(BODY_CHARS) for _ in range(8)))
        if code in seen:
            continue
        seen.add(code)
        fill = {"city": city, "city_en": city_en, "n": rng.randrange(1, 9)}
        for name, pairs in words.items():
            fill[name], fill[f"{name}_en"] = rng.choice(pairs)
        zh, en = rng.choice(kind["names"])
        i = len(out) + 1
        out.append(
            DemoOrganisation(
                code, f"{zh.format(**fill)}（{i}）", f"{en.format(**fill)} ({i})", kind["prefix"]
            )
        )
    return out


# Categories whose demo records carry an amount in CNY.
MONEY_CATEGORIES = frozenset(
    {"administrative_penalty", "supplier_payment_default", "social_insurance_arrears"}
)


@dataclass(frozen=True)
class Planned:
    """A kind of record the demo's departments decide (src/credence/demo/plan.yaml)."""

    department: str
    category: str
    concerns: frozenset[str]  # USCC prefixes of the organisations it may be about
    weight: int
    severities: tuple[str, ...] | None
    summaries: tuple[str, ...]


def plan() -> list[Planned]:
    doc = yaml.safe_load(resources.files("credence.demo").joinpath("plan.yaml").read_text("utf-8"))
    groups = doc["groups"]
    return [
        Planned(
            item["department"],
            item["category"],
            frozenset(groups[item["concerns"]] if isinstance(item["concerns"], str) else item["concerns"]),
            item["weight"],
            tuple(item["severities"]) if item["severities"] else None,
            tuple(item["summaries"]),
        )
        for item in doc["records"]
    ]


def example_basis(category: Category, n: int) -> str:
    """The n-th of a few legal bases from the category's closed list (the first article of each range),
    drawn in turn without touching the random stream, so the demo's other figures stay as they were."""
    base = category.bases[n % len(category.bases)]
    ranges = base.ranges
    article = ranges[n // len(category.bases) % len(ranges)][0] if ranges else 1
    return f"{base.law}, Art. {article}"


def records(
    orgs: list[DemoOrganisation], n: int, catalog: Catalog, today: date, seed: int
) -> dict[str, list[dict[str, Any]]]:
    """About n interchange rows, by department."""
    rng = random.Random(seed + 1)
    by_prefix: dict[str, list[DemoOrganisation]] = {}
    for org in orgs:
        by_prefix.setdefault(org.prefix, []).append(org)
    # Some organisations attract more records than others (a few have many).
    activity = {org.code: rng.paretovariate(1.5) for org in orgs}
    planned = plan()
    weights = [p.weight for p in planned]
    out: dict[str, list[dict[str, Any]]] = {}
    counters: dict[str, int] = {}
    pools = {p.concerns: [o for x in sorted(p.concerns) for o in by_prefix.get(x, [])] for p in planned}

    def add(dept: str, category: str, org: DemoOrganisation, decided: date, **fields: Any) -> None:
        counters[dept] = counters.get(dept, 0) + 1
        out.setdefault(dept, []).append(
            {
                "source_record_id": f"{dept}-{decided.year}-{counters[dept]:06d}",
                "category": category,
                "subject_id": org.code,
                "subject_name": org.name,
                "subject_alt_name": org.alt_name,
                "decided_on": decided.isoformat(),
                "legal_basis": example_basis(catalog.categories[category], counters[dept]),
                **fields,
            }
        )

    # Every organisation first makes a public credit commitment, so every one is in the registry.
    for org in orgs:
        decided = today - timedelta(days=rng.randrange(1, 1000))
        add(
            "SAMR",
            "credit_commitment",
            org,
            decided,
            status="final",
            summary="Public commitment to lawful and honest operation.",
        )
    total = len(orgs)
    while total < n:
        chosen = rng.choices(planned, weights)[0]
        pool = pools[chosen.concerns]
        if not pool:
            continue
        total += 1
        org = max(rng.sample(pool, min(3, len(pool))), key=lambda o: activity[o.code])
        decided = today - timedelta(days=rng.randrange(1, 1460))
        severities = chosen.severities
        severity = rng.choices(severities, [3, 5, 2][: len(severities)])[0] if severities else None
        fields: dict[str, Any] = {
            "severity": severity,
            "status": "pending" if rng.random() < 0.08 else "final",
            "summary": rng.choice(chosen.summaries),
        }
        if chosen.category in MONEY_CATEGORIES:
            fields["amount"] = str(rng.randrange(2, 500) * 1000)
            fields["currency"] = "CNY"
        add(chosen.department, chosen.category, org, decided, **fields)
    return out


def _raw(rows: list[dict[str, Any]]) -> Iterator[RawRow]:
    for line, values in enumerate(rows, start=1):
        yield RawRow(line, {k: v for k, v in values.items() if v is not None})


@dataclass(frozen=True)
class DemoResult:
    organisations: int
    records: int
    rejected: int
    by_department: dict[str, int]
    procedures: ProcedureCounts | None = None
    listings: ListingCounts | None = None


def build(
    service: IngestService,
    process: DueProcess,
    catalog: Catalog,
    today: date,
    n_orgs: int,
    n_records: int,
    seed: int,
) -> DemoResult:
    """Generate and ingest the demo, department by department, through the ingestion service."""
    orgs = organisations(n_orgs, seed)
    stored, rejected, by_department = 0, 0, {}
    for dept, rows in sorted(records(orgs, n_records, catalog, today, seed).items()):
        # Most notices have reached their organisations; the last few records still await theirs, so
        # they are neither published nor counted yet.
        awaiting = max(1, len(rows) // 40)
        accepted = 0
        for part, noticed in ((rows[:-awaiting], True), (rows[-awaiting:], False)):
            result = service.ingest_rows(dept, _raw(part), file_name=f"demo-{dept}.ndjson", fmt="demo")
            if noticed and result.batch_id is not None:
                process.deliver_batch_notices(
                    [result.batch_id],
                    actor=f"{dept} (demo)",
                    channel="registered mail to the registered address",
                    rate=False,
                )
            accepted += result.accepted
            rejected += result.rejected
        stored += accepted
        by_department[dept] = accepted
    # Then due process, run over the past months through the services: lists, objections, repairs and
    # commitments, each step on its own day.
    businesses = [o.code for o in orgs if o.prefix == "91"]
    counts = Procedures(process, today, seed).run(businesses, [o.code for o in orgs])
    # Last, the development banks' listings without an identifier, which the linkage model links.
    listed = add_listings(service, process, orgs, today)
    service.analyze()  # the store grew from nothing: let the database plan for what it now holds
    return DemoResult(len(orgs), stored, rejected, by_department, counts, listed)
