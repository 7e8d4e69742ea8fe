"""Every command, run where there is no store (or an old one): one clear line and a non-zero exit, never a
traceback, and no store made. Only `credence db upgrade` and `credence demo` make a store.

The commands are found by walking the typer app, so a new command is covered (or must be listed below as
one that needs no store) without editing this file's list of commands.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer.main
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from credence.cli.main import app
from credence.store import migrate
from credence.store.db import make_engine

from helpers import USCC_A, row, write_csv


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if hasattr(command, "commands"):  # a group
        for name, sub in sorted(command.commands.items()):
            yield from _leaves(sub, (*path, name))
    else:
        yield path, command


COMMANDS = dict(_leaves(typer.main.get_command(app)))

# Commands that make the store: the only two allowed to.
MAKE_THE_STORE = {
    ("db", "upgrade"): "creates and migrates the store",
    ("demo",): "migrates the store, then builds the demo registry into it",
}
# Commands that read no store, and why.
NO_STORE = {
    ("identify",): "checks an identifier by its check characters",
    ("schema",): "prints the interchange format's JSON Schema",
    ("catalog", "check"): "checks a catalog file",
    ("catalog", "show"): "prints the catalog in force, a file",
    ("policy", "check"): "checks a policy file against the catalog",
    ("policy", "show"): "prints the policy in force, a file",
    ("measures", "check"): "checks a measures file against the catalog",
    ("measures", "list"): "prints the measures file in force",
    ("lists", "check"): "checks a lists file against the catalog",
    ("commitments", "templates"): "prints the commitment templates file in force",
    ("log", "keygen"): "writes a new signing key file",
    ("log", "key"): "prints the verifier key of the log's key file",
}
STORE = sorted(set(COMMANDS) - set(MAKE_THE_STORE) - set(NO_STORE))

# A plausible value for a required parameter, by its name; anything else gets a type's plain value.
VALUES = {
    "department": "SAMR",
    "organisation": USCC_A,
    "subject": USCC_A,
    "code": USCC_A,
    "domain": "public_procurement",
    "role": "operator",
    "outcome": "list",
    "ground": "content",
    "criterion": "unreachable",
    "password": "a password long enough",
    "out": "report.pdf",
}
# What a command needs beyond its required parameters to get as far as its store.
EXTRA = {
    ("check",): [USCC_A],
    ("ingest",): ["--department", "SAMR"],
    ("commitments", "list"): ["--organisation", USCC_A],
    ("objections", "list"): ["--organisation", USCC_A],
    ("repairs", "list"): ["--organisation", USCC_A],
    ("objections", "file"): ["--organisation", USCC_A],
}


def arguments(path: tuple[str, ...], command: Any, data: Path, port: int) -> list[str]:
    """Minimal valid arguments: every required parameter, with a plausible value."""
    options: list[str] = []
    positional: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        option = param.param_type_name == "option"
        if option and param.is_flag:
            options.append(param.opts[0])
            continue
        kind = param.type_descriptor.annotation
        if param.name in VALUES:
            value = VALUES[param.name]
        elif isinstance(kind, type) and issubclass(kind, Enum):
            value = str(next(iter(kind)).value)
        elif kind is int:
            value = "1"
        elif kind is Path:
            value = str(data)
        else:
            value = "x"
        if option:
            options += [param.opts[0], value]
        else:
            positional.append(value)
    if path == ("serve",):
        options += ["--port", str(port)]  # held: should the store check ever miss, serve cannot start
    return [*path, *options, *positional, *EXTRA.get(path, [])]


def test_every_command_is_classified() -> None:
    assert len(COMMANDS) > 40
    assert not (set(MAKE_THE_STORE) | set(NO_STORE)) - set(COMMANDS), "a listed command no longer exists"
    assert {("explain",), ("report", "issue"), ("lists", "current"), ("departments", "figures")} <= set(STORE)


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Another folder, with a data file in it, and no store setting: the default ./credence.db."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CREDENCE_DATABASE_URL", raising=False)
    write_csv(tmp_path / "penalties.csv", [row(1)])
    return tmp_path


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def run(folder: Path, args: list[str], **env: str) -> Any:
    return CliRunner().invoke(app, args, env={"CREDENCE_DATABASE_URL": None, **env})


def assert_one_line(result: Any, *words: str) -> str:
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize("path", STORE, ids=" ".join)
def test_a_missing_store_is_one_clear_line_and_is_not_created(
    path: tuple[str, ...], elsewhere: Path, busy_port: int
) -> None:
    before = sorted(elsewhere.iterdir())
    result = run(elsewhere, arguments(path, COMMANDS[path], elsewhere / "penalties.csv", busy_port))
    assert_one_line(
        result,
        f"no Credence store at {elsewhere / 'credence.db'}",
        "run `credence db upgrade` (or `make run`) first",
    )
    assert sorted(elsewhere.iterdir()) == before, "a file was left behind"


@pytest.mark.parametrize("path", sorted(NO_STORE), ids=" ".join)
def test_commands_without_a_store_make_none(path: tuple[str, ...], elsewhere: Path, busy_port: int) -> None:
    result = run(elsewhere, arguments(path, COMMANDS[path], elsewhere / "penalties.csv", busy_port))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert not (elsewhere / "credence.db").exists()


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_help_needs_no_store(path: tuple[str, ...], elsewhere: Path) -> None:
    result = run(elsewhere, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert not (elsewhere / "credence.db").exists()


@pytest.fixture(scope="module")
def old_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store migrated to the revision before the newest."""
    path = tmp_path_factory.mktemp("old") / "credence.db"
    engine = make_engine(f"sqlite:///{path}")
    (head,) = migrate.head_revisions(engine)
    before = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_revision(head).down_revision
    migrate.upgrade(engine, str(before))
    assert migrate.current_revision(engine) == before
    engine.dispose()
    return path


