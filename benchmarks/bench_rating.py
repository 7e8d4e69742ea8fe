"""Rating benchmarks (issue 3), each against a baseline measured in the same run.

1. batch: the SQL engine rating ORGS organisations from RECORDS records (Arrow tables), against a bare
   DuckDB group-by that sums decayed points per organisation over the same records;
2. incremental: re-rating one organisation after a new record is stored and its notice logged, 1,000
   times on SQLite (median and 99th percentile);
3. api: profile lookups per second through uvicorn (one worker), against a constant endpoint of the same
   server;
4. spark: the SQL engine on Spark local[2] against DuckDB, both rating one Parquet snapshot of
   SPARK_RECORDS records (and a tenth as many organisations) into Parquet.

    python benchmarks/bench_rating.py [batch|spark|incremental|api ...] [--orgs N] [--records N]
        [--spark-records N]
        [--submissions N] [--seconds S] [--store ORGS RECORDS]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 11, 25)


def batch(orgs: int, records: int) -> dict[str, object]:
    """Run in a child process so that its peak memory is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "_batch_child", "--orgs", str(orgs), "--records", str(records)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _records_sql(tables: Any, orgs: int, records: int) -> str:
    """Deterministic pseudo-random records, generated inside DuckDB (a Python loop would dominate)."""
    categories = sorted({r.category for r in tables.rows} | {"administrative_licence", "inspection_result"})
    cats = "[" + ", ".join(f"'{c}'" for c in categories) + "]"
    return f"""
        SELECT (hash(i) % {orgs})::BIGINT + 1 AS organisation_id, i::BIGINT AS record_id,
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
    from credence.rating.spark import FACTS_SQL, HEADS_SQL, rate_frames, session, snapshot_frames

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


def _batch_child(orgs: int, records: int) -> None:
    import duckdb
    import pyarrow as pa

    from credence.catalog import load_catalog
    from credence.rating import load_policy
    from credence.rating.batch import rate_batch, rating_table
    from credence.rating.engine import compile_policy

    catalog = load_catalog()
    tables = compile_policy(load_policy(catalog), catalog)
    con = duckdb.connect()
    facts: pa.Table = con.execute(_records_sql(tables, orgs, records)).to_arrow_table()
    organisations = pa.table({"organisation_id": pa.array(range(1, orgs + 1), pa.int64())})
    con.close()

    def baseline() -> float:
        rules = ", ".join(f"('{r.category}', '{r.severity}', {r.points})" for r in tables.rows)
        sev = ", ".join(f"'{c}'" for c in sorted(tables.severity_categories))
        con = duckdb.connect()
        con.register("facts", facts)
        started = time.perf_counter()
        con.sql(
            f"""
            WITH rules(category, severity, points) AS (VALUES {rules})
            SELECT f.organisation_id,
                   sum(u.points * CASE WHEN date_diff('day', f.decided_on, DATE '{AS_OF}') < 365 THEN 100
                                       WHEN date_diff('day', f.decided_on, DATE '{AS_OF}') < 730 THEN 60
                                       ELSE 30 END // 100) AS score
            FROM facts AS f JOIN rules AS u ON u.category = f.category
                 AND u.severity = CASE WHEN f.category IN ({sev}) THEN f.severity ELSE '' END
            GROUP BY f.organisation_id
            """
        ).to_arrow_table()
        seconds = time.perf_counter() - started
        con.close()
        return seconds

    def engine() -> float:
        started = time.perf_counter()
        rated = rating_table(tables, facts, organisations, AS_OF)
        seconds = time.perf_counter() - started
        assert rated.num_rows == orgs
        return seconds

    def as_objects() -> float:
        started = time.perf_counter()
        rated = rate_batch(tables, facts, organisations, AS_OF)
        seconds = time.perf_counter() - started
        assert len(rated) == orgs
        return seconds

    base = [baseline() for _ in range(3)]
    ours = [engine() for _ in range(3)]
    objects = as_objects()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "organisations": orgs,
                "records": records,
                "baseline_group_by_s": round(min(base), 2),
                "batch_rating_s": round(min(ours), 2),
                "ratio": round(min(ours) / min(base), 2),
                "with_python_objects_s": round(objects, 2),
                "peak_rss_mib": round(peak, 1),
            }
        )
    )


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
    args = parser.parse_args()
    if args.which == ["_batch_child"]:
        _batch_child(args.orgs, args.records)
        return
    if args.which == ["_spark_child"]:
        _spark_child(args.orgs, args.records)
        return
    results: dict[str, object] = {}
    if "batch" in args.which:
        results["batch"] = batch(args.orgs, args.records)
    if "spark" in args.which:
        results["spark"] = spark(args.spark_records // 10, args.spark_records)
    if "incremental" in args.which:
        results["incremental"] = incremental(args.submissions, tuple(args.store))
    if "api" in args.which:
        results["api"] = api(args.seconds, tuple(args.store))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
