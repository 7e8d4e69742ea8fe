"""The public lists as rows: what a list page, its CSV and its JSON show of each current entry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from credence.catalog import Catalog
from credence.lists import repository as repo
from credence.records.validation import spreadsheet_csv

COLUMNS = (
    "entry",
    "list",
    "identifier",
    "organisation",
    "criterion",
    "field",
    "department",
    "legal_basis",
    "listed_from",
    "ends_on",
)


def public_rows(conn: Connection, catalog: Catalog, kind: str, today: date) -> list[dict[str, Any]]:
    """A list as it is published today: its entries in force, without sole proprietors' (never public)."""
    return [public_row(e, catalog) for e in repo.current(conn, kind, today) if not e.never_public]


def public_row(entry: Any, catalog: Catalog) -> dict[str, Any]:
    """One current entry (a row of repository.current_query) as it is published."""
    return {
        "entry": entry.id,
        "list": entry.list,
        "identifier": entry.organisation_code,
        "organisation": entry.organisation_name,
        "criterion": entry.criterion,
        "field": entry.field,
        "department": entry.department,
        "legal_basis": entry.legal_basis,
        "listed_from": entry.starts_on.isoformat(),
        "ends_on": entry.ends_on.isoformat() if entry.ends_on else None,
    }


# A UTF-8 byte-order mark starts a downloaded file, so a spreadsheet program reads it as UTF-8 and shows
# Chinese names (Excel reads a CSV without one in the system's code page).
BOM = "\ufeff"


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    return spreadsheet_csv(COLUMNS, rows)


def to_csv_download(rows: Sequence[dict[str, Any]]) -> str:
    """The list as a CSV file to download: the same text as `to_csv`, after a byte-order mark."""
    return BOM + to_csv(rows)
