"""Rating benchmarks (issue 3), each against a baseline measured in the same run.

1. batch: the partitioned engine (credence.rating.partitioned, issue 17) rating ORGS organisations from
   RECORDS records in Parquet on disk, against a bare DuckDB group-by that sums decayed points per
   organisation over the same Parquet; each in a child process, with its peak memory and the disk its
   partitions and results take;
   floor: the rating query over the same Parquet in one DuckDB with its parts removed one at a time
   (reasons, caps, grade limit, the join of every head), each against the bare group-by;
   storing: a rating of --store-orgs organisations stored set-based (repository.store_ratings), first
   (all new) and again (all updated), against a bare COPY (PostgreSQL: the database --postgres or
   CREDENCE_BENCH_POSTGRES_URL names, created and dropped) or executemany (SQLite) of the same rows, and
   against the floors: the same rows inserted or updated alone;
2. incremental: re-rating one organisation after a new record is stored and its notice logged, 1,000
   times on SQLite (median and 99th percentile);
3. api: profile lookups per second through uvicorn (one worker), against a constant endpoint of the same
   server;
4. spark: the SQL engine on Spark local[2] against DuckDB, both rating one Parquet snapshot of
   SPARK_RECORDS records (and a tenth as many organisations) into Parquet.

    python benchmarks/bench_rating.py [batch|floor|storing|spark|incremental|api ...] [--orgs N] [--records N]
        [--repeat N] [--memory-limit 1GB] [--partition-records N] [--store-orgs N] [--postgres URL]
        [--spark-records N]
        [--submissions N] [--seconds S] [--store ORGS RECORDS]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import bench_postgres

AS_OF = date(2026, 11, 25)


def batch(
    orgs: int, records: int, repeat: int = 3, memory_limit: str = "1GB", partition_records: int = 0
) -> dict[str, object]:
    """The partitioned engine (credence.rating.partitioned) against a bare DuckDB group-by over the same
    Parquet on disk, each in a child process so that its peak memory is its own."""
    work = Path(tempfile.mkdtemp(prefix="credence-bench-batch-"))
    try:
        data = _child("_generate", work, "--orgs", str(orgs), "--records", str(records))
        base = [_child("_baseline", work) for _ in range(repeat)]
        ours = [
            _child(
                "_partitioned",
                work,
                "--memory-limit",
                memory_limit,
                "--partition-records",
                str(partition_records),
            )
            for _ in range(repeat)
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    best_base = min(float(b["seconds"]) for b in base)
    best = min(ours, key=lambda o: float(o["seconds"]))
    return {
        "organisations": orgs,
        "records": records,
        "input_parquet_mib": data["mib"],
        "baseline_group_by_s": round(best_base, 2),
        "baseline_peak_rss_mib": max(float(b["peak_rss_mib"]) for b in base),
        "batch_rating_s": round(float(best["seconds"]), 2),
        "ratio": round(float(best["seconds"]) / best_base, 2),
        "peak_rss_mib": max(float(o["peak_rss_mib"]) for o in ours),
        "partitions": best["partitions"],
        "work_disk_mib": best["work_mib"],
        "peak_work_disk_mib": max(float(o["peak_work_mib"]) for o in ours),
        "memory_limit": memory_limit,
    }


def _child(which: str, work: Path, *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, which, "--work", str(work), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _records_sql(tables: Any, orgs: int, records: int, in_order: bool = False) -> str:
    """Deterministic pseudo-random records, generated inside DuckDB (a Python loop would dominate);
    `in_order`: in the order of their organisations, RECORDS/ORGS each (as the store streams them)."""
    categories = sorted({r.category for r in tables.rows} | {"administrative_licence", "inspection_result"})
    cats = "[" + ", ".join(f"'{c}'" for c in categories) + "]"
    return f"""
        SELECT ({f"i * {orgs} // {records}" if in_order else f"hash(i) % {orgs}"})::BIGINT + 1
               AS organisation_id, i::BIGINT AS record_id,
               {cats}[(hash(i * 7) % {len(categories)})::INTEGER + 1] AS category,
               ['minor', 'general', 'serious'][(hash(i * 11) % 3)::INTEGER + 1] AS severity,
               CASE WHEN hash(i * 13) % 10 = 0 THEN 'pending' ELSE 'final' END AS status,
               (DATE '{AS_OF.isoformat()}' - (hash(i * 17) % 1500)::INTEGER) AS decided_on,
               CASE WHEN hash(i * 19) % 50 = 0 THEN 'withdrawn' ELSE 'active' END AS state
        FROM range({records}) AS t(i)
        """


def spark(orgs: int, records: int) -> dict[str, object]:
    """Spark local[2] against DuckDB, each rating the same Parquet snapshot into Parquet (in a child
    process, as batch)."""
    out = subprocess.run(
        [sys.executable, __file__, "_spark_child", "--orgs", str(orgs), "--records", str(records)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _spark_child(orgs: int, records: int) -> None:
    import duckdb

    from credence.catalog import load_catalog
    from credence.rating import load_policy
    from credence.rating.batch import rating_sql
    from credence.rating.engine import compile_policy
    from credence.rating.partitioned import FACTS_SQL, HEADS_SQL
    from credence.rating.spark import rate_frames, session, snapshot_frames

    tables = compile_policy(load_policy(load_catalog()), load_catalog())
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        snap = Path(tmp)
        con = duckdb.connect()
        # A snapshot's two files as credence snapshot writes them (every record noticed, no links).
        con.execute(
            f"COPY (SELECT record_id, organisation_id, category, severity, status, decided_on, state, "
            f"TRUE AS noticed FROM ({_records_sql(tables, orgs, records)})) TO '{snap}/records.parquet'"
        )
        con.execute(
            f"COPY (SELECT i::BIGINT AS id, NULL::BIGINT AS file_id FROM range(1, {orgs + 1}) AS t(i)) "
            f"TO '{snap}/organisations.parquet'"
        )
        con.close()
        names = {"records": f"read_parquet('{snap}/records.parquet')"}
        names["organisations"] = f"read_parquet('{snap}/organisations.parquet')"

        def on_duckdb() -> float:
            con = duckdb.connect()
            started = time.perf_counter()
            con.execute(f"CREATE TEMP VIEW facts AS {FACTS_SQL.format(**names)}")
            con.execute(f"CREATE TEMP VIEW heads AS {HEADS_SQL.format(**names)}")
            query = rating_sql(tables, AS_OF, "facts", "heads")
            con.execute(f"COPY ({query}) TO '{snap}/duckdb.parquet'")
            seconds = time.perf_counter() - started
            con.close()
            return seconds

        spark = session("local[2]", "credence-bench")

        def on_spark() -> float:
            started = time.perf_counter()
            facts, heads = snapshot_frames(spark, snap)
            rate_frames(spark, tables, facts, heads, AS_OF).write.mode("overwrite").parquet(f"{snap}/spark")
            return time.perf_counter() - started

        on_spark()  # the JVM's first query compiles its code: not counted
        duck = [on_duckdb() for _ in range(2)]
        ours = [on_spark() for _ in range(2)]
        check = duckdb.connect()
        differ = check.execute(
            f"SELECT count(*) FROM (SELECT organisation_id, score, grade_index FROM '{snap}/duckdb.parquet' "
            f"EXCEPT SELECT organisation_id, score, grade_index FROM '{snap}/spark/*.parquet')"
        ).fetchone()
        assert differ == (0,), differ
        spark.stop()
    print(
        json.dumps(
            {
                "organisations": orgs,
                "records": records,
                "duckdb_s": round(min(duck), 2),
                "spark_local2_s": round(min(ours), 2),
                "ratio": round(min(ours) / min(duck), 2),
            }
        )
    )


def _mib(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / (1 << 20), 1)


def _categories() -> tuple[object, list[str]]:
    from credence.catalog import load_catalog
    from credence.rating import load_policy
    from credence.rating.engine import compile_policy

    catalog = load_catalog()
    tables = compile_policy(load_policy(catalog), catalog)
    return tables, sorted({r.category for r in tables.rows} | {"administrative_licence", "inspection_result"})


def _generate(work: Path, orgs: int, records: int) -> None:
    """Deterministic pseudo-random records, generated inside DuckDB (a Python loop would dominate) and
    written to Parquet in the order of the organisations, as the store's facts are streamed."""
    import duckdb

    tables, _ = _categories()
    data = work / "data"
    data.mkdir()
    con = duckdb.connect(config={"memory_limit": "2GB"})  # insertion order kept: in the ids' order
    con.execute(
        f"""
        COPY ({_records_sql(tables, orgs, records, in_order=True)}) TO '{data / "facts.parquet"}'
        (FORMAT parquet)
        """
    )
    con.execute(
        f"COPY (SELECT i::BIGINT + 1 AS organisation_id FROM range({orgs}) AS t(i)) "
        f"TO '{data / 'organisations.parquet'}' (FORMAT parquet)"
    )
    con.close()
    print(json.dumps({"mib": _mib(data)}))


