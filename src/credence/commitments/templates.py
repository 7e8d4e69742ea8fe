"""The commitment templates, a YAML file checked against the catalog when it loads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from credence.catalog import Catalog, LegalBasis, Severity
from credence.catalog.loader import Problem, Refused, explain_items
from credence.catalog.prohibited import rule_refusals

DEFAULT_TEMPLATES = "default_templates.yaml"
MADE, BROKEN = "credit_commitment", "commitment_breach"  # the catalog categories of the two records


class TemplatesError(Refused):
    kind = "commitment templates file"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Template(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    text: str = Field(min_length=1)
    text_zh: str | None = None
    legal_basis: LegalBasis
    departments: tuple[str, ...] = Field(min_length=1)
    breach_severity: Severity


class TemplatesDocument(_Strict):
    version: str = Field(min_length=1)
    templates: tuple[Template, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Templates:
    version: str
    source: str
    sha256: str
    templates: dict[str, Template]


def load_templates(catalog: Catalog, path: Path | None = None) -> Templates:
    text, source = TemplatesError.text_of("credence.commitments", DEFAULT_TEMPLATES, path)
    raw, lines = TemplatesError.parse_mapping(text, source, ("templates",), "a mapping with templates")
    try:
        doc = TemplatesDocument.model_validate(raw)
    except ValidationError as exc:
        nouns = {"templates": "template"}
        raise TemplatesError(
            source, explain_items(exc, raw, lines, nouns, "commitment templates file")
        ) from exc
    problems = _check(doc, catalog, lines)
    if problems:
        raise TemplatesError(source, problems)
    return Templates(
        doc.version,
        source,
        hashlib.sha256(text.encode("utf-8")).hexdigest(),
        {t.code: t for t in doc.templates},
    )


def _check(doc: TemplatesDocument, catalog: Catalog, lines: dict[tuple[str, int], int]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, t in enumerate(doc.templates):
        where, line = f"template '{t.code}'", lines.get(("templates", i))
        if t.code in seen:
            problems.append(Problem(where, line, "appears twice"))
        seen.add(t.code)
        for department in t.departments:
            for category in (MADE, BROKEN):
                if not catalog.may_submit(department, category):
                    problems.append(
                        Problem(
                            where, line, f"names department '{department}', which may not record '{category}'"
                        )
                    )
        for code in (MADE, BROKEN):
            kept = catalog.categories.get(code)
            if kept is not None and not kept.accepts_basis(str(t.legal_basis)):
                problems.append(
                    Problem(
                        where,
                        line,
                        f"rests on {t.legal_basis}, which is not among the laws category '{code}' may rest "
                        f"on: {kept.bases_text()}",
                    )
                )
        for why in rule_refusals(f"{t.text} {t.text_zh or ''}", t.legal_basis.screened(), catalog.screen):
            problems.append(Problem(where, line, f"{why}; no commitment may"))
    return problems
