"""Load a catalog YAML and refuse it, naming the category and line, when it breaks the registry's rules."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from credence.catalog.model import CatalogDocument, Category, Department, ListKind
from credence.catalog.prohibited import denied_base, prohibited_grounds_in
from credence.screening import LexiconError, Screen
from credence.screening.laws import LawRef

DEFAULT_CATALOG = "default_catalog.yaml"


@dataclass(frozen=True)
class Problem:
    where: str  # "category 'x'" or "department 'Y'" or "catalog"
    line: int | None
    message: str

    def __str__(self) -> str:
        at = f" (line {self.line})" if self.line else ""
        return f"{self.where}{at}: {self.message}"


class Refused(ValueError):
    """A file of rules (a catalog, a policy) refused, with every problem found. Subclasses name the kind
    of file; reading and parsing the YAML are shared."""

    kind = "file"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.kind} {source} is refused:\n{lines}")

    @classmethod
    def read(cls, path: Path) -> str:
        """The file's text, or this error saying why it cannot be read."""
        try:
            return Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise cls(str(path), [Problem(cls.kind, None, f"cannot be read: {exc}")]) from exc

    @classmethod
    def text_of(cls, package: str, default: str, path: Path | None) -> tuple[str, str]:
        """The text of the file at `path`, or of the default one shipped in `package`, and its name."""
        if path is None:
            return resources.files(package).joinpath(default).read_text("utf-8"), f"(default) {default}"
        return cls.read(path), str(path)

    @classmethod
    def parse_mapping(
        cls, text: str, source: str, sections: tuple[str, ...], shape: str
    ) -> tuple[dict[str, Any], dict[tuple[str, int], int]]:
        """The YAML document (a mapping) and the line of each entry of its `sections`, or this error
        naming the line where the YAML breaks."""
        try:
            raw = yaml.safe_load(text)
            lines = item_lines(text, sections)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise cls(source, [Problem(cls.kind, line, f"is not valid YAML: {exc}")]) from exc
        if not isinstance(raw, dict):
            raise cls(source, [Problem(cls.kind, 1, f"must be {shape}")])
        return raw, lines


class CatalogError(Refused):
    kind = "catalog"


@dataclass(frozen=True)
class Catalog:
    version: str
    title: str
    source: str
    sha256: str
    departments: dict[str, Department]
    categories: dict[str, Category]
    _allowed: frozenset[tuple[str, str]] = field(default=frozenset(), repr=False)
    # What every record under this catalog is screened with (the lexicon and the denied laws).
    screen: Screen = field(default_factory=Screen.default, repr=False, compare=False)

    def may_submit(self, department: str, category: str) -> bool:
        return (department, category) in self._allowed

    def list_category(self, kind: ListKind) -> Category | None:
        """The category whose records are this list's entries, if the catalog has one."""
        return next((c for c in self.categories.values() if c.list == kind), None)


def screen_from(settings: Any) -> Screen:
    """The screen the settings name: the lexicon at `lexicon_path`, or the shipped one."""
    path = getattr(settings, "lexicon_path", None)
    if path is None:
        return Screen.default()
    try:
        return Screen.load(path)
    except LexiconError as exc:
        raise CatalogError(str(path), [Problem("lexicon", None, str(exc))]) from exc


def load_catalog(path: Path | None = None, screen: Screen | None = None) -> Catalog:
    """The catalog at `path`, or the one shipped in the package, screened with `screen` (by default the
    shipped lexicon and denied laws)."""
    if path is None:
        text = resources.files("credence.catalog").joinpath(DEFAULT_CATALOG).read_text("utf-8")
        source = f"(default) {DEFAULT_CATALOG}"
    else:
        text, source = CatalogError.read(path), str(path)
    return parse_catalog(text, source, screen)


def parse_catalog(text: str, source: str = "<text>", screen: Screen | None = None) -> Catalog:
    raw, lines = CatalogError.parse_mapping(
        text, source, ("categories", "departments"), "a mapping with departments and categories"
    )

    try:
        doc = CatalogDocument.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(source, _explain(exc, raw, lines)) from exc

    screen = screen or Screen.default()
    problems = _check_rules(doc, lines, screen)
    if problems:
        raise CatalogError(source, problems)
    allowed = frozenset((d, c.code) for c in doc.categories for d in c.departments)
    return Catalog(
        version=doc.version,
        title=doc.title,
        source=source,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        departments={d.code: d for d in doc.departments},
        categories={c.code: c for c in doc.categories},
        _allowed=allowed,
        screen=screen,
    )