def _baseline(work: Path) -> None:
    """A bare group-by summing decayed points per organisation, from the same Parquet to a Parquet file."""
    import duckdb

    tables, _ = _categories()
    rules = ", ".join(f"('{r.category}', '{r.severity}', {r.points})" for r in tables.rows)  # type: ignore[attr-defined]
    sev = ", ".join(f"'{c}'" for c in sorted(tables.severity_categories))  # type: ignore[attr-defined]
    con = duckdb.connect()
    out = work / "baseline.parquet"
    started = time.perf_counter()
    con.execute(
        f"""
        COPY (WITH rules(category, severity, points) AS (VALUES {rules})
        SELECT f.organisation_id,
               sum(u.points * CASE WHEN date_diff('day', f.decided_on, DATE '{AS_OF}') < 365 THEN 100
                                   WHEN date_diff('day', f.decided_on, DATE '{AS_OF}') < 730 THEN 60
                                   ELSE 30 END // 100) AS score
        FROM read_parquet('{work / "data" / "facts.parquet"}') AS f JOIN rules AS u ON u.category = f.category
             AND u.severity = CASE WHEN f.category IN ({sev}) THEN f.severity ELSE '' END
        GROUP BY f.organisation_id) TO '{out}' (FORMAT parquet)
        """
    )
    seconds = time.perf_counter() - started
    con.close()
    out.unlink()
    print(json.dumps({"seconds": seconds, "peak_rss_mib": _peak_mib()}))


