"""The rating policy as code: a versioned YAML file, validated against the catalog.

A policy names each rule, its weight and what it means. Points are whole numbers and every factor is a
whole percentage, so that every engine that executes the policy (Python for one organisation, SQL for the
whole registry) computes exactly the same integers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from credence.catalog import Catalog
from credence.catalog.loader import Problem, Refused
from credence.catalog.model import GRADES
from credence.catalog.prohibited import rule_refusals

MAX_POINTS = 10_000  # a rule's points, in absolute value: ten times a whole base score is plenty
SEVERITY_KEYS = ("minor", "general", "serious")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Rule(_Strict):
    """Points for records of one catalog category, by severity (or `any` where severity does not apply)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    category: str
    meaning: str = Field(min_length=1)
    points: dict[str, int]
    cap: int | None = Field(default=None, ge=0, description="Most points, in absolute value, in total.")
    grade_at_most: str | None = Field(default=None, description="While such a record counts.")

    @model_validator(mode="after")
    def _keys(self) -> Rule:
        unknown = sorted(set(self.points) - {*SEVERITY_KEYS, "any"})
        if unknown:
            raise ValueError(f"points has unknown keys {unknown}; use minor, general, serious or any")
        if "any" in self.points and len(self.points) > 1:
            raise ValueError("points is either per severity or 'any', not both")
        if any(abs(p) > MAX_POINTS for p in self.points.values()):
            raise ValueError(f"points are at most {MAX_POINTS:,} in absolute value")
        signs = {p > 0 for p in self.points.values() if p}
        if len(signs) > 1:
            raise ValueError("points mix gains and losses; a rule is either adverse or favourable")
        if self.grade_at_most is not None and self.grade_at_most not in GRADES:
            raise ValueError(f"grade_at_most '{self.grade_at_most}' is not one of {', '.join(GRADES)}")
        return self

    def points_for(self, severity: str | None) -> int:
        return self.points.get("any", 0) if "any" in self.points else self.points.get(severity or "", 0)


class DecayBand(_Strict):
    """Records younger than `until_days` (or any age, for the last band) count `percent` of their points."""

    until_days: int | None = Field(default=None, ge=1)
    percent: int = Field(ge=0, le=100)


class Grade(_Strict):
    grade: str
    min_score: int
    meaning: str = Field(min_length=1)


class PolicyDocument(_Strict):
    policy: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
    published: date
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    base_score: int
    floor: int
    ceiling: int
    pending_percent: int = Field(ge=0, le=100, description="How much a pending decision counts.")
    favourable_cap: int = Field(ge=0, description="Most points that favourable records add in total.")
    decay: tuple[DecayBand, ...] = Field(min_length=1)
    grades: tuple[Grade, ...]
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> PolicyDocument:
        if not self.floor <= self.base_score <= self.ceiling:
            raise ValueError("base_score must lie between floor and ceiling")
        if [g.grade for g in self.grades] != list(GRADES):
            raise ValueError(f"grades must be {', '.join(GRADES)}, best first")
        minimums = [g.min_score for g in self.grades]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
            raise ValueError("grade thresholds must fall strictly from A to D")
        if minimums[-1] > self.floor:
            raise ValueError(
                f"grade D must start at or below the floor ({self.floor}) so every score has a grade"
            )
        bounds = [b.until_days for b in self.decay]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError("every decay band but the last needs until_days; the last covers any age")
        if bounds[:-1] != sorted(bounds[:-1]):  # type: ignore[type-var]
            raise ValueError("decay bands must be in order of age")
        return self


class PolicyError(Refused):
    kind = "policy"


@dataclass(frozen=True)
class Policy:
    """A checked policy: the document, where it came from and its file's SHA-256 (stored with ratings)."""

    doc: PolicyDocument
    source: str
    sha256: str

    @property
    def version(self) -> str:
        return self.doc.version

    @property
    def rules(self) -> dict[str, Rule]:
        return {rule.category: rule for rule in self.doc.rules}

    def grade_for(self, score: int) -> str:
        for grade in self.doc.grades:
            if score >= grade.min_score:
                return grade.grade
        return GRADES[-1]


def shipped_versions() -> list[str]:
    """The policy versions shipped in the package, oldest first."""
    names = resources.files("credence.rating").joinpath("policies").iterdir()
    return sorted(p.name.removesuffix(".yaml") for p in names if p.name.endswith(".yaml"))


def load_policy(catalog: Catalog, version: str | None = None, path: Path | None = None) -> Policy:
    """A policy file at `path`, or a shipped version (the newest when none is named)."""
    if path is not None:
        return parse_policy(PolicyError.read(path), catalog, str(path))
    versions = shipped_versions()
    chosen = version or versions[-1]
    if chosen not in versions:
        raise PolicyError(
            chosen,
            [Problem("policy", None, f"no shipped version '{chosen}' (shipped: {', '.join(versions)})")],
        )
    text = resources.files("credence.rating").joinpath("policies", f"{chosen}.yaml").read_text("utf-8")
    return parse_policy(text, catalog, f"(shipped) {chosen}.yaml")


