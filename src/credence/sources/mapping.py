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
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DATASETS_PACKAGE = "credence.sources"
DATASETS_FOLDER = "datasets"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


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
    ADDITIONAL_INFO = "additional_info"  # free text searched for identifiers and another name
    IGNORE = "ignore"  # expected in the file, not mapped


UntilWord = Literal["permanent", "open-ended"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Publisher(_Strict):
    name: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://\S+$")


class RecordIdRule(_Strict):
    """The banks publish no record ids: a digest of these columns, normalised, stands in for one."""

    prefix: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    key: list[str] = Field(min_length=1)


class FileLayout(_Strict):
    format: Literal["xlsx", "csv"]
    sheet: str | None = Field(default=None, description="xlsx only; the first sheet when empty")
    encoding: str = Field(default="utf-8-sig", description="csv only")
    delimiter: str = Field(default=",", min_length=1, max_length=1, description="csv only")
    header_rows: list[int] = Field(
        min_length=1,
        description="1-based line or row numbers holding the header, consecutive; data starts after them. "
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
        if self.format == "csv" and len(self.header_rows) != 1:
            raise ValueError("a csv file has exactly one header line")
        return self

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


_SINGLE_ROLES = frozenset(Role) - {Role.IGNORE}
_REQUIRED_ROLES = (Role.SUBJECT_NAME, Role.DECIDED_ON)


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
    columns: dict[str, Role] = Field(min_length=1, description="source column -> role; all are required")
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
    expected_rows: RowCount

    @field_validator("country_aliases")
    @classmethod
    def _alpha2(cls, aliases: dict[str, str]) -> dict[str, str]:
        bad = {text: code for text, code in aliases.items() if not re.fullmatch(r"[A-Z]{2}", code)}
        if bad:
            raise ValueError(f"country_aliases must map to two capital letters: {bad}")
        return aliases

    @model_validator(mode="after")
    def _roles(self) -> DatasetMapping:
        for role in _SINGLE_ROLES:
            found = [column for column, r in self.columns.items() if r is role]
            if len(found) > 1:
                raise ValueError(f"role {role.value} is given to several columns: {found}")
        for role in _REQUIRED_ROLES:
            if role not in self.columns.values():
                raise ValueError(f"no column has the role {role.value}")
        if Role.DECIDED_ON_FALLBACK in self.columns.values() and Role.DECIDED_ON not in self.columns.values():
            raise ValueError("decided_on_fallback needs a decided_on column")
        unknown = [column for column in self.record_id.key if column not in self.columns]
        if unknown:
            raise ValueError(f"record_id.key names columns that are not in columns: {unknown}")
        return self

    def column_for(self, role: Role) -> str | None:
        """The source column that has this role, if any."""
        return next((column for column, r in self.columns.items() if r is role), None)


def _datasets_dir() -> Traversable:
    return resources.files(DATASETS_PACKAGE).joinpath(DATASETS_FOLDER)


def list_datasets() -> list[str]:
    """Names of the mappings shipped with the package, sorted."""
    return sorted(
        entry.name.removesuffix(".yml") for entry in _datasets_dir().iterdir() if entry.name.endswith(".yml")
    )


def parse_dataset(text: str, origin: str) -> DatasetMapping:
    """A mapping from YAML text; origin names it in error messages."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{origin}: a dataset mapping must be a YAML mapping")
    return DatasetMapping.model_validate(data)


def load_dataset(name: str) -> DatasetMapping:
    """The shipped mapping called `name` (e.g. "world_bank")."""
    known = list_datasets()
    if not _NAME.match(name) or name not in known:
        raise LookupError(f"no dataset mapping called {name!r}; known: {', '.join(known)}")
    text = _datasets_dir().joinpath(f"{name}.yml").read_text(encoding="utf-8")
    mapping = parse_dataset(text, f"{name}.yml")
    if mapping.name != name:
        raise ValueError(f"{name}.yml: its name field says {mapping.name!r}")
    return mapping


def load_dataset_file(path: Path) -> DatasetMapping:
    """A mapping from a YAML file outside the package (for trying a new source)."""
    return parse_dataset(path.read_text(encoding="utf-8"), str(path))
