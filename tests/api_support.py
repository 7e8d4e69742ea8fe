"""Fixtures of the API tests: a populated store and a client (imported by the tests under tests/api)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from credence.rating import load_policy
from credence.rating.service import RatingService
from credence.server import create_app

from helpers import USCC_A, USCC_B, grant_honour, notice_all, row, write_csv


@pytest.fixture
def api_settings(settings):
    return settings.model_copy(update={"demo_mode": True})


@pytest.fixture
def populated(service, engine, catalog, clock, settings, tmp_path):
    """Two organisations: A with a public penalty and a shared social-insurance arrear; B clean."""
    rows = [
        row(1, severity="serious", decided_on="2026-06-01", summary="Sold food past its use-by date."),
        row(
            2,
            subject_id=USCC_B,
            subject_name="Shenzhen Example Electronics Co. Ltd.",
            category="administrative_licence",
            severity=None,
            amount=None,
            currency=None,
        ),
    ]
    service.ingest_file(write_csv(tmp_path / "samr.csv", rows), "SAMR")
    grant_honour(service)
    arrears = [
        row(
            "SI-1",
            category="social_insurance_arrears",
            severity=None,
            decided_on="2026-09-01",
            legal_basis="Social Insurance Law, Art. 86",
        )
    ]
    service.ingest_file(write_csv(tmp_path / "mohrss.csv", arrears), "MOHRSS")
    notice_all(engine, service)
    RatingService(engine, catalog, load_policy(catalog), clock, settings).rate()
    return USCC_A, USCC_B


@pytest.fixture
def client(api_settings, clock, populated) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings, clock), client=("127.0.0.1", 50000)) as c:
        yield c
