"""Bulk checks benchmark (issue 16): bidders per second checked from a file, against a bare lookup of the
same codes in the same run, on SQLite and, when CREDENCE_BENCH_POSTGRES_URL names one, on PostgreSQL, in a
database the benchmark creates and drops (benchmarks/bench_postgres.py).

A demo registry (`credence demo`) is built in each store, in a process of its own (on PostgreSQL the store
is vacuumed and analysed after). Files of bidders are drawn from its codes (one in fifty a code it does not
hold, one in a hundred a mistyped one), and each is measured as `credence check --file` and the /checks page
run it: `CheckService.check_rows` and the answer written as CSV (`write_rows`), in the domain of
`--domain`:

- checks: rows per second of the whole answer, at each of `--rows`;
- baseline: the same codes looked up set-based, as many codes a query as the checks' blocks hold
  (`SELECT id, code, name FROM organisations WHERE code IN (...)`): the least a check of a code does;
- per_row: the check of each bidder by the queries of one organisation (the path each line took before
  the blocks), at the smallest size only.

Figures: rows/s of each, and checks/baseline; per store, per size.

    python benchmarks/bench_checks.py [--orgs N] [--records N] [--rows N ...] [--domain D]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_postgres

CREDENCE = str(Path(sys.executable).with_name("credence"))


def build(url: str, orgs: int, records: int) -> None:
    """The demo registry in the store at `url` (emptied first on PostgreSQL)."""
    from sqlalchemy.engine import make_url

    from credence.store.db import make_engine

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        # The URL's schema (options=-csearch_path=NAME), else public: emptied.
        options = make_url(url).query.get("options", "")
        options = options if isinstance(options, str) else options[0]
        schema = options.split("search_path=", 1)[1].split(",")[0] if "search_path=" in options else "public"
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
    engine.dispose()
    env = {**os.environ, "CREDENCE_DATABASE_URL": url}
    done = subprocess.run(
        [CREDENCE, "demo", "--organisations", str(orgs), "--records", str(records)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()


def codes_of(url: str) -> list[str]:
    from sqlalchemy import select

    from credence.store.db import make_engine
    from credence.store.models import Organisation

    o = Organisation.__table__.c  # type: ignore[attr-defined]
    engine = make_engine(url)
    with engine.connect() as conn:
        codes = list(conn.execute(select(o.code).where(o.code.is_not(None)).order_by(o.id)).scalars())
    engine.dispose()
    return codes


def bidders(codes: list[str], n: int, seed: int = 16) -> list[Any]:
    from credence.checks.bidders import Bidder
    from credence.identity import build_uscc

    rng = random.Random(seed)
    rows = []
    for line in range(2, n + 2):
        pick = rng.random()
        if pick < 0.02:
            code = build_uscc("91", "330100", f"{rng.randrange(10**8):08d}")  # not held
        elif pick < 0.03:
            code = rng.choice(codes)
            code = code[:-1] + ("0" if code[-1] != "0" else "1")  # a wrong check character
        else:
            code = rng.choice(codes)
        rows.append(Bidder(line, {"subject_id": code}))
    return rows


def measure(url: str, sizes: list[int], domain: str) -> dict[str, Any]:
    from sqlalchemy import select

    from credence.checks import service as checks_service
    from credence.checks.service import Disclosure, write_rows
    from credence.cli.context import AppContext
    from credence.clock import SystemClock
    from credence.identity import IdentifierError, SubjectRefused, resolve_subject
    from credence.settings import Settings
    from credence.store.models import Organisation

    context = AppContext(Settings(database_url=url), SystemClock())
    checks = context.checks()
    engine = context.engine
    o = Organisation.__table__.c  # type: ignore[attr-defined]
    codes = codes_of(url)
    checks.rating.tables  # noqa: B018 -- the policy compiled before the clock starts
    # A first file, with bad lines: connections, the catalog caches and the message catalogs loaded.
    list(checks.check_rows(bidders(codes, 200, seed=1), domain))
    out: dict[str, Any] = {"organisations": len(codes), "domain": domain, "block": checks_service.BLOCK}
    for n in sizes:
        rows = bidders(codes, n)
        given = [r.values["subject_id"] for r in rows]
        t = time.perf_counter()
        answer = write_rows(checks.check_rows(rows, domain))
        checks_s = time.perf_counter() - t
        lines = answer.count("\n") - 1
        assert lines == n, (lines, n)

        t = time.perf_counter()
        found = 0
        with engine.connect() as conn:
            block = checks_service.BLOCK
            for start in range(0, n, block):
                part = sorted({c.upper() for c in given[start : start + block]})
                for i in range(0, len(part), 1000):
                    query = select(o.id, o.code, o.name).where(o.code.in_(part[i : i + 1000]))
                    found += len(conn.execute(query).all())
        baseline_s = time.perf_counter() - t
        assert found > 0
        figures: dict[str, Any] = {
            "checks_s": round(checks_s, 3),
            "checks_per_s": round(n / checks_s),
            "baseline_s": round(baseline_s, 3),
            "baseline_per_s": round(n / baseline_s),
            "ratio": round(baseline_s / checks_s, 4),
            "restricted": answer.count(",restricted,"),
        }
        if n == min(sizes):
            # The path each line took before the blocks: one organisation's queries per bidder.
            t = time.perf_counter()
            with engine.connect() as conn:
                on = checks.today()
                for code in given:
                    try:
                        subject = resolve_subject(code, today=on)
                    except (IdentifierError, SubjectRefused):
                        continue
                    checks._check(conn, subject, domain, on, Disclosure())
            per_row_s = time.perf_counter() - t
            figures.update(per_row_s=round(per_row_s, 3), per_row_per_s=round(n / per_row_s))
        out[str(n)] = figures
        print(
            f"  {engine.dialect.name} {n:,} rows: {figures['checks_per_s']:,} rows/s "
            f"(baseline {figures['baseline_per_s']:,}/s, ratio {figures['ratio']})",
            file=sys.stderr,
        )
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=12_000)
    parser.add_argument("--records", type=int, default=120_000)
    parser.add_argument("--rows", type=int, nargs="+", default=[5_000, 50_000], help="bidders a file")
    parser.add_argument("--domain", default="public_procurement")
    parser.add_argument(
        "--url", help="measure this store, already holding a demo registry, instead of building one"
    )
    args = parser.parse_args()
    stores = {"sqlite": f"sqlite:///{tempfile.mkdtemp(prefix='credence-bench-checks-')}/credence.db"}
    postgres = bench_postgres.url(None)
    if postgres:
        stores["postgresql"] = postgres
    if args.url:
        stores = {"postgresql" if args.url.startswith("postgresql") else "sqlite": args.url}
    result: dict[str, Any] = {"records": args.records, "rows": args.rows}
    for name, url in stores.items():
        with contextlib.ExitStack() as own:
            if not args.url:
                if name == "postgresql":
                    own.enter_context(bench_postgres.fresh(url))
                started = time.perf_counter()
                build(url, args.orgs, args.records)
                print(f"  {name}: demo built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            result[name] = measure(url, args.rows, args.domain)
    for name in stores:
        for n in args.rows:
            f = result[name][str(n)]
            print(
                f"checks ({name}, {n:,} rows): {f['checks_per_s']:,} rows/s, "
                f"baseline {f['baseline_per_s']:,}/s, ratio {f['ratio']}"
            )
    print(json.dumps(result, ensure_ascii=False))  # last: the summary a test reads


if __name__ == "__main__":
    main()
