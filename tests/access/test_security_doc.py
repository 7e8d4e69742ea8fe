"""docs/security.md keeps up with the code: its table of routes and roles is the rules' own, and it names
every role and every purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from credence.access.principal import PURPOSES, Role
from credence.api.rules import RULES, markdown_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_the_doc_shows_the_rules_table_word_for_word() -> None:
    text = DOC.read_text("utf-8")
    assert markdown_table() in text, (
        "docs/security.md's table of routes differs from credence.api.rules; paste in the output of "
        "`python -c 'from credence.api.rules import markdown_table; print(markdown_table())'`"
    )
    assert text.count("| `") >= len(RULES)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_is_described(role: str) -> None:
    assert f"| `{role}` |" in DOC.read_text("utf-8")


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_every_purpose_is_listed(purpose: str) -> None:
    assert f"| `{purpose}` | {PURPOSES[purpose]} |" in DOC.read_text("utf-8")


def test_the_doc_has_the_threat_model_and_the_log_section() -> None:
    text = DOC.read_text("utf-8")
    for heading in ("## Roles", "## Purposes", "## Signing in", "## Threat model", "## Hardening"):
        assert heading in text
    assert "## Verifying the transparency log" in text