# `db current` says which revision a store is at; `serve` migrates a store it finds, as documented.
OLD_STORE_ALLOWED = {("db", "current"), ("serve",)}


@pytest.mark.parametrize("path", [p for p in STORE if p not in OLD_STORE_ALLOWED], ids=" ".join)
def test_a_store_at_an_older_revision_says_to_upgrade(
    path: tuple[str, ...], elsewhere: Path, old_store: Path, busy_port: int
) -> None:
    shutil.copy(old_store, elsewhere / "credence.db")
    result = run(elsewhere, arguments(path, COMMANDS[path], elsewhere / "penalties.csv", busy_port))
    line = assert_one_line(result, f"the store at {elsewhere / 'credence.db'} is at revision", "older")
    assert "run `credence db upgrade`" in line


def test_an_empty_file_left_behind_is_not_a_store(elsewhere: Path) -> None:
    (elsewhere / "credence.db").touch()
    result = run(elsewhere, ["explain", USCC_A])
    assert_one_line(result, f"the store at {elsewhere / 'credence.db'} is empty", "run `credence db upgrade`")


def test_a_file_that_is_not_a_database(elsewhere: Path) -> None:
    (elsewhere / "credence.db").write_text("not a database\n" * 100)
    assert_one_line(run(elsewhere, ["status"]), f"cannot open the store at {elsewhere / 'credence.db'}")


def test_an_unreachable_postgresql_store_is_one_line(elsewhere: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://credence:secret@127.0.0.1:{port}/credence"
    line = assert_one_line(
        run(elsewhere, ["status"], CREDENCE_DATABASE_URL=url), "cannot open the store at postgresql"
    )
    assert "secret" not in line


def test_db_current_on_a_missing_store_creates_none(elsewhere: Path) -> None:
    assert_one_line(run(elsewhere, ["db", "current"]), "no Credence store at")
    assert not (elsewhere / "credence.db").exists()


def test_db_upgrade_into_a_missing_folder_is_one_line(elsewhere: Path) -> None:
    url = f"sqlite:///{elsewhere / 'nowhere' / 'credence.db'}"
    assert_one_line(run(elsewhere, ["db", "upgrade"], CREDENCE_DATABASE_URL=url), "nowhere")


def test_db_upgrade_then_the_commands_work(elsewhere: Path) -> None:
    assert run(elsewhere, ["db", "upgrade"]).exit_code == 0
    status = run(elsewhere, ["status"])
    assert status.exit_code == 0 and "records: 0" in status.output
