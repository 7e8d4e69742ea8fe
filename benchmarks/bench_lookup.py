"""Profile lookups at scale (issue 17), against a primary-key lookup measured in the same run, on SQLite and
PostgreSQL.

The store (ORGS organisations, RECORDS records, their ratings, history, list entries, events and objections)
is built set-based by benchmarks/lookup_store.py through the migrations' schema, then analysed. On random
organisations it times, in milliseconds (p50, p99):
1. primary key: `SELECT * FROM organisations WHERE id = ?` on one open connection (the baseline);
2. api: the API's profile as `GET /api/v1/organisations/{code}` computes it (`organisation_profile`: the
   organisation, its file, the version of its records, the rating explained, the subjects joined), each
   organisation asked once, so never from the profile cache;
3. page: the profile page's service calls (the API's profile, then `profile_context`: the public records,
   the history and its chart, the list entries, the objections);
4. http: `GET /organisations/{code}` (the page, rendered) through Starlette's TestClient.
It then EXPLAINs every statement one profile page runs (captured from the engine) and names each big table
a plan reads whole: there must be none.

    python benchmarks/bench_lookup.py [--orgs 1000000] [--records 10000000] [--lookups 1000]
        [--pages 200] [--stores sqlite postgres] [--keep DIR]

PostgreSQL: the database CREDENCE_BENCH_POSTGRES_URL names (default credence_bench_lookup on 127.0.0.1),
created and dropped (benchmarks/bench_postgres.py); with --keep it is kept, as is the SQLite file in DIR, and
a later run with --keep reuses what they hold.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import bench_postgres
import lookup_store
from credence.api.app import Registry, organisation_profile
from credence.clock import FixedClock
from credence.settings import Settings
from credence.store import migrate
from credence.store.db import make_engine
from credence.web.profile import profile_context


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def latencies(call: Callable[[int], object], ids: list[int]) -> list[float]:
    """Milliseconds per call, one per id, sorted."""
    out = []
    for i in ids:
        began = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - began) * 1000)
    return sorted(out)


def summary(times: list[float], base: list[float]) -> dict[str, float]:
    p50, p99 = statistics.median(times), times[max(int(len(times) * 0.99) - 1, 0)]
    b50, b99 = statistics.median(base), base[max(int(len(base) * 0.99) - 1, 0)]
    return {
        "p50_ms": round(p50, 3),
        "p99_ms": round(p99, 3),
        "p50_ratio": round(p50 / b50, 1),
        "p99_ratio": round(p99 / b99, 1),
    }


def prepare(url: str, orgs: int, records: int) -> dict[str, object]:
    """Migrate and fill the store unless it already holds this many records."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        held = conn.exec_driver_sql("SELECT count(*) FROM organisations").scalar_one()
    if held:
        engine.dispose()
        return {"build": f"reused a store of {held:,} organisations"}
    began = time.perf_counter()
    lookup_store.build(engine, orgs, records, log)
    seconds = time.perf_counter() - began
    engine.dispose()
    return {"build_s": round(seconds)}


def measure(url: str, orgs: int, lookups: int, pages: int) -> dict[str, object]:
    settings = Settings(database_url=url, demo_mode=True, rate_limit="1000000/second")
    registry = Registry(settings, FixedClock(lookup_store.NOW))
    chooser = random.Random(2026)
    ids = chooser.sample(range(1, orgs + 1), min(orgs, 2 * lookups + 2 * pages + 60))
    warm, ids = ids[:60], ids[60:]
    api_ids, base_ids = ids[:lookups], ids[lookups : 2 * lookups] or ids[:lookups]
    page_ids, http_ids = ids[2 * lookups : 2 * lookups + pages], ids[2 * lookups + pages :]
    engine = registry.engine
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    primary = f"SELECT * FROM organisations WHERE id = {marker}"

    def api(i: int) -> object:
        return organisation_profile(registry, lookup_store.code_of(i))

    def page(i: int) -> object:
        return profile_context(registry, *organisation_profile(registry, lookup_store.code_of(i)))

    from fastapi.testclient import TestClient

    from credence.server import create_app

    client = TestClient(create_app(settings, FixedClock(lookup_store.NOW)))

    def http(i: int) -> object:
        response = client.get(f"/organisations/{lookup_store.code_of(i)}")
        assert response.status_code == 200, response.text[:500]
        return response

    with engine.connect() as conn:
        for i in warm[:20]:
            conn.exec_driver_sql(primary, (i,)).one()
        base = latencies(lambda i: conn.exec_driver_sql(primary, (i,)).one(), base_ids)
    for i in warm[20:40]:
        page(i)
    for i in warm[40:]:
        http(i)
    results: dict[str, object] = {
        "lookups": lookups,
        "page_lookups": pages,
        "primary_key": {
            "p50_ms": round(statistics.median(base), 3),
            "p99_ms": round(base[int(len(base) * 0.99) - 1], 3),
        },
        "api": summary(latencies(api, api_ids), base),
        "page": summary(latencies(page, page_ids), base),
        "http": summary(latencies(http, http_ids), base),
    }
    results["plans"] = plans(registry)
    results["tick_expiry"] = expiry(registry)
    engine.dispose()
    return results


