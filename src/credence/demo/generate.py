"""Generate the demo registry: organisations of every in-scope kind over real divisions, and records
from seven departments, stored through IngestService like any department's file, then rated.

Deterministic for a seed and a date. No religious bodies or trade unions (they are never subjects), and
no person: sole proprietors appear as businesses, whose records are never public.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

import yaml

from credence.catalog import Catalog
from credence.demo.divisions import DIVISIONS
from credence.identity import build_uscc
from credence.records.readers import RawRow
from credence.records.service import IngestService

BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
BRANDS = (
    ("恒信", "Hengxin"),
    ("华源", "Huayuan"),
    ("金鼎", "Jinding"),
    ("宏达", "Hongda"),
    ("瑞丰", "Ruifeng"),
    ("鑫隆", "Xinlong"),
    ("东方", "Dongfang"),
    ("天成", "Tiancheng"),
    ("博远", "Boyuan"),
    ("中科", "Zhongke"),
    ("新锐", "Xinrui"),
    ("长青", "Changqing"),
    ("启明", "Qiming"),
    ("佳和", "Jiahe"),
    ("正大", "Zhengda"),
    ("联创", "Lianchuang"),
    ("汇通", "Huitong"),
    ("安泰", "Antai"),
    ("永兴", "Yongxing"),
    ("万象", "Wanxiang"),
    ("盛世", "Shengshi"),
    ("广和", "Guanghe"),
    ("润泽", "Runze"),
    ("银河", "Yinhe"),
    ("凯旋", "Kaixuan"),
)
INDUSTRIES = (
    ("食品", "Food"),
    ("电子", "Electronics"),
    ("建筑工程", "Construction"),
    ("物流", "Logistics"),
    ("化工", "Chemicals"),
    ("医药", "Pharmaceutical"),
    ("纺织", "Textiles"),
    ("机械", "Machinery"),
    ("贸易", "Trading"),
    ("科技", "Technology"),
    ("餐饮", "Catering"),
    ("环保", "Environmental"),
    ("能源", "Energy"),
    ("建材", "Building Materials"),
    ("汽车服务", "Auto Services"),
)
BUREAUS = (
    ("交通运输局", "Transport Bureau"),
    ("住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("教育局", "Education Bureau"),
    ("卫生健康委员会", "Health Commission"),
    ("水务局", "Water Affairs Bureau"),
    ("城市管理局", "Urban Management Bureau"),
    ("园林绿化局", "Landscaping Bureau"),
)


@dataclass(frozen=True)
class DemoOrganisation:
    code: str
    name: str
    alt_name: str
    prefix: str


def _kinds() -> list[tuple[str, int, Callable[[random.Random, str, str, int], tuple[str, str]]]]:
    """(USCC prefix, weight, name maker) for every in-scope kind the demo has."""

    def enterprise(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        (b, b_en), (ind, ind_en) = rng.choice(BRANDS), rng.choice(INDUSTRIES)
        form, form_en = rng.choice([("有限公司", "Co., Ltd."), ("股份有限公司", "Co., Ltd. (joint stock)")])
        return f"{city}{b}{ind}{form}（{i}）", f"{city_en} {b_en} {ind_en} {form_en} ({i})"

    def proprietor(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        (b, b_en), (ind, ind_en) = rng.choice(BRANDS), rng.choice(INDUSTRIES)
        return f"{city}{b}{ind}经营部（{i}）", f"{city_en} {b_en} {ind_en} Shop ({i})"

    def coop(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        b, b_en = rng.choice(BRANDS)
        return f"{city}{b}果蔬种植专业合作社（{i}）", f"{city_en} {b_en} Fruit Growers' Cooperative ({i})"

    def organ(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        bureau, bureau_en = rng.choice(BUREAUS)
        return f"{city}市{bureau}（{i}）", f"{city_en} Municipal {bureau_en} ({i})"

    def institution(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        n = rng.randrange(1, 9)
        return rng.choice(
            [
                (f"{city}市第{n}人民医院（{i}）", f"{city_en} No. {n} People's Hospital ({i})"),
                (f"{city}市第{n}中学（{i}）", f"{city_en} No. {n} Middle School ({i})"),
                (
                    f"{city}市城市规划设计研究院（{i}）",
                    f"{city_en} Urban Planning and Design Institute ({i})",
                ),
            ]
        )

    def association(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        ind, ind_en = rng.choice(INDUSTRIES)
        return f"{city}市{ind}行业协会（{i}）", f"{city_en} {ind_en} Industry Association ({i})"

    def school(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        b, b_en = rng.choice(BRANDS)
        return f"{city}{b}职业培训学校（{i}）", f"{city_en} {b_en} Vocational Training School ({i})"

    def foundation(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        b, b_en = rng.choice(BRANDS)
        return f"{city}{b}公益基金会（{i}）", f"{city_en} {b_en} Charitable Foundation ({i})"

    def law_firm(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        b, b_en = rng.choice(BRANDS)
        return f"{city}{b}律师事务所（{i}）", f"{city_en} {b_en} Law Firm ({i})"

    def village(rng: random.Random, city: str, city_en: str, i: int) -> tuple[str, str]:
        b, b_en = rng.choice(BRANDS)
        return f"{city}{b}村股份经济合作社（{i}）", f"{city_en} {b_en} Village Economic Cooperative ({i})"

    return [
        ("91", 680, enterprise),
        ("92", 80, proprietor),
        ("93", 40, coop),
        ("11", 50, organ),
        ("12", 60, institution),
        ("51", 25, association),
        ("52", 20, school),
        ("53", 10, foundation),
        ("31", 15, law_firm),
        ("N2", 20, village),
    ]


def organisations(n: int, seed: int) -> list[DemoOrganisation]:
    rng = random.Random(seed)
    kinds = _kinds()
    weights = [w for _, w, _ in kinds]
    out: list[DemoOrganisation] = []
    seen: set[str] = set()
    while len(out) < n:
        prefix, _, make = rng.choices(kinds, weights)[0]
        division, city, city_en = rng.choice(DIVISIONS)
        code = build_uscc(prefix, division, "".join(rng.choice(BODY_CHARS) for _ in range(8)))
        if code in seen:
            continue
        seen.add(code)
        name, alt = make(rng, city, city_en, len(out) + 1)
        out.append(DemoOrganisation(code, name, alt, prefix))
    return out


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
    total = 0
    # Every organisation first makes a public credit commitment, so every one is in the registry.
    for org in orgs:
        decided = today - timedelta(days=rng.randrange(1, 1000))
        counters["SAMR"] = counters.get("SAMR", 0) + 1
        out.setdefault("SAMR", []).append(
            {
                "source_record_id": f"SAMR-{decided.year}-{counters['SAMR']:06d}",
                "category": "credit_commitment",
                "subject_id": org.code,
                "subject_name": org.name,
                "subject_alt_name": org.alt_name,
                "decided_on": decided.isoformat(),
                "legal_basis": str(catalog.categories["credit_commitment"].legal_basis),
                "status": "final",
                "summary": "Public commitment to lawful and honest operation.",
            }
        )
        total += 1
    while total < n:
        chosen = rng.choices(planned, weights)[0]
        dept, category_code, severities, summaries = (
            chosen.department,
            chosen.category,
            chosen.severities,
            chosen.summaries,
        )
        pool = pools[chosen.concerns]
        if not pool:
            continue
        total += 1
        candidates = rng.sample(pool, min(3, len(pool)))
        org = max(candidates, key=lambda o: activity[o.code])
        category = catalog.categories[category_code]
        decided = today - timedelta(days=rng.randrange(1, 1460))
        severity = rng.choices(severities, [3, 5, 2][: len(severities)])[0] if severities else None
        counters[dept] = counters.get(dept, 0) + 1
        row: dict[str, Any] = {
            "source_record_id": f"{dept}-{decided.year}-{counters[dept]:06d}",
            "category": category_code,
            "subject_id": org.code,
            "subject_name": org.name,
            "subject_alt_name": org.alt_name,
            "severity": severity,
            "decided_on": decided.isoformat(),
            "legal_basis": str(category.legal_basis),
            "status": "pending" if rng.random() < 0.08 else "final",
            "summary": rng.choice(summaries),
        }
        if category_code in (
            "administrative_penalty",
            "supplier_payment_default",
            "social_insurance_arrears",
        ):
            row["amount"] = str(rng.randrange(2, 500) * 1000)
            row["currency"] = "CNY"
        out.setdefault(dept, []).append(row)
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


def build(
    service: IngestService, catalog: Catalog, today: date, n_orgs: int, n_records: int, seed: int
) -> DemoResult:
    """Generate and ingest the demo, department by department, through the ingestion service."""
    orgs = organisations(n_orgs, seed)
    stored, rejected, by_department = 0, 0, {}
    for dept, rows in sorted(records(orgs, n_records, catalog, today, seed).items()):
        result = service.ingest_rows(dept, _raw(rows), file_name=f"demo-{dept}.ndjson", fmt="demo")
        stored += result.accepted
        rejected += result.rejected
        by_department[dept] = result.accepted
    return DemoResult(len(orgs), stored, rejected, by_department)
