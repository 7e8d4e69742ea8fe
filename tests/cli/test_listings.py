"""The listing commands piped to a file or a program: no value is cut, whatever its length, and
`--format csv` and `--format json` give every value in full.

CliRunner's output is not a terminal, as `credence records show … > file` is not.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from credence.catalog import load_catalog
from credence.catalog.model import ListKind
from credence.cli.main import app
from credence.commitments.templates import load_templates
from credence.lists.config import load_lists
from credence.measures.catalog import load_measures
from credence.store import migrate
from credence.store.db import make_engine

from conftest import BACKEND, postgres_schema
from helpers import USCC_A, USCC_B, listing, row, write_csv

SRID = "SAMR-" + "LONG-REF-" * 12 + "1"
SUMMARY = "a long summary that runs on and on " * 6 + "END"
NAME_B = "Shenzhen " + "Very Long Name " * 8 + "Co. Ltd."
STATEMENT = "objection statement that is long " * 6 + "END"
FACTS = "Mail returned " + "again and again " * 7 + "END"
TOKEN_NAME = "operations team token " * 4 + "END"
USERNAME = "clerk" * 12


def _shipped() -> dict[str, list[str]]:
    catalog = load_catalog()
    return {
        "templates": [t.text for t in load_templates(catalog).templates.values()],
        "measures": [str(m.legal_basis) for m in load_measures(catalog).measures.values()],
        "unreachable": [
            str(load_lists(catalog).criteria[ListKind.abnormal_operation]["unreachable"].legal_basis)
        ],
    }


# Each listing command, and values it must print whole.
LISTINGS: dict[tuple[str, ...], tuple[list[str], list[str]]] = {
    ("records", "show"): (["SAMR", SRID], [SRID, SUMMARY]),
    ("objections", "list"): (["--organisation", USCC_A], [SRID, STATEMENT]),
    ("repairs", "list"): (["--organisation", USCC_A], [SRID]),
    ("notices", "inbox"): ([USCC_A], [SRID]),
    ("commitments", "list"): (["--organisation", USCC_A], ["licence_conditions"]),
    ("commitments", "templates"): ([], ["<templates>"]),
    ("measures", "list"): ([], ["<measures>"]),
    ("departments", "figures"): ([], ["SAMR", "NDRC"]),
    ("lists", "show"): (["1"], [FACTS]),
    ("lists", "current"): (["abnormal_operation"], [NAME_B, "<unreachable>"]),
    ("token", "list"): ([], [TOKEN_NAME]),
    ("user", "list"): ([], [USERNAME]),
    ("link", "queue"): ([], [f"uscc:{USCC_B}", "unresolved:"]),
}


@pytest.fixture(scope="module")
def module_store(_store_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One store for the module: the listings only read it."""
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("listings") / "credence.db"
        shutil.copy(_store_template, path)
        yield f"sqlite:///{path}"
        return
    with postgres_schema(os.environ["CREDENCE_TEST_POSTGRES_URL"], "credence_listings") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def cli(module_store: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("listings-data")
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        result = runner.invoke(
            app,
            list(args),
            env={
                "CREDENCE_DATABASE_URL": module_store,
                "CREDENCE_NEW_PASSWORD": "x" * 16,
                "CREDENCE_LINK_REVIEW_THRESHOLD": "0.3",  # B's bank listing below waits in the queue
            },
        )
        assert result.exit_code == 0, (args, result.output)
        return result

    rows = [row(SRID, summary=SUMMARY), row(2, subject_id=USCC_B, subject_name=NAME_B)]
    invoke("ingest", str(write_csv(folder / "p.csv", rows)), "--department", "SAMR")
    invoke("records", "notice", "SAMR", SRID, "--actor", "clerk", "--channel", "post")
    bank = listing("WB-1", NAME_B, "CN")
    invoke("ingest", str(write_csv(folder / "wb.csv", [bank])), "--department", "WB")
    invoke(
        "objections",
        "file",
        "SAMR",
        SRID,
        "--ground",
        "content",
        "--statement",
        STATEMENT,
        "--organisation",
        USCC_A,
    )
    invoke("repairs", "apply", "SAMR", SRID, "--organisation", USCC_A, "--evidence", "Paid in full.",
        "--commitment", "We will comply.",
    )  # fmt: skip
    invoke("commitments", "make", USCC_A, "--template", "licence_conditions", "--department", "SAMR")
    invoke(
        "lists", "enter", USCC_B, "--criterion", "unreachable", "--department", "SAMR", "--facts", FACTS,
        "--decision", "AB-1", "--actor", "SAMR clerk",
    )  # fmt: skip
    invoke("records", "notice", "SAMR", "LIST-1", "--actor", "clerk", "--channel", "post")
    invoke("token", "create", "--role", "operator", "--name", TOKEN_NAME)
    invoke("user", "add", USERNAME, "--role", "operator")
    return invoke


def _expected(values: list[str]) -> Iterator[str]:
    shipped = _shipped()
    for value in values:
        yield from shipped[value[1:-1]] if value.startswith("<") else [value]


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)
    elif document is not None:
        yield str(document)


def test_every_listing_command_is_tested() -> None:
    from credence.cli.output import Format

    def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))
        if any(
            getattr(p, "type_descriptor", None) and p.type_descriptor.annotation is Format
            for p in command.params
        ):
            yield path

    assert set(walk(typer.main.get_command(app))) == set(LISTINGS)


@pytest.mark.parametrize("path", sorted(LISTINGS), ids=" ".join)
def test_a_listing_cuts_no_value_off_a_terminal_and_csv_and_json_parse(
    cli: Any, path: tuple[str, ...]
) -> None:
    args, values = LISTINGS[path]
    table = cli(*path, *args).stdout
    rows = list(csv.DictReader(io.StringIO(cli(*path, *args, "--format", "csv").stdout)))
    assert rows and all(None not in r and None not in r.values() for r in rows), rows  # whole rows
    cells = [cell for r in rows for cell in r.values()]
    strings = list(_strings(json.loads(cli(*path, *args, "--format", "json").stdout)))
    assert "…" not in table
    for value in _expected(values):
        assert value in table, f"{value!r} is cut in the table:\n{table}"
        assert any(value in cell for cell in cells), f"{value!r} is not in the CSV"
        assert any(value in s for s in strings), f"{value!r} is not in the JSON"
