"""Ingest benchmark: `credence ingest` of a generated NDJSON file on SQLite, against a bare executemany.

Both run in the same process tree, on the same database file, in the same run, so the ratio is meaningful
on a shared, noisy machine. The ingest runs as a child process so its peak memory (ru_maxrss) is its own.

    python benchmarks/bench_ingest.py [ROWS]      (default 1,000,000; make bench)

The same file is then ingested into PostgreSQL (issue 17), side by side: into a database the benchmark
creates and drops, named by CREDENCE_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/credence_bench_ingest; never `test`), reporting rows per second on both
stores and their ratio. CREDENCE_BENCH_POSTGRES_URL=none skips it.

A third figure, the floor: the rows the ingest stored (organisations, records, transparency-log entries
and subtrees), read back and inserted with bare `executemany` into a fresh copy of the store's schema (its
indexes, foreign keys and pragmas), committed as often, and then its notices copied in one statement. No
ingest that stores those rows can be faster than that, so its ratio to the bare baseline bounds the ratio
any ingest can reach.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_postgres
from credence.records.interchange import FIELDS
from credence.store.db import make_engine

from generate import write_ndjson

CHUNK = int(os.environ.get("CREDENCE_INGEST_CHUNK_ROWS", "2000"))  # the ingest commits as often


def bare_executemany(db: Path, path: Path) -> tuple[float, float]:
    """Seconds to (parse the file, executemany the parsed rows) into one plain table, chunk by chunk."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(f"CREATE TABLE bench_baseline ({', '.join(FIELDS)})")
    started = time.perf_counter()
    with path.open(encoding="utf-8") as f:
        rows = []
        for line in f:
            obj = json.loads(line)
            rows.append(tuple(obj.get(name) for name in FIELDS))
    parsed = time.perf_counter()
    sql = f"INSERT INTO bench_baseline VALUES ({', '.join('?' * len(FIELDS))})"
    for i in range(0, len(rows), CHUNK):
        con.executemany(sql, rows[i : i + CHUNK])
        con.commit()
    inserted = time.perf_counter()
    con.execute("DROP TABLE bench_baseline")
    con.commit()
    con.close()
    return parsed - started, inserted - parsed


# What an ingest stores from the rows it reads, in the order its transactions store it; the notices are
# then made from the stored records, at the end, by one INSERT ... SELECT (here, a copy of the ingest's).
STORED = ("organisations", "records", "log_entries", "log_nodes")


