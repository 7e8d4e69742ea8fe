"""The criteria of each list, as a YAML file checked against the catalog when it loads: every criterion
cites its law and article, serious-dishonesty criteria stay inside the four permitted fields, and no
criterion touches a prohibited ground."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from credence.catalog import Catalog, LegalBasis
from credence.catalog.loader import Problem, Refused, explain_items
from credence.catalog.model import ListKind
from credence.catalog.prohibited import rule_refusals
from credence.i18n import N_

DEFAULT_LISTS = "default_lists.yaml"

# The only fields in which an organisation may be put on the serious-dishonesty list (each named for a
# reader, marked for the catalogs; `_()` translates where shown).
FIELDS = {
    "public_health_and_safety": N_("public health and safety"),
    "fair_competition_and_market_order": N_("fair competition and market order"),
    "refusal_to_perform_legal_duties": N_("refusal to perform legal duties"),
    "national_defence_obligations": N_("national defence obligations"),
}
SECTIONS = tuple(kind.value for kind in ListKind)


class ListsError(Refused):
    kind = "lists file"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Criterion(_Strict):
    """Why an organisation may be on a list: a published criterion citing its law and article."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    text: str = Field(min_length=1)
    text_zh: str | None = None
    legal_basis: LegalBasis
    departments: tuple[str, ...] = Field(min_length=1)
    field: str | None = None  # serious-dishonesty only: one of FIELDS
    published_on: date | None = None  # serious-dishonesty only: published for comment from
    max_days: int | None = Field(default=None, ge=1)  # serious-dishonesty and honours: longest entry
    escalation: bool = False  # the serious criterion an uncured abnormal-operation entry moves under


class ListsDocument(_Strict):
    version: str = Field(min_length=1)
    serious_dishonesty: tuple[Criterion, ...] = ()
    abnormal_operation: tuple[Criterion, ...] = ()
    honour: tuple[Criterion, ...] = ()


@dataclass(frozen=True)
class Lists:
    version: str
    source: str
    sha256: str
    criteria: dict[ListKind, dict[str, Criterion]]

    def criterion(self, kind: ListKind, code: str) -> Criterion | None:
        return self.criteria[kind].get(code)

    @property
    def escalation(self) -> Criterion | None:
        return next((c for c in self.criteria[ListKind.serious_dishonesty].values() if c.escalation), None)


def load_lists(catalog: Catalog, path: Path | None = None) -> Lists:
    """The lists file at `path`, or the one shipped in the package, checked against the catalog."""
    text, source = ListsError.text_of("credence.lists", DEFAULT_LISTS, path)
    return parse_lists(text, catalog, source)


def parse_lists(text: str, catalog: Catalog, source: str = "<text>") -> Lists:
    raw, lines = ListsError.parse_mapping(text, source, SECTIONS, "a mapping with version and the lists")
    try:
        doc = ListsDocument.model_validate(raw)
    except ValidationError as exc:
        nouns = {kind: f"{kind} criterion" for kind in SECTIONS}
        hints = {"legal_basis": " (every criterion cites a law and article)"}
        raise ListsError(source, explain_items(exc, raw, lines, nouns, "lists file", hints)) from exc
    problems = _check(doc, catalog, lines)
    if problems:
        raise ListsError(source, problems)
    return Lists(
        version=doc.version,
        source=source,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        criteria={kind: {c.code: c for c in getattr(doc, kind.value)} for kind in ListKind},
    )


def _check(doc: ListsDocument, catalog: Catalog, lines: dict[tuple[str, int], int]) -> list[Problem]:
    problems: list[Problem] = []
    for kind in ListKind:
        category = catalog.list_category(kind)
        seen: set[str] = set()
        for i, c in enumerate(getattr(doc, kind.value)):
            where, line = f"{kind.value} criterion '{c.code}'", lines.get((kind.value, i))

            def problem(message: str, where: str = where, line: int | None = line) -> None:
                problems.append(Problem(where, line, message))

            if c.code in seen:
                problem("appears twice")
            seen.add(c.code)
            if category is None:
                problem(f"is for the {kind.value} list, which no catalog category is")
                continue
            for department in c.departments:
                if not catalog.may_submit(department, category.code):
                    problem(f"names department '{department}', which may not record '{category.code}'")
            _check_shape(kind, c, category.publication.any, problem)
            text = " ".join([c.code.replace("_", " "), c.text, c.text_zh or ""])
            for why in rule_refusals(text, c.legal_basis.screened(), catalog.screen):
                problem(f"{why}; no list may use it")
            if not category.accepts_basis(str(c.legal_basis)):
                problem(
                    f"rests on {c.legal_basis}, which is not among the laws category '{category.code}' "
                    f"may rest on: {category.bases_text()}"
                )
    escalations = [c.code for c in doc.serious_dishonesty if c.escalation]
    if len(escalations) > 1:
        problems.append(Problem("serious_dishonesty", None, f"has {len(escalations)} escalation criteria"))
    if doc.abnormal_operation and not escalations:
        problems.append(
            Problem(
                "serious_dishonesty",
                None,
                "has no escalation criterion (escalation: true) for abnormal-operation entries still "
                "uncured at the end of the escalation period",
            )
        )
    return problems


def _check_shape(kind: ListKind, c: Criterion, period: Any, problem: Any) -> None:
    serious, abnormal = kind == ListKind.serious_dishonesty, kind == ListKind.abnormal_operation
    if serious:
        if c.field is None:
            problem(f"has no field; the serious-dishonesty list is limited to: {', '.join(FIELDS)}")
        elif c.field not in FIELDS:
            problem(
                f"field '{c.field}' is outside the four permitted fields of the serious-dishonesty list "
                f"({', '.join(FIELDS)})"
            )
        if c.published_on is None:
            problem("has no published_on: a criterion is published for comment before it is used")
    else:
        for name in ("field", "published_on"):
            if getattr(c, name) is not None:
                problem(f"has {name}, which only serious-dishonesty criteria have")
        if c.escalation:
            problem("has escalation, which only a serious-dishonesty criterion has")
    if abnormal:
        if c.max_days is not None:
            problem("has max_days: an abnormal-operation entry lasts until cured or escalated")
    elif c.max_days is None:
        problem("has no max_days: every entry on this list ends by itself")
    elif period is not None and not period.min_days <= c.max_days <= period.max_days:
        problem(
            f"max_days {c.max_days} is outside the list category's publication period "
            f"({period.min_days}-{period.max_days} days)"
        )
