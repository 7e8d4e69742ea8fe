"""Lookups of an organisation by code that find none say so, but a person's identity number is refused as
such and never repeated (issue 13 §1, the paths left after the first fix): the list procedures,
commitments, explain, and the command line's organisation lookups."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from credence.cli.main import app
from credence.process.errors import NotFound
from credence.rating.service import UnknownOrganisation

from helpers import process_for

ID = "110105194912310021"


def test_services_refuse_a_person_without_repeating_the_number(service) -> None:  # type: ignore[no-untyped-def]
    process = process_for(service)
    attempts = [
        lambda: process.lists.propose(
            "SAMR", ID, "grave_food_drug_safety", facts="x", decision_ref="d", actor="a"
        ),
        lambda: process.commitments.make(
            ID, "licence_conditions", department="SAMR", made_by=f"organisation:{ID}"
        ),
        lambda: process.rating.explain(ID),
    ]
    for attempt in attempts:
        with pytest.raises((NotFound, UnknownOrganisation)) as refused:
            attempt()
        assert "natural persons are not" in str(refused.value) and ID not in str(refused.value)
    with pytest.raises(NotFound, match="no organisation '91110000600037341L'"):
        process.lists.propose(
            "SAMR", "91110000600037341L", "grave_food_drug_safety", facts="x", decision_ref="d", actor="a"
        )


@pytest.mark.parametrize(
    "args",
    [
        ["notices", "inbox", ID],
        ["objections", "list", "--organisation", ID],
        ["commitments", "list", "--organisation", ID],
        ["explain", ID],
    ],
)
def test_the_command_line_refuses_a_person_without_repeating_the_number(settings, engine, args) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, args, env={"CREDENCE_DATABASE_URL": settings.database_url})
    assert result.exit_code != 0
    assert ID not in result.output and "natural persons are not" in result.output, result.output