# The floor (docs/benchmarks.md, "Bounded memory"): the rating query over the whole facts in one DuckDB
# (the engine's settings), with its parts removed one at a time, against the bare group-by. Each variant is
# a list of (text in the query, what replaces it); the replacements keep the query's columns.
FLOOR_PARTS: dict[str, list[tuple[str, str]]] = {
    "store-ready rows (grade letter, reasons as JSON, in id order)": [],
    "rating_sql alone": [],
    "without the reasons (top 4)": [("REASONS", "NULL")],
    "without the caps (over_cap and its join)": [
        ("LEFT JOIN over_cap AS x USING (organisation_id)", ""),
        ("x.adverse_cut", "NULL"),
        ("x.favourable_cut", "NULL"),
    ],
    "without the grade limit": [("max(limit_key) AS limit_key", "CAST(NULL AS INTEGER) AS limit_key")],
    "without the join of every head": [
        (
            "FROM HEADS AS o\n    LEFT JOIN per_organisation AS p USING (organisation_id)",
            "FROM per_organisation AS p",
        ),
        ("SELECT o.organisation_id", "SELECT p.organisation_id"),
    ],
}
FLOOR_PARTS["without reasons and caps"] = (
    FLOOR_PARTS["without the reasons (top 4)"] + FLOOR_PARTS["without the caps (over_cap and its join)"]
)
FLOOR_PARTS["without reasons, caps, limit and heads"] = (
    FLOOR_PARTS["without reasons and caps"]
    + FLOOR_PARTS["without the grade limit"]
    + FLOOR_PARTS["without the join of every head"]
)


