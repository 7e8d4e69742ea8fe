"""The third engine: the compiled policy's SQL (credence.rating.batch.rating_sql) on Spark SQL, over a
snapshot's Parquet (credence.snapshots), the results written as Parquet. Only the driver runs Python: the
executors run the query, so a cluster needs nothing of Credence but the files.

On a cluster (docs/spark.md):

    spark-submit --master URL "$(python -c 'import credence.rating.spark as m; print(m.__file__)')" \\
        --snapshot DIR --out DIR [--as-of YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
import threading
from collections.abc import Sequence
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from credence.i18n import _
from credence.rating import partitioned
from credence.rating.batch import rating_sql
from credence.rating.engine import PolicyTables
from credence.rating.service import RateResult, RatingService
from credence.records import repository as records_repo
from credence.snapshots import SnapshotError, read_manifest, take_snapshot

RESULT = "_result.json"  # beside the results' Parquet parts (readers skip names with _): what made them
RESULTS = "results"  # the folder in a snapshot's folder that `credence rate --engine spark` rates into


# A file's head: the organisation a record is rated under (a subject joined to another's file is rated
# in it), and only noticed records: nothing weighs on a grade before notice. The same text runs on DuckDB.
def session(master: str = "local[2]", app_name: str = "credence-rating") -> Any:
    """A SparkSession at `master`, quiet (warnings and errors only, no progress bars). Locally, Spark
    binds to 127.0.0.1 (SPARK_LOCAL_IP) rather than to whatever address the host name resolves to."""
    from pyspark.sql import SparkSession

    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    log4j = resources.files("credence.rating") / "spark-log4j2.properties"
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
    )
    if master.startswith("local"):  # a few cores: the default 200 shuffle partitions are mostly empty
        builder = builder.config("spark.sql.shuffle.partitions", "8")
    ctrl_c = signal.getsignal(signal.SIGINT)
    spark = builder.getOrCreate()
    # pyspark's context replaces the SIGINT handler with one that cancels its jobs; the process's own is
    # put back (Ctrl-C still raises KeyboardInterrupt, and the ingest holds it while a chunk commits).
    if threading.current_thread() is threading.main_thread():  # where alone a handler can be set
        signal.signal(signal.SIGINT, ctrl_c)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def rate_frames(spark: Any, tables: PolicyTables, records: Any, organisations: Any, as_of: date) -> Any:
    """The ratings (rating_sql's columns) as a Spark DataFrame, from DataFrames of the facts
    (organisation_id, record_id, category, severity, status, decided_on, state) and of the organisations
    to rate (organisation_id)."""
    records.createOrReplaceTempView("credence_facts")
    organisations.createOrReplaceTempView("credence_heads")
    return spark.sql(rating_sql(tables, as_of, "credence_facts", "credence_heads", dialect="spark"))


def snapshot_frames(spark: Any, snapshot: Path) -> tuple[Any, Any]:
    """The facts rated (FACTS_SQL) and the organisations rated (HEADS_SQL) of a snapshot's files."""
    for name in ("records", "organisations"):
        path = str((snapshot / f"{name}.parquet").absolute())
        spark.read.parquet(path).createOrReplaceTempView(f"snap_{name}")
    names = {"records": "snap_records", "organisations": "snap_organisations"}
    return spark.sql(partitioned.FACTS_SQL.format(**names)), spark.sql(partitioned.HEADS_SQL.format(**names))


def rate_snapshot(
    spark: Any, tables: PolicyTables, snapshot: Path, out: Path, as_of: date, made: dict[str, Any]
) -> None:
    """Rate every organisation of the snapshot in `snapshot` and write the ratings as Parquet into `out`
    (replaced), with what they were made from (`made`: the policy's version and SHA-256) in _result.json.
    Both folders are on storage every Spark worker reads."""
    rate_frames(spark, tables, *snapshot_frames(spark, snapshot), as_of).write.mode("overwrite").parquet(
        str(out.absolute())
    )
    manifest = read_manifest(snapshot, check=False)
    made = {**made, "as_of": as_of.isoformat(), "log_size": manifest.log_size, "taken_at": manifest.taken_at}
    (out / RESULT).write_text(json.dumps(made) + "\n")


def rate_on_spark(
    rating: RatingService, master: str, snapshot: Path | None, as_of: date | None = None
) -> RateResult:
    """`credence rate --engine spark`: rate the snapshot in `snapshot` (checked against its manifest) on
    Spark at `master`, or, without one, a snapshot of the store taken now into a temporary folder (which
    only a local master reads), and store the ratings. The results go into the snapshot's folder."""
    as_of = as_of or rating.today()
    made = {"policy_version": rating.policy.version, "policy_sha256": rating.policy.sha256}
    with tempfile.TemporaryDirectory(prefix="credence-spark-") as work:
        batches: Sequence[int] = ()
        if snapshot is None:
            if not master.startswith("local"):
                raise SnapshotError(_("a Spark cluster reads a snapshot on shared storage: give --snapshot"))
            with rating.engine.connect() as conn:  # read before the snapshot: a batch ending meanwhile waits
                batches = records_repo.unrated_batches(conn)
            snapshot = Path(work) / "snapshot"
            policy = rating.policy
            take_snapshot(
                rating.engine,
                snapshot,
                policy_version=policy.version,
                policy_sha256=policy.sha256,
                now=rating.clock.now(),
            )
        else:
            read_manifest(snapshot)
        rate_snapshot(session(master), rating.tables, snapshot, snapshot / RESULTS, as_of, made)
        return load_results(rating, snapshot / RESULTS, batches)


def load_results(rating: RatingService, folder: Path, batches: Sequence[int] = ()) -> RateResult:
    """Store the ratings a Spark job wrote into `folder` (refused if made under another policy), and log
    every change of grade."""
    made = json.loads((folder / RESULT).read_text(encoding="utf-8"))
    if made["policy_sha256"] != rating.policy.sha256:
        raise SnapshotError(
            _(
                "%(folder)s was rated under another policy (%(version)s)",
                folder=folder,
                version=made["policy_version"],
            )
        )
    as_of = date.fromisoformat(made["as_of"])
    cause = f"re-rated on Spark as of {as_of.isoformat()} under policy {rating.policy.version}"
    rated = partitioned.stored(str(folder / "*.parquet"), partitioned.Limits.of(rating.settings))
    # When the snapshot was taken: its facts were read then. Results written before their snapshot's time
    # was kept count as read when they are stored, as every rating did before.
    taken = made.get("taken_at")
    read_at = datetime.fromisoformat(taken) if taken else rating.clock.now()
    cause = f"{cause}, from a snapshot at log size {made['log_size']}"
    return rating.store(rated, as_of, cause, batches, read_at=read_at)


def main(argv: list[str] | None = None) -> None:
    """spark-submit's entry: the policy in force (CREDENCE_* settings, as `credence rate` reads them)."""
    from credence.catalog import load_catalog, screen_from
    from credence.clock import SystemClock, today
    from credence.rating import load_policy
    from credence.rating.engine import compile_policy
    from credence.settings import Settings

    parser = argparse.ArgumentParser(description="Rate a Credence snapshot on Spark.")
    parser.add_argument("--snapshot", required=True, type=Path, help="the snapshot's folder (shared storage)")
    parser.add_argument("--out", required=True, type=Path, help="the folder the ratings go to (Parquet)")
    parser.add_argument("--as-of", type=date.fromisoformat, help="the day rated (default: today)")
    parser.add_argument("--master", help="Spark's master (default: as spark-submit sets it)")
    args = parser.parse_args(argv)
    settings = Settings()
    catalog = load_catalog(settings.catalog_path, screen_from(settings))
    policy = load_policy(catalog, settings.rating_policy, settings.rating_policy_path)
    as_of = args.as_of or today(SystemClock(), settings.timezone)
    spark = session(args.master) if args.master else _submitted()
    made = {"policy_version": policy.version, "policy_sha256": policy.sha256}
    rate_snapshot(spark, compile_policy(policy, catalog), args.snapshot, args.out, as_of, made)


def _submitted() -> Any:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("credence-rating").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


if __name__ == "__main__":
    main()
