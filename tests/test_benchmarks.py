"""Every benchmark runs to its end at a tiny size, so `make bench` cannot rot between the runs that measure.

Nothing here is timed: each benchmark's own assertions (every row stored, every lookup answered) must
hold, and its summary must carry the figures docs/benchmarks.md reports. The benchmarks measure SQLite,
so the PostgreSQL leg skips them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"

pytestmark = pytest.mark.skipif(
    os.environ.get("CREDENCE_TEST_BACKEND") == "postgres",
    reason="the benchmarks measure SQLite; the SQLite leg runs them at a tiny size",
)


# The ingest benchmark's PostgreSQL leg runs on the test server, in a database it creates and drops
# (CREDENCE_BENCH_POSTGRES_URL, benchmarks/bench_postgres.py); the others here measure SQLite only.
SERVER = os.environ.get("CREDENCE_TEST_POSTGRES_URL")
BENCH_POSTGRES = (
    make_url(SERVER).set(database=f"credence_bench_{os.getpid()}").render_as_string(hide_password=False)
    if SERVER
    else "none"
)


def _run(script: str, *args: str, tmp_path: Path, **extra: str) -> str:
    env = {**os.environ, "TMPDIR": str(tmp_path), "CREDENCE_BENCH_POSTGRES_URL": "none", **extra}
    env.pop("CREDENCE_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _last_json(stdout: str) -> Any:
    """The benchmark's summary: the JSON document its output ends with."""
    start = stdout.index("{")
    return json.loads(stdout[start:])


def test_ingest_benchmark_measures_the_ingest_the_baseline_and_the_floor(tmp_path: Path) -> None:
    ingest = _run("bench_ingest.py", "3000", tmp_path=tmp_path, CREDENCE_BENCH_POSTGRES_URL=BENCH_POSTGRES)
    result = _last_json(ingest)
    assert result["rows"] == 3000
    if SERVER:  # the same file into PostgreSQL, side by side
        assert result["postgres_ingest_rows_per_s"] > 0 and result["postgres_ratio_to_sqlite"] > 0
    for key in ("ingest_s", "baseline_executemany_s", "stored_rows_executemany_s", "screening_s"):
        assert result[key] > 0, key
    assert set(result["stored_rows_by_table_s"]) == {
        "organisations",
        "records",
        "log_entries",
        "log_nodes",
        "notices",
        "commit",
    }
    # The floor stores more than the baseline's one plain table, so it cannot be the faster of the two.
    assert 0 < result["floor_ratio_to_executemany"] < 1


@pytest.mark.skipif(not SERVER, reason="side by side with PostgreSQL: CREDENCE_TEST_POSTGRES_URL is not set")
def test_ingest_benchmark_side_by_side_into_a_store_already_holding_records(tmp_path: Path) -> None:
    out = _run(
        "bench_ingest.py",
        *("--side-by-side", "2000", "3000"),
        tmp_path=tmp_path,
        CREDENCE_BENCH_POSTGRES_URL=BENCH_POSTGRES,
    )
    result = _last_json(out)
    assert (result["rows"], result["store_records_before"]) == (2000, 3000)
    for store in ("sqlite", "postgres"):
        assert result[store]["rows_per_s"] > 0 and result[store]["floor_s"] > 0, store
        assert set(result[store]["floor_by_table_s"]) == {
            "organisations",
            "records",
            "notices",
            "log_entries",
            "log_nodes",
            "commit",
        }
    assert result["postgres_ratio_to_sqlite"] > 0


def test_rating_benchmarks_run_each_part(tmp_path: Path) -> None:
    out = _run(
        "bench_rating.py",
        *("batch", "floor", "incremental", "api"),
        *("--orgs", "2000", "--records", "20000"),
        *("--submissions", "5", "--seconds", "0.5", "--store", "300", "3000"),
        tmp_path=tmp_path,
    )
    result = _last_json(out)
    assert result["batch"]["organisations"] == 2000
    assert result["batch"]["ratio"] > 0
    # Every variant of the floor ran (each asserts that what it removes is still in rating_sql's text)
    variants = [v for v in result["floor"].values() if isinstance(v, dict)]
    assert len(variants) == 8 and all(v["s"] > 0 and v["ratio"] > 0 for v in variants)
    assert result["incremental"]["submissions"] == 5
    assert 0 < result["incremental"]["median_ms"] <= result["incremental"]["p99_ms"]
    assert result["api"]["profiles_per_s"] > 0 and result["api"]["constant_per_s"] > 0


def test_storing_benchmark_stores_every_rating_and_measures_its_floors(tmp_path: Path) -> None:
    out = _run("bench_rating.py", "storing", "--store-orgs", "3000", "--postgres", "", tmp_path=tmp_path)
    (result,) = _last_json(out)["storing"]
    assert (result["backend"], result["organisations"]) == ("sqlite", 3000)
    # A first rating changes every grade, a second the same ratings none.
    assert (result["grade_changes_first"], result["grade_changes_second"]) == (3000, 0)
    for key in ("first_rating_s", "second_rating_s", "bare_load_s", "floor_first_s", "floor_again_s"):
        assert result[key] > 0, key


