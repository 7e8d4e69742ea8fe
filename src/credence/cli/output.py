"""What the listing commands print: a table for people, or CSV or JSON for programs (`--format`), and
never a value cut short.

On a terminal a table fits the window: long values wrap inside their cells, and a word longer than its
cell folds onto the next line, never ends in "…". Piped or redirected (`credence records show … > file`),
a table is as wide as its longest values, one line per row, so nothing is wrapped or cut. CSV and JSON
hold every value in full whatever the output is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from credence.cli.context import console
from credence.i18n import _
from credence.records.validation import spreadsheet_csv

# Wide enough for any row: a table off a terminal is as wide as its content, not as this.
_UNBOUNDED = 1_000_000


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FORMAT = typer.Option(
    Format.table,
    "--format",
    case_sensitive=False,
    help=_("table (the default), csv or json; every value is printed in full."),
)


def shown(value: Any) -> str:
    """A value as a table or CSV cell: nothing for None, ISO dates, lists joined by commas."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value)
    return str(value)


def add_row(table: Table, *values: Any) -> None:
    """A row of data: each value as plain text (a "[" or ":name:" in the data is not Rich markup)."""
    table.add_row(*(Text(shown(v)) for v in values))


def print_table(table: Table) -> None:
    """A table that never cuts a value: folded within the window on a terminal, at full width off one."""
    for column in table.columns:
        column.overflow = "fold"
    if console.is_terminal:
        console.print(table)
    else:
        Console(file=console.file, width=_UNBOUNDED, color_system=None).print(table)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


def print_json(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, default=_jsonable))


def print_csv(fields: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """CSV with a header line of the fields, spreadsheet-safe like the lists' exports."""
    typer.echo(spreadsheet_csv(fields, [{k: shown(v) for k, v in r.items()} for r in rows]), nl=False)


def print_listing(
    output: Format, fields: Sequence[str], rows: Sequence[Mapping[str, Any]], table: Callable[[], Table]
) -> None:
    """Rows as `output`: CSV with `fields` as its header, a JSON array of objects, or the table that
    `table` builds."""
    if output is Format.csv:
        print_csv(fields, rows)
    elif output is Format.json:
        print_json([dict(r) for r in rows])
    else:
        print_table(table())