def floor(orgs: int, records: int, repeat: int = 3, memory_limit: str = "1GB") -> dict[str, object]:
    """The rating query with its parts removed one at a time, each against the bare group-by."""
    work = Path(tempfile.mkdtemp(prefix="credence-bench-floor-"))
    try:
        _child("_generate", work, "--orgs", str(orgs), "--records", str(records))
        base = min(float(_child("_baseline", work)["seconds"]) for _ in range(repeat))
        found: dict[str, object] = {
            "organisations": orgs,
            "records": records,
            "bare_group_by_s": round(base, 2),
        }
        for k, name in enumerate(FLOOR_PARTS):
            runs = [
                _child("_variant", work, "--variant", str(k), "--memory-limit", memory_limit)
                for _ in range(repeat)
            ]
            best = min(float(r["seconds"]) for r in runs)
            found[name] = {"s": round(best, 2), "ratio": round(best / base, 2)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return found


def _variant(work: Path, k: int, memory_limit: str) -> None:
    import duckdb

    from credence.rating.batch import DIALECTS, _reasons, rating_sql
    from credence.rating.partitioned import stored_sql

    tables, _ = _categories()
    name = list(FLOOR_PARTS)[k]
    facts = f"read_parquet('{work / 'data' / 'facts.parquet'}')"
    heads = f"read_parquet('{work / 'data' / 'organisations.parquet'}')"
    if k == 0:
        query = stored_sql(tables, AS_OF, facts, heads)  # type: ignore[arg-type]
    else:
        query = rating_sql(tables, AS_OF, facts, heads)  # type: ignore[arg-type]
    for old, new in FLOOR_PARTS[name]:
        old = old.replace("REASONS", _reasons(DIALECTS["duckdb"])).replace("HEADS", heads)
        assert old in query, (name, old)
        query = query.replace(old, new)
    con = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": False})
    started = time.perf_counter()
    con.execute(f"COPY ({query}) TO '{work / 'variant.parquet'}' (FORMAT parquet)")
    seconds = time.perf_counter() - started
    con.close()
    print(json.dumps({"seconds": seconds, "peak_rss_mib": _peak_mib()}))


def _partitioned(work: Path, memory_limit: str, partition_records: int) -> None:
    """credence.rating.partitioned over the Parquet: cut into partitions, each rated to a Parquet file.
    DuckDB is imported before the timer starts, as the baseline's is (about 0.1–0.2 s, once a process)."""
    import duckdb  # noqa: F401

    from credence.rating import partitioned

    tables, _ = _categories()
    run = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    source = partitioned.files(work / "data" / "facts.parquet", work / "data" / "organisations.parquet")
    limits = partitioned.Limits(memory_limit, work, partition_records or None)
    started = time.perf_counter()
    parts, peak_disk = [], 0.0
    for part in partitioned.rate(tables, source, AS_OF, run, limits):  # type: ignore[arg-type]
        parts.append(part)
        peak_disk = max(peak_disk, _mib(run))  # spill files are gone by now: a floor of the peak
    seconds = time.perf_counter() - started
    rated = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    disk = _mib(run)
    shutil.rmtree(run)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mib": _peak_mib(),
                "partitions": len(parts),
                "rated": rated,
                "work_mib": disk,
                "peak_work_mib": peak_disk,
            }
        )
    )


