"""The interchange format: the fields a department submits per record (docs/interchange.md).

The pydantic model is the single definition of the fields; `build_schema()` derives the JSON Schema
that ships in the package (interchange.schema.json) and that the API will serve. Row checking itself is in
`validation.py`, which reports every problem by field and reason code rather than stopping at the first.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat

SCHEMA_ID = "https://credence.invalid/schemas/interchange-1.json"
UNTIL_WORDS = ("permanent", "open-ended")


class InterchangeRow(BaseModel):
    """One record as a department submits it."""

    model_config = ConfigDict(
        extra="forbid",
        title="Credence interchange record",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    source_record_id: str = Field(
        min_length=1,
        max_length=200,
        description="The department's own identifier of this record. Resubmitting it with other content "
        "makes a new version.",
    )
    category: str = Field(description="A category code from the catalog that this department may submit.")
    subject_id: str | None = Field(
        default=None,
        description="The organisation: an 18-character Unified Social Credit Code or a 20-character LEI. "
        "Empty only for categories the catalog marks requires_identifier: false "
        "(kept as an unresolved subject).",
    )
    subject_name: str = Field(min_length=1, max_length=500, description="The organisation's name as decided.")
    subject_alt_name: str | None = Field(
        default=None, max_length=500, description="Another name, e.g. the Chinese legal name."
    )
    subject_country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2 country of the organisation; CN for USCC subjects.",
    )
    subject_address: str | None = Field(
        default=None,
        max_length=500,
        description="The organisation's city or address line, for telling organisations apart; never a "
        "person's. Not published.",
    )
    subject_org_code: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Z]{8}-?[0-9X]$",
        description="The old 9-character organisation code (GB 11714): 8 characters and a check "
        "character, optionally written with a hyphen before it. With a USCC it must be the USCC's "
        "positions 9-17.",
    )
    subject_registration: str | None = Field(
        default=None,
        pattern=r"^[0-9]{15}$",
        description="The old 15-digit registration number, a secondary identifier; its last digit is an "
        "ISO 7064 MOD 11,10 check digit.",
    )
    subject_type: Literal["organisation", "natural_person"] = Field(
        default="organisation",
        description="Natural persons are never subjects: rows that say natural_person are refused.",
    )
    severity: Literal["minor", "general", "serious"] | None = Field(
        default=None, description="Required when the category's severity applies, empty otherwise."
    )
    decided_on: date = Field(description="Date of the decision, YYYY-MM-DD; never in the future.")
    legal_basis: str = Field(min_length=1, description="The law and article the decision applied.")
    status: Literal["final", "pending"] = Field(
        description="final: legally effective; pending: under review or appeal, marked as such."
    )
    amount: Annotated[str, Field(pattern=r"^\d{1,15}(\.\d{1,4})?$")] | NonNegativeFloat | None = Field(
        default=None,
        description="A fine or sum owed: a non-negative decimal, as text with a dot (exact) or, in NDJSON "
        "and Parquet, a number.",
    )
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217 code; required with amount."
    )
    summary: str | None = Field(default=None, description="What was decided, in plain words.")
    effective_until: date | Literal["permanent", "open-ended"] | None = Field(
        default=None,
        description="When the decision itself ends: a date not before decided_on, 'permanent', or "
        "'open-ended' (no end date set).",
    )


FIELDS: tuple[str, ...] = tuple(InterchangeRow.model_fields)
REQUIRED: frozenset[str] = frozenset(
    name for name, info in InterchangeRow.model_fields.items() if info.is_required()
)
TEXT_FIELDS = (
    "source_record_id",
    "subject_name",
    "subject_alt_name",
    "subject_address",
    "legal_basis",
    "summary",
)
# What tells an organisation apart without being part of the decision: stored with the record, used to
# match subjects, never published, and not covered by the content hash (docs/interchange.md).
MATCHING_FIELDS = ("subject_address", "subject_org_code", "subject_registration")


def build_schema() -> dict[str, Any]:
    schema = InterchangeRow.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def interchange_schema() -> dict[str, Any]:
    """The JSON Schema shipped in the package."""
    text = resources.files("credence.records").joinpath("interchange.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