def _check_rules(doc: CatalogDocument, lines: dict[tuple[str, int], int], screen: Screen) -> list[Problem]:
    """Rules beyond field types: references resolve, codes are unique, no prohibited ground, no denied
    law among a category's bases."""
    problems: list[Problem] = []
    departments = {d.code for d in doc.departments}
    seen: set[str] = set()
    for i, dept in enumerate(doc.departments):
        if dept.code in seen:
            problems.append(
                Problem(f"department '{dept.code}'", lines.get(("departments", i)), "appears twice")
            )
        seen.add(dept.code)
    seen = set()
    lists: set[ListKind] = set()
    for i, cat in enumerate(doc.categories):
        where, line = f"category '{cat.code}'", lines.get(("categories", i))
        if cat.code in seen:
            problems.append(Problem(where, line, "appears twice"))
        seen.add(cat.code)
        if cat.list is not None:
            if cat.list in lists:
                problems.append(Problem(where, line, f"is a second category for the {cat.list.value} list"))
            lists.add(cat.list)
        for dept_code in cat.departments:
            if dept_code not in departments:
                problems.append(
                    Problem(
                        where, line, f"names department '{dept_code}', which the catalog does not declare"
                    )
                )
        text = " ".join(
            [
                cat.code.replace("_", " "),
                cat.title,
                cat.title_zh or "",
                cat.description,
                *cat.criteria,
                cat.legal_basis.law,
                cat.legal_basis.article,
                cat.legal_basis.law_zh or "",
                cat.legal_basis.article_zh or "",
                *(f"{b.law} {b.law_zh} {' '.join(b.aliases)}" for b in cat.bases),
            ]
        )
        basis = cat.legal_basis
        own = LawRef(law=basis.law, law_zh=basis.law_zh or basis.law, articles="all")
        for base in (own, *cat.bases):
            why = denied_base(base, screen)
            if why is not None:
                problems.append(Problem(where, line, f"{why}; the registry never records it"))
        for ground, words in prohibited_grounds_in(text, screen):
            problems.append(
                Problem(
                    where,
                    line,
                    f"concerns a prohibited ground ({ground.label}: '{words}'); "
                    "the registry never records it",
                )
            )
    return problems


def _explain(exc: ValidationError, raw: dict[str, Any], lines: dict[tuple[str, int], int]) -> list[Problem]:
    """Turn pydantic's errors into problems that name the category or department and its line."""
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        where, line, rest = "catalog", None, list(loc)
        if len(loc) >= 2 and loc[0] in ("categories", "departments") and isinstance(loc[1], int):
            section, index = str(loc[0]), loc[1]
            items = raw.get(section) or []
            item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
            kind = "category" if section == "categories" else "department"
            where = f"{kind} '{item.get('code', f'#{index + 1}')}'"
            line = lines.get((section, index))
            rest = list(loc[2:])
        field_name = ".".join(str(p) for p in rest)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = f"has no {field_name}" + (
                " (every category must cite a law and article)"
                if field_name.startswith("legal_basis")
                else " (every category lists the laws and articles its records may rest on)"
                if field_name == "bases"
                else ""
            )
        elif field_name:
            message = f"{field_name}: {message}"
        problems.append(Problem(where, line, message))
    return problems


def item_lines(
    text: str, sections: tuple[str, ...] = ("categories", "departments")
) -> dict[tuple[str, int], int]:
    """Line numbers of each entry of these top-level lists, for error messages."""
    root = yaml.compose(text)
    found: dict[tuple[str, int], int] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value in sections and isinstance(value, yaml.SequenceNode):
                for i, node in enumerate(value.value):
                    found[(key.value, i)] = node.start_mark.line + 1
    return found


def explain_items(
    exc: ValidationError,
    raw: dict[str, Any],
    lines: dict[tuple[str, int], int],
    nouns: dict[str, str],
    fallback: str,
    hints: dict[str, str] | None = None,
) -> list[Problem]:
    """pydantic's errors as problems naming the item of a top-level list (`nouns`: section → what its
    items are called, e.g. "measure") by its code, with its line; `hints` add words to a missing field."""
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        where, line = fallback, None
        if len(loc) >= 2 and loc[0] in nouns and isinstance(loc[1], int):
            section, index = str(loc[0]), loc[1]
            items = raw.get(section) or []
            item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
            where = f"{nouns[section]} '{item.get('code', f'#{index + 1}')}'"
            line = lines.get((section, index))
            loc = loc[2:]
        name = ".".join(str(p) for p in loc)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = f"has no {name}" + next((h for k, h in (hints or {}).items() if name.startswith(k)), "")
        elif name:
            message = f"{name}: {message}"
        problems.append(Problem(where, line, message))
    return problems