def parse_policy(text: str, catalog: Catalog, source: str = "<text>") -> Policy:
    raw, lines = PolicyError.parse_mapping(text, source, ("rules", "grades", "decay"), "a mapping")
    try:
        doc = PolicyDocument.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(source, _explain(exc, raw, lines)) from exc
    problems = _against_catalog(doc, catalog, lines)
    if problems:
        raise PolicyError(source, problems)
    return Policy(doc, source, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _against_catalog(
    doc: PolicyDocument, catalog: Catalog, lines: dict[tuple[str, int], int]
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    # A policy's words are published with every grade: screened as the catalog's are.
    for why in rule_refusals(f"{doc.title} {doc.description}", "", catalog.screen):
        problems.append(Problem("policy", None, f"{why}; no policy may use it"))
    for i, grade in enumerate(doc.grades):
        for why in rule_refusals(grade.meaning, "", catalog.screen):
            where = f"grade '{grade.grade}'"
            problems.append(Problem(where, lines.get(("grades", i)), f"{why}; no policy may use it"))
    for i, rule in enumerate(doc.rules):
        where, line = f"rule '{rule.name}'", lines.get(("rules", i))
        for why in rule_refusals(rule.meaning, "", catalog.screen):
            problems.append(Problem(where, line, f"{why}; no policy may use it"))
        category = catalog.categories.get(rule.category)
        if category is None:
            problems.append(
                Problem(where, line, f"is about category '{rule.category}', which the catalog lacks")
            )
            continue
        if rule.category in seen:
            problems.append(Problem(where, line, f"is a second rule for category '{rule.category}'"))
        seen.add(rule.category)
        if category.severity_applies and "any" in rule.points:
            problems.append(
                Problem(where, line, f"category '{rule.category}' has severities; give points per severity")
            )
        if not category.severity_applies and set(rule.points) - {"any"}:
            problems.append(
                Problem(where, line, f"category '{rule.category}' has no severity; give points as 'any'")
            )
        sign = next((p > 0 for p in rule.points.values() if p), None)
        if sign is True and category.polarity.value == "adverse":
            problems.append(Problem(where, line, f"adds points for an adverse category ('{rule.category}')"))
        if sign is False and category.polarity.value == "favourable":
            problems.append(
                Problem(where, line, f"takes points for a favourable category ('{rule.category}')")
            )
    return problems


def _explain(exc: ValidationError, raw: dict[str, Any], lines: dict[tuple[str, int], int]) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        where, line = "policy", None
        if len(loc) >= 2 and loc[0] in ("rules", "grades", "decay") and isinstance(loc[1], int):
            items = raw.get(str(loc[0])) or []
            item = items[loc[1]] if loc[1] < len(items) and isinstance(items[loc[1]], dict) else {}
            label = item.get("name") or item.get("grade") or f"#{loc[1] + 1}"
            where = f"{str(loc[0]).rstrip('s') if loc[0] != 'decay' else 'decay band'} '{label}'"
            line = lines.get((str(loc[0]), loc[1]))
            loc = loc[2:]
        name = ".".join(str(p) for p in loc)
        message = err["msg"].removeprefix("Value error, ")
        problems.append(Problem(where, line, f"{name}: {message}" if name else message))
    return problems


class PolicyTranslation(_Strict):
    """A policy's words in another language, for reading: its title, description and the meaning of each
    grade and rule. The published text stays the English one, whose file's SHA-256 the ratings carry; a
    translation names that SHA-256 (`translates`), so it is never shown beside a policy it was not made
    for, and it must give every grade and rule, no more."""

    translates: str = Field(pattern=r"^[0-9a-f]{64}$")
    language: str
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    grades: dict[str, str]
    rules: dict[str, str]

    def problems(self, policy: Policy, catalog: Catalog) -> list[str]:
        """What makes this no translation of `policy`: another file, grades or rules missing or extra, or
        words the catalog's screen refuses."""
        found = []
        if self.translates != policy.sha256:
            found.append(f"translates {self.translates[:12]}…, not this policy ({policy.sha256[:12]}…)")
        grades, rules = {g.grade for g in policy.doc.grades}, {r.name for r in policy.doc.rules}
        for what, given, wanted in (("grades", set(self.grades), grades), ("rules", set(self.rules), rules)):
            if given != wanted:
                missing, extra = sorted(wanted - given), sorted(given - wanted)
                found.append(f"{what}: missing {missing}, not in the policy {extra}")
        for text in (self.title, self.description, *self.grades.values(), *self.rules.values()):
            found.extend(f"{why}; no policy may use it" for why in rule_refusals(text, "", catalog.screen))
        return found


def translation(policy: Policy, lang: str) -> PolicyTranslation | None:
    """The shipped translation of `policy` into `lang`, when there is one made for this very file; None
    for English (the published text), for a policy read from elsewhere, or when none is shipped."""
    if lang == "en":
        return None
    return _shipped_translation(policy.version, lang, policy.sha256)


@cache
def _shipped_translation(version: str, lang: str, sha256: str) -> PolicyTranslation | None:
    place = resources.files("credence.rating").joinpath("policies", "translations", f"{version}.{lang}.yaml")
    if not place.is_file():
        return None
    done = PolicyTranslation.model_validate(yaml.safe_load(place.read_text("utf-8")))
    return done if done.translates == sha256 and done.language == lang else None