def storing(orgs: int, url: str) -> dict[str, object]:
    """Storing a first rating of ORGS organisations (every one new: a history row each) and a second
    (every rating updated, nothing changed, a second later) through repository.store_ratings, against a
    bare load of the same rows into a plain table (COPY on PostgreSQL, executemany on SQLite:
    store.db.stage) and against the floors of storing (FIRST_FLOOR, AGAIN_FLOOR)."""
    import pyarrow as pa

    from credence.rating import repository as rrepo
    from credence.rating.service import LOG_SLICE
    from credence.store.db import make_engine, stage
    from credence.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    ids = pa.array(range(1, orgs + 1), pa.int64())
    with engine.begin() as conn:  # the organisations, set-based too
        stage(
            conn,
            "bench_organisations",
            "id BIGINT, key TEXT, scheme TEXT, name TEXT",
            pa.table(
                {
                    "id": ids,
                    "key": ids.cast(pa.string()),
                    "scheme": ["uscc"] * orgs,
                    "name": ["x"] * orgs,
                }
            ),
        )
        conn.exec_driver_sql(
            "INSERT INTO organisations (id, key, scheme, name, never_public, created_at) "
            "SELECT id, 'bench:' || key, scheme, name, false, CURRENT_TIMESTAMP FROM bench_organisations"
        )
    grades = pa.array(["ABCD"[i % 4] for i in range(orgs)])
    reasons = pa.array([f'[{{"record_id": {i * 10}, "points": -200}}]' for i in range(orgs)])
    rated = pa.table(
        {
            "organisation_id": ids,
            "score": pa.array([800] * orgs, pa.int64()),
            "grade": grades,
            "grade_limited_by": pa.nulls(orgs, pa.string()),
            "reasons": reasons,
        },
        schema=partitioned_rated(),
    )

    def ours(now: datetime) -> tuple[float, int]:
        started, changes = time.perf_counter(), 0
        with engine.begin() as conn:
            for part in rated.to_batches(LOG_SLICE):
                changes += len(rrepo.store_ratings(conn, part, AS_OF, "bench", "0" * 64, "bench", now, now))
        return time.perf_counter() - started, changes

    floors = {"first": _storing_floor(engine, rated, FIRST_FLOOR)}
    if engine.dialect.name == "postgresql":  # the same without the foreign keys' checks (superuser only)
        floors["first_unchecked"] = _storing_floor(engine, rated, FIRST_FLOOR, unchecked=True)
    first, first_changes = ours(now)
    second, second_changes = ours(now + timedelta(seconds=1))  # as a later rating: every row written
    floors["again"] = _storing_floor(engine, rated, AGAIN_FLOOR)
    started = time.perf_counter()
    with engine.begin() as conn:
        stage(
            conn,
            "bench_bare",
            "organisation_id BIGINT, score INTEGER, grade VARCHAR(1), "
            "grade_limited_by VARCHAR(64), reasons TEXT",
            rated,
        )
    bare = time.perf_counter() - started
    engine.dispose()
    return {
        "backend": engine.dialect.name,
        "organisations": orgs,
        "first_rating_s": round(first, 4),
        "first_rows_per_s": round(orgs / first),
        "grade_changes_first": first_changes,
        "second_rating_s": round(second, 4),
        "second_rows_per_s": round(orgs / second),
        "grade_changes_second": second_changes,
        "bare_load_s": round(bare, 4),
        "bare_rows_per_s": round(orgs / bare),
        "ratio_first_to_bare": round(first / bare, 2),
        "ratio_second_to_bare": round(second / bare, 2),
        **{f"floor_{name}_s": round(seconds, 4) for name, seconds in floors.items()},
        "ratio_first_to_floor": round(first / floors["first"], 2),
        "ratio_second_to_floor": round(second / floors["again"], 2),
    }


# What storing costs at the least (rolled back after), each slice staged as store_ratings stages it (the
# staging timed too): a first rating's rows inserted from the stage into the history and the ratings (with
# their keys, indexes and foreign keys: no join, no check of what is stored, nothing returned), and a second
# rating's ratings updated from the stage. On PostgreSQL the first again without the foreign keys' checks,
# their share of it.
FIRST_FLOOR = (
    "INSERT INTO rating_history (organisation_id, old_grade, new_grade, score, as_of, cause, policy_version, "
    "rated_at) SELECT organisation_id, NULL, grade, score, CURRENT_DATE, 'bench', 'bench', CURRENT_TIMESTAMP "
    "FROM rating_stage",
    "INSERT INTO ratings (organisation_id, score, grade, grade_limited_by, reasons, as_of, policy_version, "
    "policy_sha256, rated_at, facts_read_at) SELECT organisation_id, score, grade, grade_limited_by, "
    "reasons, CURRENT_DATE, 'bench', 'bench', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM rating_stage",
)
AGAIN_FLOOR = (
    "UPDATE ratings SET score = s.score, grade = s.grade, grade_limited_by = s.grade_limited_by, "
    "reasons = s.reasons, rated_at = CURRENT_TIMESTAMP, facts_read_at = CURRENT_TIMESTAMP "
    "FROM rating_stage AS s WHERE ratings.organisation_id = s.organisation_id "
    "AND ratings.organisation_id BETWEEN (SELECT min(organisation_id) FROM rating_stage) "
    "AND (SELECT max(organisation_id) FROM rating_stage)",
)