# records.repository.to_expire before migration 0019: every published record older than its period, less
# those whose current version has its 'expired' event (kept here to measure the change in the same run).
BEFORE_0019 = """
SELECT r.*, o.never_public FROM records r JOIN organisations o ON o.id = r.organisation_id
WHERE r.noticed_at IS NOT NULL AND r.state = 'active' AND ({ended})
  AND NOT EXISTS (SELECT 1 FROM record_events e WHERE e.record_id = r.id AND e.kind = 'expired'
                  AND e.version = r.current_version)
ORDER BY r.id
"""


def expiry(registry: Registry) -> dict[str, object]:
    """The tick's search for the records whose publication period ends today (the store's tick ran until
    yesterday: lookup_store marks what ended before), best of 3: `to_expire` through ix_records_unexpired,
    the same search as it was before (BEFORE_0019), and as the baseline the rows it returns read by their
    primary keys."""
    from credence.records import publicity
    from credence.records import repository as records_repo

    engine, periods = registry.engine, publicity.periods(registry.catalog)
    pg = engine.dialect.name == "postgresql"
    day = "DATE " if pg else ""
    ended = " OR ".join(
        f"(r.category = '{c}'"
        + (f" AND r.severity = '{s}'" if s else "")
        + f" AND r.decided_on <= {day}'{lookup_store.AS_OF - timedelta(days=days)}')"
        for c, s, days in periods
    )

    def best(call: Callable[[Any], object]) -> tuple[float, object]:
        times, found = [], None
        for _ in range(3):
            with engine.connect() as conn:
                began = time.perf_counter()
                found = call(conn)
                times.append(time.perf_counter() - began)
        return min(times) * 1000, found

    ms, rows = best(lambda conn: records_repo.to_expire(conn, periods, lookup_store.AS_OF))
    ids = [r.id for r in rows]  # type: ignore[attr-defined]
    listed = ", ".join(str(i) for i in ids) or "NULL"
    base_ms, _ = best(
        lambda conn: conn.exec_driver_sql(
            f"SELECT r.*, o.never_public FROM records r JOIN organisations o ON o.id = r.organisation_id "
            f"WHERE r.id IN ({listed}) ORDER BY r.id"
        ).all()
    )
    before_ms, before = best(lambda conn: conn.exec_driver_sql(BEFORE_0019.format(ended=ended)).all())
    assert [r.id for r in before] == ids  # type: ignore[attr-defined]
    return {
        "records_ending_today": len(ids),
        "to_expire_ms": round(ms, 2),
        "by_primary_key_ms": round(base_ms, 2),
        "ratio": round(ms / base_ms, 2),
        "before_0019_ms": round(before_ms, 2),
        "before_ratio": round(before_ms / base_ms, 2),
    }


def plans(registry: Registry) -> dict[str, object]:
    """Every statement of two profile pages, EXPLAINed: the big tables read whole. One organisation with a
    list entry, an objection, withdrawn records and history, so that every read has rows to find; and the
    head of a file a clerk joined another subject into (lookup_store.JOINED_HEAD)."""
    engine = registry.engine
    with engine.connect() as conn:
        subjects = [lookup_store.busy_organisation(conn), lookup_store.JOINED_HEAD]
    with lookup_store.captured(engine) as seen:
        for subject in subjects:
            profile_context(registry, *organisation_profile(registry, lookup_store.code_of(subject)))
    with engine.connect() as conn:
        found = lookup_store.scans(conn, seen)
    return {
        "organisations": subjects,
        "statements": len(seen),
        "full_scans": [{"table": table, "statement": " ".join(sql.split())[:300]} for table, sql in found],
    }


def run(store: str, args: argparse.Namespace) -> dict[str, object]:
    log(f"{store}: {args.orgs:,} organisations, {args.records:,} records")
    if store == "postgres":
        database = bench_postgres.url("credence_bench_lookup")
        if database is None:
            return {"store": store, "skipped": f"{bench_postgres.VARIABLE}=none"}
        with bench_postgres.fresh(database, keep=args.keep is not None) as url:
            result = measured(store, url, args)
            result["store_mib"] = bench_postgres.size_mib(url)
            return result
    work = args.keep or Path(tempfile.mkdtemp(prefix="credence-bench-lookup-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"lookup-{args.records}.db"
    try:
        result = measured(store, f"sqlite:///{path}", args)
        result["store_mib"] = round(path.stat().st_size / 2**20)
        return result
    finally:
        if not args.keep:
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink()


def measured(store: str, url: str, args: argparse.Namespace) -> dict[str, object]:
    result: dict[str, object] = {"store": store, "organisations": args.orgs, "records": args.records}
    result.update(prepare(url, args.orgs, args.records))
    log(f"{store}: built; measuring")
    result.update(measure(url, args.orgs, args.lookups, args.pages))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--lookups", type=int, default=1_000, help="API profiles (and primary-key lookups).")
    parser.add_argument(
        "--pages", type=int, default=200, help="Pages and HTTP requests (their chart costs ~0.3 s each)."
    )
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument(
        "--keep", type=Path, help="Keep the stores (the SQLite file in this folder) for reuse."
    )
    args = parser.parse_args()
    results: list[Any] = [run(store, args) for store in args.stores]
    print(json.dumps({"stores": results}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
