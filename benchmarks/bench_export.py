"""Export benchmark (issue 15, the registry's data out): `credence export` of the demo registry (ORGS
organisations, RECORDS records and their list entries), seconds and bytes per format, and the seconds to
read what is published (the snapshot every format is written from); the baseline is every row of the
records table, unfiltered, written as CSV by the csv module, in the same run.

    python benchmarks/bench_export.py [--orgs N] [--records N] [--store PATH]

--store reuses a demo store already built (a SQLite file); otherwise one is built in a temporary folder
with `credence demo`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine


def build(work: Path, orgs: int, records: int) -> str:
    url = f"sqlite:///{work / 'credence.db'}"
    env = {**os.environ, "CREDENCE_DATABASE_URL": url}
    credence = str(Path(sys.executable).with_name("credence"))
    subprocess.run([credence, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [credence, "demo", "--organisations", str(orgs), "--records", str(records)],
        env=env,
        check=True,
        capture_output=True,
    )
    return url


def measure(url: str, out: Path) -> dict[str, object]:
    from credence.catalog import load_catalog
    from credence.clock import SystemClock
    from credence.exports.service import ExportService
    from credence.measures.catalog import load_measures
    from credence.settings import Settings
    from credence.store.db import make_engine

    settings = Settings(database_url=url, exports_dir=out)
    catalog = load_catalog()
    engine = make_engine(url)
    service = ExportService(engine, catalog, load_measures(catalog), SystemClock(), settings)
    started = time.perf_counter()
    shown = service.snapshot()
    snapshot_s = time.perf_counter() - started
    started = time.perf_counter()
    written = service.export()
    total_s = time.perf_counter() - started
    baseline_s, baseline_bytes = baseline(engine, out / "baseline.csv")
    engine.dispose()
    return {
        "baseline_csv_s": round(baseline_s, 2),
        "baseline_csv_bytes": baseline_bytes,
        "csv_ratio": round(next(w.seconds for w in written if w.file.format.value == "csv") / baseline_s, 2),
        "subjects": len(shown.subjects),
        "records": len(shown.records),
        "list_entries": len(shown.entries),
        "grades": len(shown.grades),
        "snapshot_s": round(snapshot_s, 2),
        "export_all_s": round(total_s, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "formats": {
            w.file.format.value: {"file": w.file.name, "seconds": round(w.seconds, 2), "bytes": w.file.bytes}
            for w in written
        },
    }


def baseline(engine: Engine, path: Path) -> tuple[float, int]:
    """The floor: every row of the records table, unfiltered, written as CSV by the csv module."""
    import csv

    from sqlalchemy import text

    started = time.perf_counter()
    with engine.connect() as conn, path.open("w", encoding="utf-8", newline="") as out:
        result = conn.execute(text("SELECT * FROM records ORDER BY id"))
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.keys())
        writer.writerows(result)
    return time.perf_counter() - started, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=12_000)
    parser.add_argument("--records", type=int, default=120_000)
    parser.add_argument("--store", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{args.store.resolve()}" if args.store else build(work, args.orgs, args.records)
        result = measure(url, work / "exports")
    if not args.store:
        result["orgs"], result["records_submitted"] = args.orgs, args.records
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