def _storing_floor(engine: Any, rated: Any, statements: tuple[str, ...], unchecked: bool = False) -> float:
    from credence.rating import repository as rrepo
    from credence.rating.service import LOG_SLICE

    with engine.connect() as conn:
        with conn.begin() as transaction:
            if unchecked:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            started = time.perf_counter()
            for part in rated.to_batches(LOG_SLICE):
                rrepo.stage_rows(conn, rrepo.STAGE, rrepo._STAGE_COLUMNS, part)
                for sql in statements:
                    conn.exec_driver_sql(sql)
            seconds = time.perf_counter() - started
            transaction.rollback()
    return seconds


def partitioned_rated() -> object:
    from credence.rating.partitioned import RATED

    return RATED


def _store(work: Path, orgs: int, records: int) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{work / 'credence.db'}"
    env = {**os.environ, "CREDENCE_DATABASE_URL": url}
    credence = str(Path(sys.executable).with_name("credence"))
    subprocess.run(
        [credence, "demo", "--organisations", str(orgs), "--records", str(records)],
        env=env,
        check=True,
        capture_output=True,
    )
    return url, env


def incremental(n: int = 1000, store: tuple[int, int] = (12_000, 120_000)) -> dict[str, object]:
    from credence.catalog import load_catalog
    from credence.clock import SystemClock
    from credence.dueprocess.service import DueProcess
    from credence.rating import load_policy
    from credence.rating import repository as rrepo
    from credence.rating.service import RatingService
    from credence.records.readers import RawRow
    from credence.records.service import IngestService
    from credence.settings import Settings
    from credence.store.db import make_engine

    work = Path(tempfile.mkdtemp(prefix="credence-bench-rating-"))
    url, _ = _store(work, *store)
    settings = Settings(database_url=url)
    engine = make_engine(url)
    catalog = load_catalog()
    ingest = IngestService(engine, catalog, SystemClock(), settings)
    rating = RatingService(engine, catalog, load_policy(catalog), SystemClock(), settings)
    process = DueProcess(engine, catalog, SystemClock(), settings, rating, ingest)
    with engine.connect() as conn:
        orgs = conn.execute(rrepo.organisations.select().limit(n)).all()
    times = []
    for i, org in enumerate(orgs):
        row = {
            "source_record_id": f"BENCH-{i:06d}",
            "category": "administrative_penalty",
            "subject_id": org.code,
            "subject_name": org.name,
            "severity": "general",
            "decided_on": "2026-11-01",
            "legal_basis": "Administrative Penalty Law, Art. 28",
            "status": "final",
            "amount": "5000",
            "currency": "CNY",
        }
        result = ingest.ingest_rows("SAMR", [RawRow(1, row)], file_name="bench", fmt="api")
        assert result.new == 1
        # Its notice delivered (so the record counts), without the delivery's own re-rating: that is timed.
        assert (
            process.deliver_batch_notices([result.batch_id], actor="bench", channel="bench", rate=False) == 1
        )
        started = time.perf_counter()
        rating.rate([org.id], cause="bench")
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "submissions": len(times),
        "median_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
    }


