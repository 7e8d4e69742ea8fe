"""Metadata and column mapping of each published source, one YAML file per source (datasets/<name>.yml).

A mapping says where a bank's file keeps its header, which column feeds which interchange field, how its
dates, sentinels, countries and natural persons read, and how many rows a sound file has.
"""

from __future__ import annotations

import re
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DATASETS_PACKAGE = "credence.sources"
DATASETS_FOLDER = "datasets"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# What a decision rule's pattern may capture: the groups that fill the decision (program and grounds go
# into the summary, as the sanction_type and grounds columns do).
DECISION_GROUPS = frozenset({"originator", "decided_on", "effective_until", "program", "grounds"})
# OpenSanctions' two formats: their layout is fixed, so a mapping of one names no columns (sources.md).
OPENSANCTIONS_FORMATS = frozenset({"opensanctions_targets", "ftm"})


class Role(StrEnum):
    """What a source column is used for."""

    SUBJECT_NAME = "subject_name"
    SUBJECT_ALT_NAME = "subject_alt_name"
    SUBJECT_COUNTRY = "subject_country"
    SUBJECT_ADDRESS = "subject_address"  # the firm's address or city: matching data, never published
    ENTITY_TYPE = "entity_type"  # says whether the row is a firm or an individual
    DECIDED_ON = "decided_on"
    DECIDED_ON_FALLBACK = "decided_on_fallback"  # read only when the decided_on column is empty
    EFFECTIVE_UNTIL = "effective_until"
    GROUNDS = "grounds"  # the grounds or prohibited practice: goes into summary
    ORIGINATING_INSTITUTION = "originating_institution"  # the bank that sanctioned first
    SANCTION_TYPE = "sanction_type"  # goes into summary
    AUTHORITY = "authority"  # the body that decided, when it is not the publisher: goes into summary
    ADDITIONAL_INFO = "additional_info"  # free text searched for identifiers and another name
    IGNORE = "ignore"  # expected in the file, not mapped


