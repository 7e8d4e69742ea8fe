"""The docs keep up with the code: every command, option, setting, field, reason code and category is
documented, the shipped JSON Schema is the one the model gives, and the README starts with the two commands.

These tests read only the repository; they need no store and no shared data.
"""

from __future__ import annotations

import doctest
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from credence.catalog import load_catalog
from credence.cli.main import app
from credence.records.interchange import FIELDS, build_schema
from credence.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "credence"


def read(name: str) -> str:
    return (ROOT / name).read_text("utf-8")


def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, (*path, name))


COMMANDS = list(_walk(typer.main.get_command(app)))


def _options(command: Any) -> list[str]:
    # Options are the parameters with dashed names; arguments have none.
    return [
        opt for param in command.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("-")
    ]


def test_the_cli_was_walked() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"ingest", "status", "catalog check", "records withdraw", "db upgrade", "identify"} <= paths


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS if path], ids=" ".join)
def test_every_command_is_in_the_user_guide(path: tuple[str, ...]) -> None:
    assert f"credence {' '.join(path)}" in read("docs/user-guide.md")


@pytest.mark.parametrize(
    ("path", "option"),
    [(path, option) for path, command in COMMANDS for option in _options(command)],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else value,
)
def test_every_option_is_in_the_user_guide(path: tuple[str, ...], option: str) -> None:
    assert re.search(rf"`{re.escape(option)}\b", read("docs/user-guide.md")), (
        f"option {option} of 'credence {' '.join(path)}' is not in docs/user-guide.md"
    )


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_user_guide(name: str) -> None:
    assert f"CREDENCE_{name.upper()}" in read("docs/user-guide.md")


@pytest.mark.parametrize("field", FIELDS)
def test_every_interchange_field_is_in_interchange_md(field: str) -> None:
    assert f"`{field}`" in read("docs/interchange.md")


# Where the code names a reason code: the calls that create a rejection or raise an identity or file error.
# The first argument may itself be a call (str(key)) and the calls may span lines.
_ARG = r"[^,()]+(?:\([^()]*\))?"
_CODE = r'"([a-z][a-z0-9_]*)"'
REASON_PATTERNS = [
    rf"\breject\(\s*{_ARG},\s*{_CODE}",  # RowValidator: reject(field, code, message)
    rf"\bRejection\(\s*{_ARG},\s*{_ARG},\s*{_CODE}",  # Rejection(line, field, code, message)
    rf"\bRefusal\(\s*{_ARG},\s*{_CODE}",  # screening's Refusal(field, code, message)
    rf"\bFileRejected\(\s*{_ARG},\s*{_CODE}",  # FileRejected(line, code, message)
    rf"\b_faulty\(\s*{_ARG},\s*{_CODE}",  # _faulty(line, code, message): a malformed row
    rf"\bSourceFileError\(\s*{_ARG},\s*{_CODE}",  # SourceFileError(line, code, message)
    rf"\bIdentifierError\(\s*{_CODE}",  # IdentifierError(code, message, position)
    rf"\bSubjectRefused\(\s*{_CODE}",  # SubjectRefused(code, message)
    rf"\bfail_reason={_CODE}",  # readers._decode_all(..., fail_reason=code)
]


def reason_codes() -> dict[str, set[str]]:
    """Every reason code written in src/credence, with the modules that emit it."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text("utf-8")
        for pattern in REASON_PATTERNS:
            for match in re.finditer(pattern, text):
                found.setdefault(match.group(1), set()).add(str(path.relative_to(SRC)))
    return found


REASON_CODES = reason_codes()


def test_reason_codes_are_collected() -> None:
    # If this fails, the code changed shape and REASON_PATTERNS needs to follow it.
    assert len(REASON_CODES) >= 30, sorted(REASON_CODES)
    assert {
        "unknown_column",
        "wrong_field_count",
        "formula_injection",
        "check_character",
        "natural_person",
        "duplicate_in_file",
        "row_count",
    } <= set(REASON_CODES)


@pytest.mark.parametrize("code", sorted(REASON_CODES))
def test_every_reason_code_is_in_interchange_md(code: str) -> None:
    assert f"`{code}`" in read("docs/interchange.md"), (
        f"reason code {code} (from {', '.join(sorted(REASON_CODES[code]))}) is not in docs/interchange.md"
    )


@pytest.mark.parametrize("code", sorted(load_catalog().categories))
def test_every_default_category_is_in_catalog_md(code: str) -> None:
    assert f"`{code}`" in read("docs/catalog.md")


@pytest.mark.parametrize("code", sorted(load_catalog().departments))
def test_every_default_department_is_in_catalog_md(code: str) -> None:
    assert f"`{code}`" in read("docs/catalog.md")


def test_shipped_schema_is_the_one_the_model_gives() -> None:
    shipped = json.loads((SRC / "records" / "interchange.schema.json").read_text("utf-8"))
    assert shipped == build_schema(), (
        "src/credence/records/interchange.schema.json is stale; regenerate it as docs/interchange.md says"
    )


def test_readme_starts_with_make_run_and_make_test() -> None:
    head = "\n".join(read("README.md").splitlines()[:30])
    assert "make run" in head
    assert "make test" in head


def test_readme_links_every_doc() -> None:
    readme = read("README.md")
    for doc in sorted(DOCS.glob("*.md")):
        assert f"docs/{doc.name}" in readme, f"README.md does not link docs/{doc.name}"


def _anchors(doc: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces made hyphens."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", doc.read_text("utf-8"), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


# Written with the benchmark results by whoever runs them; it may not exist yet in a fresh checkout.
NOT_OURS = {"docs/benchmarks.md"}


def test_local_links_and_anchors_resolve() -> None:
    broken = []
    for doc in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", doc.read_text("utf-8")):
            if "://" in target:
                continue
            path = (doc.parent / target) if target else doc
            if str(path.resolve().relative_to(ROOT)) in NOT_OURS:
                continue
            if not path.exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
            elif anchor and anchor not in _anchors(path):
                broken.append(f"{doc.relative_to(ROOT)} -> {target}#{anchor}")
    assert not broken


def test_python_examples_in_identity_md_run() -> None:
    text = read("docs/identity.md")
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, "identity.md", str(DOCS / "identity.md"), 0)
    assert test.examples, "docs/identity.md has no Python examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0


def test_every_due_process_transition_is_in_due_process_md() -> None:
    from credence.process.machine import MACHINES

    text = read("docs/due-process.md")
    for machine in MACHINES:
        for (state, event), after in machine.transitions.items():
            assert f"| `{state}` | {event} | `{after}` |" in text, (
                f"{machine.name}: {state} --{event}--> {after}"
            )