def api(seconds: float = 10.0, store: tuple[int, int] = (12_000, 120_000)) -> dict[str, object]:
    import httpx

    work = Path(tempfile.mkdtemp(prefix="credence-bench-api-"))
    _, env = _store(work, *store)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    credence = str(Path(sys.executable).with_name("credence"))
    server = subprocess.Popen(
        [credence, "serve", "--demo", "--port", str(port)],
        env={**env, "CREDENCE_RATE_LIMIT": "1000000/second"},  # measure the work, not the limit
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/api/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        codes = httpx.get(base + "/api/v1/organisations", params={"q": "有限公司", "per_page": 100}).json()
        paths = [f"/api/v1/organisations/{o['code']}" for o in codes["items"] if o["code"]]

        def rate(targets: list[str]) -> float:
            done = [0]
            stop = time.monotonic() + seconds

            def worker() -> None:
                with httpx.Client(base_url=base) as client:
                    i = 0
                    while time.monotonic() < stop:
                        response = client.get(targets[i % len(targets)])
                        assert response.status_code == 200
                        done[0] += 1
                        i += 1

            threads = [threading.Thread(target=worker) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return done[0] / seconds

        constant = rate(["/api/v1/health"])
        profiles = rate(paths)
    finally:
        server.terminate()
        server.wait()
    return {
        "constant_per_s": round(constant),
        "profiles_per_s": round(profiles),
        "ratio": round(profiles / constant, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="*", default=["batch", "spark", "incremental", "api"])
    parser.add_argument("--orgs", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--spark-records", type=int, default=1_000_000, help="spark: records (orgs: a tenth)")
    parser.add_argument("--submissions", type=int, default=1000, help="incremental: records submitted")
    parser.add_argument("--seconds", type=float, default=10.0, help="api: seconds per endpoint")
    parser.add_argument(
        "--store",
        type=int,
        nargs=2,
        default=(12_000, 120_000),
        metavar=("ORGS", "RECORDS"),
        help="incremental and api: the demo registry's size",
    )
    parser.add_argument("--repeat", type=int, default=3, help="batch: runs of each side (the best counts)")
    parser.add_argument("--memory-limit", default="1GB", help="batch: the partitioned engine's DuckDB limit")
    parser.add_argument(
        "--partition-records",
        type=int,
        default=0,
        help="batch: records a partition (0: from the memory limit)",
    )
    parser.add_argument(
        "--store-orgs", type=int, default=1_000_000, help="storing: organisations whose ratings are stored"
    )
    parser.add_argument(
        "--postgres",
        help="storing: a PostgreSQL database to create, measure in and drop too (default: "
        "CREDENCE_BENCH_POSTGRES_URL; '' for none)",
    )
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--variant", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.which == ["_generate"]:
        _generate(args.work, args.orgs, args.records)
        return
    if args.which == ["_baseline"]:
        _baseline(args.work)
        return
    if args.which == ["_partitioned"]:
        _partitioned(args.work, args.memory_limit, args.partition_records)
        return
    if args.which == ["_variant"]:
        _variant(args.work, args.variant, args.memory_limit)
        return
    if args.which == ["_spark_child"]:
        _spark_child(args.orgs, args.records)
        return
    results: dict[str, object] = {}
    if "batch" in args.which:
        results["batch"] = batch(
            args.orgs, args.records, args.repeat, args.memory_limit, args.partition_records
        )
    if "floor" in args.which:
        results["floor"] = floor(args.orgs, args.records, args.repeat, args.memory_limit)
    if "storing" in args.which:
        work = Path(tempfile.mkdtemp(prefix="credence-bench-storing-"))
        try:
            results["storing"] = [storing(args.store_orgs, f"sqlite:///{work / 'credence.db'}")]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        postgres = bench_postgres.url(None) if args.postgres is None else args.postgres or None
        if postgres:
            with bench_postgres.fresh(postgres) as url:
                results["storing"].append(storing(args.store_orgs, url))  # type: ignore[attr-defined]
    if "spark" in args.which:
        results["spark"] = spark(args.spark_records // 10, args.spark_records)
    if "incremental" in args.which:
        results["incremental"] = incremental(args.submissions, tuple(args.store))
    if "api" in args.which:
        results["api"] = api(args.seconds, tuple(args.store))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
