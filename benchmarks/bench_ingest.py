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


def postgres_ingest(path: Path, n: int, work: Path) -> float | None:
    """Seconds to ingest the file into a fresh PostgreSQL database (created here, dropped after), or None
    when no server answers."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    url = os.environ.get("CREDENCE_BENCH_POSTGRES_URL", PG_DEFAULT)
    if url == "none":
        return None
    name = make_url(url).database
    assert name and name != "test", "the benchmark creates and drops its database: not `test`"
    admin = make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL leg skipped: {exc}", file=sys.stderr)
        return None
    env = {**os.environ, "CREDENCE_DATABASE_URL": url}
    credence = Path(sys.executable).with_name("credence")
    try:
        subprocess.run([str(credence), "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        out = subprocess.run(
            [str(credence), "ingest", str(path), "--department", "SAMR", "--json", "--no-rate"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=work,
        )
        seconds = time.perf_counter() - started
        assert json.loads(out.stdout)["new"] == n, out.stdout
        return seconds
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def main() -> None:
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