def stored_rows_executemany(
    source: Path, work: Path, env: dict[str, str], tables: tuple[str, ...] = STORED
) -> dict[str, float]:
    """Seconds per table to executemany the rows the ingest stored in `source` into a fresh store, in
    CHUNK-row transactions (each table's rows spread over the chunks in proportion); reading them back is
    not timed. `tables` leaves some out (the log's, to see what the floor was before every record was
    logged)."""
    target = work / "floor.db"
    credence = Path(sys.executable).with_name("credence")
    floor_env = {**env, "CREDENCE_DATABASE_URL": f"sqlite:///{target}"}
    subprocess.run([str(credence), "db", "upgrade"], env=floor_env, check=True, capture_output=True)
    src = sqlite3.connect(source)
    # The store's own connection (its pragmas and foreign keys), used bare through the driver.
    engine = make_engine(f"sqlite:///{target}")
    con = engine.raw_connection().driver_connection
    rows = {t: src.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    batches = src.execute("SELECT * FROM ingest_batches").fetchall()
    con.executemany(f"INSERT INTO ingest_batches VALUES ({', '.join('?' * len(batches[0]))})", batches)
    con.commit()
    cursors = {t: src.execute(f"SELECT * FROM {t} ORDER BY rowid") for t in tables}
    seconds = dict.fromkeys((*tables, "notices", "commit"), 0.0)

    def insert(table: str, take: int) -> None:
        part = cursors[table].fetchmany(take)
        if part:
            sql = f"INSERT INTO {table} VALUES ({', '.join('?' * len(part[0]))})"
            started = time.perf_counter()
            con.executemany(sql, part)
            seconds[table] += time.perf_counter() - started

    def commit() -> None:
        started = time.perf_counter()
        con.commit()
        seconds["commit"] += time.perf_counter() - started

    # Organisations first (the ingest writes each with the first chunk naming it), then the rest.
    for _ in range(0, rows["organisations"], CHUNK):
        insert("organisations", CHUNK)
        commit()
    chunks = max(1, -(-rows["records"] // CHUNK))
    for k in range(chunks):
        for table in tables[1:]:
            insert(table, rows[table] * (k + 1) // chunks - rows[table] * k // chunks)
        commit()
    con.execute("ATTACH DATABASE ? AS source", (str(source),))
    started = time.perf_counter()
    con.execute("INSERT INTO notices SELECT * FROM source.notices")
    seconds["notices"] += time.perf_counter() - started
    commit()
    src.close()
    con.close()
    engine.dispose()
    target.unlink()
    return seconds


def screening_cost(path: Path) -> tuple[float, float]:
    """Seconds to screen every row's summary and legal basis (credence.screening, nothing cached), and,
    as the baseline measured alongside, to fold the same texts (NFKC and case-folding: the least any
    check of a text does)."""
    import unicodedata

    from credence.screening import Screen

    texts = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append((row["summary"], row["legal_basis"]))
    started = time.perf_counter()
    for summary, basis in texts:
        unicodedata.normalize("NFKC", summary).casefold()
        unicodedata.normalize("NFKC", basis).casefold()
    fold_s = time.perf_counter() - started
    screen = Screen.default()
    started = time.perf_counter()
    for summary, basis in texts:
        assert screen.text("summary", summary) is None
        assert screen.legal_basis(basis) is None
    return time.perf_counter() - started, fold_s


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants, from /proc (0 for any that has gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending.extend(int(c) for c in children)
    return total


PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/credence_bench_ingest"


def timed_ingest(path: Path, n: int, url: str, work: Path) -> float:
    """Seconds `credence ingest --no-rate` takes to store the file's n rows, all new, into the store."""
    credence = Path(sys.executable).with_name("credence")
    started = time.perf_counter()
    done = subprocess.run(
        [str(credence), "ingest", str(path), "--department", "SAMR", "--json", "--no-rate"],
        env={**os.environ, "CREDENCE_DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
        cwd=work,
    )
    seconds = time.perf_counter() - started
    assert json.loads(done.stdout)["new"] == n, done.stdout
    return seconds


def upgraded(url: str) -> None:
    credence = Path(sys.executable).with_name("credence")
    env = {**os.environ, "CREDENCE_DATABASE_URL": url}
    subprocess.run([str(credence), "db", "upgrade"], env=env, check=True, capture_output=True)


def postgres_ingest(path: Path, n: int, work: Path) -> float | None:
    """Seconds to ingest the file into a fresh PostgreSQL database (created here, dropped after,
    benchmarks/bench_postgres.py), or None when no server answers."""
    from sqlalchemy.exc import OperationalError

    url = bench_postgres.url(PG_DEFAULT)
    if url is None:
        return None
    try:
        with bench_postgres.fresh(url) as url:
            upgraded(url)
            return timed_ingest(path, n, url, work)
    except OperationalError as exc:  # no server answers (the ingest itself runs in a child process)
        print(f"PostgreSQL leg skipped: {exc}", file=sys.stderr)
        return None


def _prefill(url: str, records: int) -> None:
    """Fill a migrated, empty store with `records` records of a tenth as many organisations, built
    set-based by lookup_store (a series on either store: the same organisations, records, kinds and
    dates), each with its notice and its transparency-log entry, so that the ingest that follows writes
    into tables and indexes of that size. The log's hashes are stand-ins: nothing here verifies them."""
    from lookup_store import build

    engine = make_engine(url)
    pg = engine.dialect.name == "postgresql"
    build(engine, max(records // 10, 1), records)
    blob16 = "decode(md5(id::text), 'hex')" if pg else "randomblob(16)"
    blob32 = "sha256(id::text::bytea)" if pg else "randomblob(32)"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO notices (kind, organisation_id, department, record_id, version, produced_at, "
            "deemed_on, delivered_at) SELECT 'record', organisation_id, department, id, 1, received_at, "
            "'2026-12-25', noticed_at FROM records"
        )
        conn.exec_driver_sql(
            "INSERT INTO log_entries (idx, kind, at, ref, organisation_id, public, content, salt, "
            "commitment, leaf_hash) SELECT id - 1, 'record.submitted', received_at, 'record:' || id, "
            f"organisation_id, false, '{{}}', {blob16}, {blob32}, {blob32} FROM records"
        )
        frontier = os.urandom(32 * bin(records).count("1"))
        marker = "%s" if pg else "?"
        conn.exec_driver_sql(
            f"INSERT INTO log_head (id, size, frontier, updated_at) VALUES (1, {marker}, {marker}, {marker})",
            (records, frontier, "2026-11-25 09:30:00+00:00" if pg else "2026-11-25 09:30:00.000000"),
        )
        if pg:
            conn.exec_driver_sql("SELECT setval('records_id_seq', (SELECT max(id) FROM records))")
            conn.exec_driver_sql("SELECT setval('ingest_batches_id_seq', 1)")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if pg:
            conn.exec_driver_sql("VACUUM ANALYZE notices, log_entries")
        else:  # a bounded sample, as the ingest's own refresh takes (a full ANALYZE reads every index)
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("ANALYZE notices")
            conn.exec_driver_sql("ANALYZE log_entries")
    engine.dispose()


# The tables an ingest of new records writes, with the column that orders their rows.
WRITTEN = {"organisations": "id", "records": "id", "notices": "id", "log_entries": "idx", "log_nodes": "idx"}


def _bare_stored_rows(url: str, before: dict[str, int], chunk: int) -> dict[str, float]:
    """The floor on one store: seconds to bulk-load the rows the ingest stored (those beyond `before`,
    each table's row count before it) into plain tables of the same columns, with no key, index or
    foreign key, in `chunk`-row transactions (each table's rows spread over the chunks in proportion): by
    COPY on PostgreSQL, executemany on SQLite. Reading them back is not timed."""
    engine = make_engine(url)
    pg = engine.dialect.name == "postgresql"
    reader = engine.raw_connection().driver_connection
    writer = engine.raw_connection().driver_connection
    seconds = dict.fromkeys((*WRITTEN, "commit"), 0.0)
    cursors, counts, columns = {}, {}, {}
    for table, order in WRITTEN.items():
        cursor = writer.cursor()
        cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
        cursor.execute(f"CREATE TABLE floor_{table} AS SELECT * FROM {table} WHERE 1 = 0")
        writer.commit()
        counts[table] = reader.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before[table]
        cursors[table] = reader.cursor()
        cursors[table].execute(
            f"SELECT * FROM {table} ORDER BY {order} OFFSET {before[table]}"
            if pg
            else f"SELECT * FROM {table} ORDER BY {order} LIMIT -1 OFFSET {before[table]}"
        )
        columns[table] = len(cursors[table].description)
    chunks = max(1, -(-counts["records"] // chunk))
    for k in range(chunks):
        for table in WRITTEN:
            part = cursors[table].fetchmany(counts[table] * (k + 1) // chunks - counts[table] * k // chunks)
            if not part:
                continue
            started = time.perf_counter()
            if pg:
                cursor = writer.cursor()
                with cursor.copy(f"COPY floor_{table} FROM STDIN") as copy:
                    for row in part:
                        copy.write_row(row)
            else:
                writer.executemany(
                    f"INSERT INTO floor_{table} VALUES ({', '.join('?' * columns[table])})", part
                )
            seconds[table] += time.perf_counter() - started
        started = time.perf_counter()
        writer.commit()
        seconds["commit"] += time.perf_counter() - started
    reader.rollback()
    for table in WRITTEN:
        writer.execute(f"DROP TABLE floor_{table}")
    writer.commit()
    reader.close()
    writer.close()
    engine.dispose()
    return seconds


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()) for t in WRITTEN}
    engine.dispose()
    return found


def side_by_side(path: Path, n: int, prefill: int, work: Path, build_only: bool = False) -> dict[str, object]:
    """The issue's measurement: the same file ingested into SQLite and into PostgreSQL, each store empty
    or already holding `prefill` records (built alike on both), rows per second and their ratio; and on
    each store its floor (a bare bulk load of the rows the ingest stored)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    pg_url = bench_postgres.url(PG_DEFAULT) or PG_DEFAULT
    name = bench_postgres.name_of(pg_url)
    admin = make_engine(make_url(pg_url).set(database="postgres").render_as_string(hide_password=False))
    # CREDENCE_BENCH_STORES: a folder where both stores are built ahead (--build-only) and then used by
    # the run that measures (building 10M records takes longer than ingesting into them).
    ahead = os.environ.get("CREDENCE_BENCH_STORES")
    side = Path(ahead) / f"side-{prefill}.db" if ahead else work / "side.db"
    # CREDENCE_BENCH_ONLY=sqlite or postgres: build (or measure) that store alone, so that the two builds
    # may run at once.
    only = os.environ.get("CREDENCE_BENCH_ONLY")
    stores = [(s, u) for s, u in (("sqlite", f"sqlite:///{side}"), ("postgres", pg_url)) if only in (None, s)]
    built = {store: side.with_suffix(f".{store}.built") for store, _ in stores}
    if "postgres" in built and not built["postgres"].exists():
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    out: dict[str, object] = {"rows": n, "store_records_before": prefill}
    try:
        for store, url in stores:
            started = time.perf_counter()
            if not built[store].exists():
                upgraded(url)
                if prefill:
                    _prefill(url, prefill)
            built_s = time.perf_counter() - started
            if build_only:
                out[store] = {"build_s": round(built_s, 1)}
                built[store].touch()
                continue
            before = _counts(url)
            ingest_s = timed_ingest(path, n, url, work)
            chunk = int(
                os.environ.get("CREDENCE_INGEST_CHUNK_ROWS") or (10_000 if store == "postgres" else 2_000)
            )
            floor = _bare_stored_rows(url, before, chunk)
            floor_s = sum(floor.values())
            out[store] = {
                "build_s": round(built_s, 1),
                "ingest_s": round(ingest_s, 2),
                "rows_per_s": round(n / ingest_s),
                "floor_s": round(floor_s, 2),
                "floor_by_table_s": {k: round(v, 2) for k, v in floor.items()},
                "ingest_to_floor": round(floor_s / ingest_s, 3),
            }
            print(json.dumps({store: out[store]}), file=sys.stderr, flush=True)
    except BaseException:
        build_only = False  # a failed build is dropped
        raise
    finally:
        if not build_only:  # only the stores this run used
            if "postgres" in built:
                with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            if "sqlite" in built:
                side.unlink(missing_ok=True)
            for marker in built.values():
                marker.unlink(missing_ok=True)
        admin.dispose()
    if build_only:
        return out
    if "sqlite" in out and "postgres" in out:  # not when CREDENCE_BENCH_ONLY measured one store
        sqlite_s = out["sqlite"]["ingest_s"]  # type: ignore[index]
        out["postgres_ratio_to_sqlite"] = round(sqlite_s / out["postgres"]["ingest_s"], 3)  # type: ignore[index]
    return out


def main() -> None:
    if "--side-by-side" in sys.argv:
        # python benchmarks/bench_ingest.py --side-by-side ROWS [PREFILL]: issue 17's measurement.
        # --build-only: build both stores into CREDENCE_BENCH_STORES and keep them for the run.
        args = [a for a in sys.argv[1:] if a not in ("--side-by-side", "--build-only")]
        n = int(args[0]) if args else 1_000_000
        prefill = int(args[1]) if len(args) > 1 else 0
        work = Path(tempfile.mkdtemp(prefix="credence-bench-"))
        build_only = "--build-only" in sys.argv
        path = work / "records.ndjson" if build_only else write_ndjson(work / "records.ndjson", n)
        print(json.dumps(side_by_side(path, n, prefill, work, build_only), indent=2))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    work = Path(tempfile.mkdtemp(prefix="credence-bench-"))
    path = write_ndjson(work / "records.ndjson", n)
    db = work / "credence.db"
    env = {**os.environ, "CREDENCE_DATABASE_URL": f"sqlite:///{db}"}
    credence = Path(sys.executable).with_name("credence")
    subprocess.run([str(credence), "db", "upgrade"], env=env, check=True, capture_output=True)

    # The ingest runs first, while this process is still small: a child's ru_maxrss can include the
    # parent's pages at fork time, so measuring after the baseline (which holds every row) would overstate it.
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(credence), "ingest", str(path), "--department", "SAMR", "--json", "--no-rate"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        cwd=work,
    )
    # The ingest is two processes for a large file (the writer and its checking child): sample the
    # resident memory of the whole tree, so the peak is their sum, not the larger of the two.
    tree_peak_kib = 0
    while proc.poll() is None:
        tree_peak_kib = max(tree_peak_kib, _tree_rss_kib(proc.pid))
        time.sleep(0.05)
    stdout = proc.stdout.read() if proc.stdout else ""
    ingest_s = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads(stdout)
    assert summary["new"] == n, summary
    pg_s = postgres_ingest(path, n, work)
    floor = stored_rows_executemany(db, work, env)
    parse_s, insert_s = bare_executemany(db, path)
    floor_s = sum(floor.values())
    unlogged_s = sum(stored_rows_executemany(db, work, env, STORED[:2]).values())
    screening_s, fold_s = screening_cost(path)

    baseline_rate = n / insert_s
    baseline_with_parse_rate = n / (parse_s + insert_s)
    ingest_rate = n / ingest_s
    result = {
        "rows": n,
        "file_mib": round(path.stat().st_size / 2**20, 1),
        "baseline_executemany_s": round(insert_s, 2),
        "baseline_parse_s": round(parse_s, 2),
        "ingest_s": round(ingest_s, 2),
        "ingest_rows_per_s": round(ingest_rate),
        "ratio_to_executemany": round(ingest_rate / baseline_rate, 3),
        "ratio_to_parse_plus_executemany": round(ingest_rate / baseline_with_parse_rate, 3),
        "stored_rows_executemany_s": round(floor_s, 2),
        "stored_rows_by_table_s": {table: round(v, 2) for table, v in floor.items()},
        "floor_ratio_to_executemany": round(insert_s / floor_s, 3),  # the best any such ingest can reach
        "ratio_to_stored_rows_executemany": round(floor_s / ingest_s, 3),
        "floor_without_the_log_ratio_to_executemany": round(insert_s / unlogged_s, 3),
        "ingest_peak_rss_mib": round(max(peak_kib, tree_peak_kib) / 1024, 1),  # both processes together
        "largest_single_process_peak_rss_mib": round(peak_kib / 1024, 1),
        # Screening each row's summary and legal basis (prohibited grounds, denied laws, people's data),
        # measured in this process on the same rows; the ingest does it in its checking process.
        "screening_s": round(screening_s, 2),
        "screening_s_per_million_rows": round(screening_s * 1_000_000 / n, 2),
        "screening_ratio_to_folding_the_texts": round(screening_s / fold_s, 2),
        "screening_share_of_ingest": round(screening_s / ingest_s, 3),
    }
    if pg_s is not None:
        result["postgres_ingest_s"] = round(pg_s, 2)
        result["postgres_ingest_rows_per_s"] = round(n / pg_s)
        result["postgres_ratio_to_sqlite"] = round(ingest_s / pg_s, 3)  # rows/s PostgreSQL over SQLite
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