UntilWord = Literal["permanent", "open-ended"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Publisher(_Strict):
    name: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://\S+$")


class RecordIdRule(_Strict):
    """The banks publish no record ids: a digest of these columns, normalised, stands in for one. In
    OpenSanctions' formats the key is fixed (the entity's id and its sanction) and is left out."""

    prefix: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    key: list[str] = Field(default_factory=list)


class FileLayout(_Strict):
    format: Literal["xlsx", "csv", "opensanctions_targets", "ftm"]
    sheet: str | None = Field(default=None, description="xlsx only; the first sheet when empty")
    encoding: str = Field(default="utf-8-sig", description="csv only")
    delimiter: str = Field(default=",", min_length=1, max_length=1, description="csv only")
    header_rows: list[int] = Field(
        default_factory=lambda: [1],
        min_length=1,
        description="xlsx and csv only, and required there: 1-based line or row numbers holding the "
        "header, consecutive; data starts after them. "
        "Several rows are joined per column with ' / ' (a merged cell above stands over the cells below).",
    )
    skip_rows_matching: list[str] = Field(
        default_factory=list,
        description="Regular expressions: a row whose first cell matches one is a note, not data.",
    )

    @field_validator("header_rows")
    @classmethod
    def _consecutive(cls, rows: list[int]) -> list[int]:
        if rows[0] < 1 or rows != list(range(rows[0], rows[0] + len(rows))):
            raise ValueError(f"header_rows must be consecutive numbers from 1 up, got {rows}")
        return rows

    @field_validator("skip_rows_matching")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                message = f"skip_rows_matching: {pattern!r} is not a regular expression: {exc}"
                raise ValueError(message) from exc
        return patterns

    @model_validator(mode="after")
    def _csv_single_header(self) -> FileLayout:
        if self.format in OPENSANCTIONS_FORMATS:
            fixed = sorted(
                {"sheet", "header_rows", "skip_rows_matching", "delimiter"} & self.model_fields_set
            )
            if fixed:
                raise ValueError(f"the layout of {self.format} is fixed; leave out {', '.join(fixed)}")
            return self
        if "header_rows" not in self.model_fields_set:
            raise ValueError(f"header_rows is required for {self.format}")
        if self.format == "csv" and len(self.header_rows) != 1:
            raise ValueError("a csv file has exactly one header line")
        return self

    @property
    def opensanctions(self) -> bool:
        """Whether the file is in one of OpenSanctions' formats, whose columns are fixed."""
        return self.format in OPENSANCTIONS_FORMATS

    @property
    def data_starts_at(self) -> int:
        return self.header_rows[-1] + 1


class AdditionalInfoRule(_Strict):
    """What to look for in an additional_info column."""

    identifiers: list[Literal["uscc", "lei"]] = Field(default_factory=list)
    alt_name: Literal["han"] | None = Field(
        default=None, description="han: the first name written in Chinese characters becomes subject_alt_name"
    )


class Originators(_Strict):
    """How to read the originating-institution column."""

    own: list[str] = Field(default_factory=list, description="values meaning the publisher itself")
    names: dict[str, str] = Field(default_factory=dict, description="published value -> name for summary")


class NaturalPersonRules(_Strict):
    entity_values: list[str] = Field(
        default_factory=list, description="values of the entity_type column that mean a natural person"
    )
    name_prefixes: list[str] = Field(
        default_factory=list,
        description="titles that, as the first word of the name, mark a natural person; compared as "
        "written, case and all ('MS' in capitals is M/S, Messrs, a firm); one ending in a dot also matches "
        "with no space after it",
    )
    require_organisation_form: bool = Field(
        default=False,
        description="when true, a name with no word of organisational form (Ltd, S.A., LLP, company, "
        "公司 ...) and no identifier is taken for a natural person: the registry refuses a firm it cannot "
        "tell from a person rather than record a person",
    )


class RowCount(_Strict):
    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> RowCount:
        if self.min > self.max:
            raise ValueError(f"expected_rows: min {self.min} is above max {self.max}")
        return self


class DecisionRule(_Strict):
    """Reads a decision packed in free text, such as `CROSS-DEBARMENT: WBG - 2023-05-02 - 2026-05-01`.

    A cell of `column` whose start matches `prefix` must match `pattern` whole, or its row is rejected:
    text that looks like a decision and cannot be read is the publisher's to fix, not ours to guess.
    Both are regular expressions compared without regard to case, against the cell with its whitespace
    tidied. The pattern's named groups fill the decision: `originator` (looked up in `originators`),
    `decided_on` and `effective_until` (read with `date_formats` and `sentinels`).
    """

    column: str = Field(min_length=1)
    prefix: str = Field(min_length=1, description="a cell starting with this is a decision to read")
    pattern: str = Field(
        min_length=1, description="the whole cell, with named groups originator, decided_on, effective_until"
    )

    @field_validator("prefix", "pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _groups(self) -> DecisionRule:
        groups = set(re.compile(self.pattern).groupindex)
        if not groups:
            raise ValueError(f"pattern has no named group; give one or more of {sorted(DECISION_GROUPS)}")
        unknown = groups - DECISION_GROUPS
        if unknown:
            raise ValueError(f"pattern names groups {sorted(unknown)}; known: {sorted(DECISION_GROUPS)}")
        return self

    @property
    def prefix_re(self) -> re.Pattern[str]:
        return re.compile(self.prefix, re.IGNORECASE)

    @property
    def pattern_re(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


_SINGLE_ROLES = frozenset(Role) - {Role.IGNORE}
_REQUIRED_ROLES = (Role.SUBJECT_NAME,)


class DatasetMapping(_Strict):
    """One source: who publishes it, how its file is laid out and how its columns map."""

    name: str = Field(pattern=_NAME.pattern)
    title: str = Field(min_length=1)
    publisher: Publisher
    department: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", description="department code in the catalog")
    category: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="category code in the catalog")
    legal_basis: str = Field(min_length=1)
    record_id: RecordIdRule
    file: FileLayout
    columns: dict[str, Role] = Field(
        default_factory=dict,
        description="source column -> role; all are required. Left out in OpenSanctions' formats.",
    )
    additional_info: AdditionalInfoRule = Field(default_factory=AdditionalInfoRule)
    originators: Originators = Field(default_factory=Originators)
    date_formats: list[str] = Field(min_length=1, description="strptime formats, tried in order")
    sentinels: dict[str, UntilWord] = Field(
        default_factory=dict, description="end-date values that are not dates (compared case-insensitively)"
    )
    natural_person: NaturalPersonRules = Field(default_factory=NaturalPersonRules)
    country_aliases: dict[str, str] = Field(
        default_factory=dict, description="spellings pycountry does not resolve -> ISO 3166-1 alpha-2"
    )
    decision_rules: list[DecisionRule] = Field(
        default_factory=list,
        description="decisions packed in free text: a column's prefix and the pattern that reads it",
    )
    expected_rows: RowCount = Field(description="the band of data rows a sound file has")

    @field_validator("country_aliases")
    @classmethod
    def _alpha2(cls, aliases: dict[str, str]) -> dict[str, str]:
        bad = {text: code for text, code in aliases.items() if not re.fullmatch(r"[A-Z]{2}", code)}
        if bad:
            raise ValueError(f"country_aliases must map to two capital letters: {bad}")
        return aliases

    @model_validator(mode="after")
    def _roles(self) -> DatasetMapping:
        if self.file.opensanctions:
            return self._opensanctions()
        if not self.columns:
            raise ValueError("columns: a file in xlsx or csv needs its columns mapped")
        if not self.record_id.key:
            raise ValueError("record_id.key: name the columns whose values make a row's id")
        for role in _SINGLE_ROLES:
            found = [column for column, r in self.columns.items() if r is role]
            if len(found) > 1:
                raise ValueError(f"role {role.value} is given to several columns: {found}")
        for role in _REQUIRED_ROLES:
            if role not in self.columns.values():
                raise ValueError(f"no column has the role {role.value}")
        dated = any("decided_on" in re.compile(rule.pattern).groupindex for rule in self.decision_rules)
        if Role.DECIDED_ON not in self.columns.values() and not dated:
            raise ValueError("no column has the role decided_on, and no decision rule reads a decided_on")
        outside = [rule.column for rule in self.decision_rules if rule.column not in self.columns]
        if outside:
            raise ValueError(f"decision_rules name columns that are not in columns: {outside}")
        if Role.DECIDED_ON_FALLBACK in self.columns.values() and Role.DECIDED_ON not in self.columns.values():
            raise ValueError("decided_on_fallback needs a decided_on column")
        unknown = [column for column in self.record_id.key if column not in self.columns]
        if unknown:
            raise ValueError(f"record_id.key names columns that are not in columns: {unknown}")
        return self

    def _opensanctions(self) -> DatasetMapping:
        fmt = self.file.format
        if self.columns:
            raise ValueError(f"columns: the columns of {fmt} are fixed; leave columns out")
        if self.record_id.key:
            raise ValueError(
                f"record_id.key: in {fmt} the id is the entity's and its sanction's; leave key out"
            )
        if self.additional_info != AdditionalInfoRule():
            raise ValueError(f"additional_info: {fmt} has no additional_info column; leave it out")
        if fmt == "ftm" and self.decision_rules:
            raise ValueError(
                "decision_rules: an FtM Sanction's dates are properties, not free text; leave them out"
            )
        if fmt == "opensanctions_targets":
            outside = [rule.column for rule in self.decision_rules if rule.column != "sanctions"]
            if outside:
                raise ValueError(f"decision_rules read the column sanctions only, not {outside}")
            if not any("decided_on" in re.compile(rule.pattern).groupindex for rule in self.decision_rules):
                raise ValueError(
                    "decision_rules: the sanctions column is free text; give a rule whose pattern reads "
                    "decided_on (docs/sources.md#opensanctions-formats)"
                )
        return self

    def column_for(self, role: Role) -> str | None:
        """The source column that has this role, if any."""
        return next((column for column, r in self.columns.items() if r is role), None)


def _datasets_dir() -> Traversable:
    return resources.files(DATASETS_PACKAGE).joinpath(DATASETS_FOLDER)


class DatasetError(ValueError):
    """A dataset mapping that does not load: the message names the file and the key."""


def list_datasets() -> list[str]:
    """Names of the mappings shipped with the package, sorted."""
    return sorted(
        entry.name.removesuffix(".yml") for entry in _datasets_dir().iterdir() if entry.name.endswith(".yml")
    )


def _where(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a key path: decision_rules[0].pattern."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_dataset(text: str, origin: str) -> DatasetMapping:
    """A mapping from YAML text; origin (the file) names it in error messages, with the key at fault."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise DatasetError(f"{origin}: not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{origin}: a dataset mapping must be a YAML mapping")
    try:
        return DatasetMapping.model_validate(data)
    except ValidationError as exc:
        # The message, never the input: a value may be anything the file holds.
        problems = "; ".join(
            f"{_where(error['loc'])}: {error['msg'].removeprefix('Value error, ')}" for error in exc.errors()
        )
        raise DatasetError(f"{origin}: {problems}") from None


def _check_name(mapping: DatasetMapping, file_name: str, origin: str) -> DatasetMapping:
    stem = file_name.rsplit(".", 1)[0]
    if mapping.name != stem:
        raise DatasetError(f"{origin}: name: must be the file's name without its suffix, {stem!r}")
    return mapping


def load_dataset(name: str, sources_dir: Path | None = None) -> DatasetMapping:
    """The mapping called `name` (e.g. "world_bank"): NAME.yml in the operator's `sources_dir` if there is
    one, else the one shipped in the package. An unknown name is not repeated in the error."""
    local = sources_dir / f"{name}.yml" if sources_dir is not None and _NAME.match(name) else None
    if local is not None and local.is_file():
        return load_dataset_file(local)
    known = list_datasets()
    if not _NAME.match(name) or name not in known:
        extra = ""
        if sources_dir is not None:
            found = ", ".join(local_datasets(sources_dir)) or "none"
            extra = f"; in {sources_dir}: {found if sources_dir.is_dir() else 'none, it is not a folder'}"
        raise LookupError(
            f"no dataset mapping by that name; shipped: {', '.join(known)}{extra} "
            "(or give the path of a NAME.yml file)"
        )
    text = _datasets_dir().joinpath(f"{name}.yml").read_text(encoding="utf-8")
    return _check_name(parse_dataset(text, f"{name}.yml"), f"{name}.yml", f"{name}.yml")


def local_datasets(sources_dir: Path) -> list[str]:
    """Names of the mappings in an operator's sources folder, sorted."""
    if not sources_dir.is_dir():
        return []
    return sorted(path.stem for path in sources_dir.glob("*.yml") if _NAME.match(path.stem))


def load_dataset_file(path: Path) -> DatasetMapping:
    """A mapping from a YAML file outside the package, named like the file (mylist.yml: name mylist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"cannot read the dataset mapping {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: a dataset mapping must be UTF-8 text") from None
    return _check_name(parse_dataset(text, str(path)), path.name, str(path))


def is_dataset_path(source: str) -> bool:
    """Whether --source names a file (a path, or a name ending in .yml or .yaml) rather than a source."""
    return source.endswith((".yml", ".yaml")) or "/" in source or "\\" in source


def find_dataset(source: str, sources_dir: Path | None = None) -> tuple[DatasetMapping, str]:
    """The mapping --source names, a YAML file's path or a source's name (see load_dataset), and the
    file it came from, for messages."""
    if is_dataset_path(source):
        return load_dataset_file(Path(source)), source
    mapping = load_dataset(source, sources_dir)
    local = sources_dir / f"{source}.yml" if sources_dir is not None else None
    return mapping, str(local) if local is not None and local.is_file() else f"{source}.yml (shipped)"