def test_rating_on_spark_runs(tmp_path: Path) -> None:
    out = _run("bench_rating.py", "spark", "--spark-records", "2000", tmp_path=tmp_path)
    result = _last_json(out)["spark"]
    assert result["records"] == 2000 and result["ratio"] > 0


def test_log_benchmark_runs(tmp_path: Path) -> None:
    out = _run(
        "bench_log.py",
        *("--entries", "3000", "--single", "20", "--batched", "2", "--lookups", "20", "--verify"),
        tmp_path=tmp_path,
    )
    result = _last_json(out)
    assert result["store"] == "sqlite"
    assert result["verify"]["entries"] == 3000
    assert result["verify"]["ratio"] > 0 and result["verify"]["ratio_to_bare_read"] > 0


def test_lookup_benchmark_times_profiles_against_a_primary_key_and_finds_no_full_scan(tmp_path: Path) -> None:
    out = _run(
        "bench_lookup.py",
        *("--orgs", "1500", "--records", "15000", "--lookups", "20", "--pages", "3", "--stores", "sqlite"),
        tmp_path=tmp_path,
    )
    (result,) = _last_json(out)["stores"]
    assert result["records"] == 15000
    for part in ("api", "page", "http"):
        assert result[part]["p50_ratio"] > 0, part
    assert result["plans"]["statements"] >= 16
    assert result["plans"]["full_scans"] == []


def test_access_benchmark_runs(tmp_path: Path) -> None:
    out = _run(
        "bench_access.py",
        *("--orgs", "300", "--records", "3000", "--seconds", "0.5", "--rounds", "1", "--clients", "1"),
        tmp_path=tmp_path,
    )
    result = json.loads(out.splitlines()[0])
    assert result["ratio"] > 0


def test_screening_benchmark_screens_bidders_by_name_and_by_code(tmp_path: Path) -> None:
    result = _last_json(
        _run(
            "bench_screening.py",
            *("--orgs", "60", "--records", "200", "--bidders", "120", "--file-rows", "50", "--matches", "10"),
            tmp_path=tmp_path,
        )
    )
    assert result["bidders"] == 120 and sum(result["outcomes"].values()) == 120
    matched = result["outcomes"].get("restricted", 0) + result["outcomes"].get("eligible", 0)
    assert matched > 0  # some names were matched to their file
    for key in ("by_name_per_s", "by_code_per_s", "name_to_code_ratio", "match_per_s", "health_per_s"):
        assert result[key] > 0, key


def test_export_benchmark_writes_every_format_with_its_seconds_and_bytes(tmp_path: Path) -> None:
    result = _last_json(_run("bench_export.py", "--orgs", "60", "--records", "300", tmp_path=tmp_path))
    assert result["subjects"] > 0 and result["records"] > 0
    assert set(result["formats"]) == {"ftm", "targets", "ndjson", "parquet", "csv"}
    for fmt in result["formats"].values():
        assert fmt["bytes"] > 0 and fmt["seconds"] >= 0


def test_linkage_speed_benchmark_finds_the_same_pairs_every_way(tmp_path: Path) -> None:
    result = _last_json(_run("bench_linkage.py", "speed", "1500", "1", tmp_path=tmp_path))
    assert result["records"] == 1500 and result["pairs"] > 0  # the benchmark asserts every way found them
    for key in ("splink_s", "model_s", "stored_s", "ratio", "stored_ratio"):
        assert result[key] > 0, key


def test_checks_benchmark_checks_files_by_blocks_against_a_bare_lookup(tmp_path: Path) -> None:
    result = _last_json(
        _run("bench_checks.py", "--orgs", "60", "--records", "300", "--rows", "200", "500", tmp_path=tmp_path)
    )
    store = result["sqlite"]
    assert store["organisations"] > 0
    for n in ("200", "500"):
        for key in ("checks_per_s", "baseline_per_s", "ratio"):
            assert store[n][key] > 0, (n, key)
    assert store["200"]["per_row_per_s"] > 0  # the path each line took before the blocks


def test_a_benchmark_never_creates_or_drops_the_test_or_server_database(tmp_path: Path) -> None:
    """CREDENCE_BENCH_POSTGRES_URL names a database the benchmark creates and drops: never `test` or
    `postgres`, which the refusal names before anything is dropped."""
    out = subprocess.run(
        [sys.executable, "-c", "import bench_postgres; bench_postgres.name_of(bench_postgres.url(None))"],
        capture_output=True,
        text=True,
        cwd=BENCHMARKS,
        env={**os.environ, "CREDENCE_BENCH_POSTGRES_URL": "postgresql://postgres@127.0.0.1:5432/test"},
        check=False,
    )
    assert out.returncode == 1
    assert "refusing to create and drop the database 'test'" in out.stderr
