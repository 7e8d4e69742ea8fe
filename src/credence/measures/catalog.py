"""The measures catalog as a YAML file, refused when it loads if a measure has no legal basis, reaches
beyond the organisation named, or is harsher than its trigger allows (过惩相当: proportionate to the
wrong)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from credence.catalog import Catalog, LegalBasis
from credence.catalog.loader import Problem, Refused, explain_items
from credence.catalog.model import GRADES, ListKind
from credence.catalog.prohibited import rule_refusals

DEFAULT_MEASURES = "default_measures.yaml"

# The domains a measure may apply in; a measure applies in its own domain only.
DOMAINS = {
    "public_procurement": "public procurement",
    "subsidies": "subsidies and public funds",
    "licensing": "licensing",
    "awards": "awards and honours",
    "pilot_programmes": "pilot programmes",
    "inspection": "inspection frequency",
    # Procurement financed by a multilateral development bank that signed the Agreement for Mutual
    # Enforcement of Debarment Decisions (2010): not national public procurement, which no bank's
    # decision reaches unless a national rule says so.
    "mdb_financed_procurement": "procurement financed by a development bank",
}
MAX_DAYS = 1095  # no measure lasts longer than three years


class Effect(StrEnum):
    """What a measure does, mildest discipline first."""

    fast_track = "fast_track"  # the only incentive: faster handling, fewer documents on commitment
    scrutiny = "scrutiny"  # more frequent inspection or review
    restriction = "restriction"  # conditions, limits or deposits
    exclusion = "exclusion"  # barred from the domain


DISCIPLINE = (Effect.scrutiny, Effect.restriction, Effect.exclusion)

# Proportionality: the harshest effect each trigger allows. Kept in code, not in the file an operator
# edits: it is the rule the file is checked against.
HARSHEST: dict[str, Effect | None] = {
    f"list {ListKind.serious_dishonesty.value}": Effect.exclusion,
    f"list {ListKind.abnormal_operation.value}": Effect.restriction,
    "grade D": Effect.restriction,
    "grade C": Effect.scrutiny,
    "grade B": None,
}
INCENTIVE_TRIGGERS = {f"list {ListKind.honour.value}", "grade A"}
# The categories of record whose decisions a measure may give effect to, each with the harshest effect:
# decisions of publishers abroad, which apply here only where a legal basis (the measure's) says so. A
# record of any other category triggers no measure: Credence's own measures follow lists and grades.
RECORD_TRIGGERS: dict[str, Effect] = {
    "development_bank_debarment": Effect.exclusion,
    "international_sanction": Effect.exclusion,
}

# Keys that would make a measure spread beyond the organisation named.
SPREADING = {
    "applies_to",
    "extends_to",
    "spreads_to",
    "affiliates",
    "parents",
    "subsidiaries",
    "officers",
    "legal_representative",
    "relatives",
    "shareholders",
}


class MeasuresError(Refused):
    kind = "measures file"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Trigger(_Strict):
    """What brings a measure into force: an entry on a list, a grade, or a published record of a
    category (a decision abroad), from the departments named and, with `longer_than_years`, only when the
    decision as made runs longer than that many years (a permanent one does; one without an end does not)."""

    list: ListKind | None = None
    grade: str | None = None
    record: str | None = None
    departments: tuple[str, ...] = ()
    longer_than_years: int | None = Field(default=None, ge=1, le=10)

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        if sum(x is not None for x in (self.list, self.grade, self.record)) != 1:
            raise ValueError("give exactly one of list, grade or record")
        if self.grade is not None and self.grade not in GRADES:
            raise ValueError(f"grade '{self.grade}' is not one of {', '.join(GRADES)}")
        if self.record is None and (self.departments or self.longer_than_years is not None):
            raise ValueError("departments and longer_than_years belong to a record trigger")
        if self.record is not None and not self.departments:
            raise ValueError("a record trigger names the departments whose decisions it gives effect to")
        return self

    def __str__(self) -> str:
        if self.list is not None:
            return f"list {self.list.value}"
        if self.record is not None:
            return f"record {self.record}"
        return f"grade {self.grade}"

    def describe(self) -> str:
        """The trigger in words, for the measures list."""
        if self.record is None:
            return str(self)
        years = self.longer_than_years
        longer = f", longer than {years} year{'s' if years != 1 else ''}" if years is not None else ""
        return f"record {self.record} by {', '.join(self.departments)}{longer}"


class Measure(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    title: str = Field(min_length=1)
    title_zh: str | None = None
    effect: Effect
    domain: str
    # The department that decides; for a record trigger, left out: the record's own department decided.
    department: str | None = None
    legal_basis: LegalBasis
    trigger: Trigger
    max_days: int = Field(ge=1, le=MAX_DAYS)
    description: str = ""

    @property
    def incentive(self) -> bool:
        return self.effect is Effect.fast_track


class MeasuresDocument(_Strict):
    version: str = Field(min_length=1)
    measures: tuple[Measure, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Measures:
    version: str
    source: str
    sha256: str
    measures: dict[str, Measure]

    def in_domain(self, domain: str) -> list[Measure]:
        return [m for m in self.measures.values() if m.domain == domain]


def load_measures(catalog: Catalog, path: Path | None = None) -> Measures:
    text, source = MeasuresError.text_of("credence.measures", DEFAULT_MEASURES, path)
    return parse_measures(text, catalog, source)


def parse_measures(text: str, catalog: Catalog, source: str = "<text>") -> Measures:
    raw, lines = MeasuresError.parse_mapping(
        text, source, ("measures",), "a mapping with version and measures"
    )
    problems = _spreading(raw, lines)
    if problems:
        raise MeasuresError(source, problems)
    try:
        doc = MeasuresDocument.model_validate(raw)
    except ValidationError as exc:
        hints = {"legal_basis": " (no measure without a legal basis: cite a law and article)"}
        raise MeasuresError(
            source, explain_items(exc, raw, lines, {"measures": "measure"}, "measures file", hints)
        ) from exc
    problems = _check(doc, catalog, lines)
    if problems:
        raise MeasuresError(source, problems)
    return Measures(
        version=doc.version,
        source=source,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        measures={m.code: m for m in doc.measures},
    )


def _where(raw: dict[str, Any], index: int) -> str:
    items = raw.get("measures") or []
    item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
    return f"measure '{item.get('code', f'#{index + 1}')}'"


def _spreading(raw: dict[str, Any], lines: dict[tuple[str, int], int]) -> list[Problem]:
    problems = []
    for i, item in enumerate(raw.get("measures") or []):
        keys = sorted(SPREADING & set(item)) if isinstance(item, dict) else []
        if keys:
            problems.append(
                Problem(
                    _where(raw, i),
                    lines.get(("measures", i)),
                    f"has {', '.join(keys)}: a measure binds only the organisation named; nothing spreads to "
                    "parents, subsidiaries, officers or relatives",
                )
            )
    return problems


def _check(doc: MeasuresDocument, catalog: Catalog, lines: dict[tuple[str, int], int]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, m in enumerate(doc.measures):
        where, line = f"measure '{m.code}'", lines.get(("measures", i))

        def problem(message: str, where: str = where, line: int | None = line) -> None:
            problems.append(Problem(where, line, message))

        if m.code in seen:
            problem("appears twice")
        seen.add(m.code)
        if m.department is None:
            if m.trigger.record is None:
                problem(
                    "names no department: a measure on a list or a grade names the department that decides"
                )
        elif m.department not in catalog.departments:
            problem(f"names department '{m.department}', which the catalog does not declare")
        if m.domain not in DOMAINS:
            problem(f"domain '{m.domain}' is not one of {', '.join(DOMAINS)}")
        trigger = str(m.trigger)
        if m.trigger.record is not None:
            problems.extend(_record_trigger(m, catalog, where, line))
        elif m.incentive and trigger not in INCENTIVE_TRIGGERS:
            problem(f"is an incentive triggered by {trigger}; incentives follow an honour or grade A only")
        if not m.incentive and m.trigger.record is None:
            harshest = HARSHEST.get(trigger)
            if harshest is None:
                problem(f"is a discipline triggered by {trigger}, which allows no discipline")
            elif DISCIPLINE.index(m.effect) > DISCIPLINE.index(harshest):
                problem(
                    f"effect '{m.effect.value}' is harsher than {trigger} allows (at most "
                    f"'{harshest.value}'): measures are proportionate to the wrong"
                )
        text = " ".join([m.code.replace("_", " "), m.title, m.title_zh or "", m.description])
        for why in rule_refusals(text, m.legal_basis.screened(), catalog.screen):
            problem(f"{why}; no measure may use it")
    return problems


def _record_trigger(m: Measure, catalog: Catalog, where: str, line: int | None) -> list[Problem]:
    """A measure that gives effect to decisions recorded from abroad: only of the categories allowed, only
    from departments that may submit them, and never harsher than the category allows."""
    problems: list[Problem] = []
    code = m.trigger.record
    assert code is not None
    harshest = RECORD_TRIGGERS.get(code)
    category = catalog.categories.get(code)
    if category is None:
        problems.append(
            Problem(where, line, f"is triggered by category '{code}', which the catalog does not hold")
        )
    elif harshest is None:
        allowed = ", ".join(RECORD_TRIGGERS)
        problems.append(
            Problem(
                where,
                line,
                f"is triggered by records of '{code}'; only records of {allowed} trigger measures",
            )
        )
    if m.incentive:
        problems.append(
            Problem(
                where,
                line,
                "is an incentive triggered by a record; incentives follow an honour or grade A only",
            )
        )
    elif harshest is not None and DISCIPLINE.index(m.effect) > DISCIPLINE.index(harshest):
        problems.append(
            Problem(where, line, f"effect '{m.effect.value}' is harsher than record {code} allows")
        )
    for department in m.trigger.departments:
        if category is not None and department not in category.departments:
            problems.append(
                Problem(where, line, f"trigger names department '{department}', which may not submit {code}")
            )
    return problems
