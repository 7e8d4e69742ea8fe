"""The linkage model measured: accuracy on labelled real organisations, the debarment lists' overlap, speed.

    .venv/bin/python benchmarks/bench_linkage.py            # chicago, debarment, speed 100k
    .venv/bin/python benchmarks/bench_linkage.py chicago    # or debarment, speed, train, sample
    .venv/bin/python benchmarks/bench_linkage.py speed 300000 2   # records, rounds (3 unless given)

`train` writes src/credence/subjects/model.json from generated records (never from real data). The real
data is read from ../shared/data beside the repository and never copied.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import bench_postgres
from credence.subjects.model import Candidate, Model, Pair, clusters, identifier_pairs, table
from credence.subjects.train import train, write
from linkage_data import records

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CHICAGO = SHARED / "linkage" / "chicago_early_childhood_with_true_ids.csv"
DEBARMENT = {
    "world_bank": SHARED / "debarment" / "world_bank_listing_of_ineligible_firms_and_individuals.xlsx",
    "idb": SHARED / "debarment" / "Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx",
    "ebrd": SHARED / "debarment" / "european_bank_for_reconstruction_and_development_ineligible_firms.csv",
}
THRESHOLDS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999]
FLOOR = 0.01


def chicago_subjects() -> tuple[list[Candidate], dict[int, str]]:
    """The labelled Chicago records as candidates (site name, address, ZIP, telephone; all in the US)."""
    with CHICAGO.open(encoding="latin-1", newline="") as f:
        rows = list(csv.DictReader(f))
    subjects = []
    truth = {}
    for i, row in enumerate(rows, start=1):
        subjects.append(
            Candidate(
                i,
                (row["Site name"],),
                "US",
                row["Address"] or None,
                postcode=row["Zip"] or None,
                phone=row["Phone"] or None,
            )
        )
        truth[i] = row["True Id"]
    return subjects, truth


def _pairs_of(groups: Iterable[Iterable[int]]) -> set[tuple[int, int]]:
    return {(a, b) for g in groups for a, b in itertools.combinations(sorted(g), 2)}


def _prf(found: set[tuple[int, int]], true: set[tuple[int, int]]) -> tuple[float, float, float]:
    hits = len(found & true)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def curve(
    ids: Sequence[int], pairs: Sequence[Pair], truth: dict[int, str]
) -> list[tuple[float, tuple[float, float, float], tuple[float, float, float]]]:
    """(threshold, pair P/R/F1, cluster P/R/F1) for each threshold."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, t in truth.items():
        groups[t].append(i)
    true = _pairs_of(groups.values())
    out = []
    for threshold in THRESHOLDS:
        found = {(p.left, p.right) for p in pairs if p.probability >= threshold}
        clustered = _pairs_of(clusters(ids, pairs, threshold))
        out.append((threshold, _prf(found, true), _prf(clustered, true)))
    return out


def choose(
    rows: list[tuple[float, tuple[float, float, float], tuple[float, float, float]]],
) -> tuple[float, float]:
    """auto: the lowest threshold whose cluster F1 is within 0.005 of the best; review: the lowest with pair
    precision of 0.85 or more (of what the queue shows a clerk, at least six pairs in seven are one)."""
    best = max(r[2][2] for r in rows)
    auto = min(r[0] for r in rows if r[2][2] >= best - 0.005)
    review = min((r[0] for r in rows if r[1][0] >= 0.85 and r[0] <= auto), default=auto)
    return auto, review


def bench_chicago(calibrated: bool = False) -> dict[str, object]:
    subjects, truth = chicago_subjects()
    model = Model.load()
    if calibrated:  # u and the prior estimated again on these records, without their labels
        model = model.calibrated(subjects)
        prior = model.settings["probability_two_random_records_match"]
        print(f"the shipped model calibrated on the Chicago records, no labels (prior {prior:.3e}):")
    start = time.perf_counter()
    pairs = model.pairs(subjects, FLOOR)
    seconds = time.perf_counter() - start
    rows = curve([s.id for s in subjects], pairs, truth)
    auto, review = choose(rows)
    print(f"Chicago: {len(subjects)} records, {len(set(truth.values()))} organisations, {seconds:.1f} s")
    print("| threshold | pair precision | pair recall | pair F1 ", end="")
    print("| cluster precision | cluster recall | cluster F1 |")
    print("|---|---|---|---|---|---|---|")
    for threshold, (pp, pr, pf), (cp, cr, cf) in rows:
        print(f"| {threshold} | {pp:.3f} | {pr:.3f} | {pf:.3f} | {cp:.3f} | {cr:.3f} | {cf:.3f} |")
    print(f"chosen: auto {auto}, review {review}")
    return {"auto": auto, "review": review}


def debarment_subjects() -> tuple[list[Candidate], dict[int, tuple[str, str]]]:
    """One candidate per organisation row of each list, as ingest keys it (name and country), with the
    reference (source, source_record_id) of its first row."""
    from credence.identity import SubjectError, resolve_subject
    from credence.sources.mapping import load_dataset
    from credence.sources.readers import read_source

    subjects: list[Candidate] = []
    refs: dict[int, tuple[str, str]] = {}
    for source, path in DEBARMENT.items():
        seen: set[tuple[str, str | None]] = set()
        for _line, row in read_source(path, load_dataset(source)):
            if row.get("subject_type") != "organisation":
                continue
            name = str(row.get("subject_name") or "")
            country = row.get("subject_country")
            key = (" ".join(unicodedata.normalize("NFKC", name).casefold().split()), country)
            if key in seen:
                continue
            seen.add(key)
            uscc = lei = None
            if row.get("subject_id"):
                try:
                    found = resolve_subject(str(row["subject_id"]))
                    uscc, lei = (found.code, None) if found.scheme == "uscc" else (None, found.code)
                except SubjectError:
                    pass
            names = tuple(str(n) for n in (name, row.get("subject_alt_name")) if n)
            subject = Candidate(
                len(subjects) + 1, names, str(country) if country else None, uscc=uscc, lei=lei
            )
            subjects.append(subject)
            refs[subject.id] = (source, str(row["source_record_id"]))
    return subjects, refs


def _cross_list(groups: Iterable[Iterable[int]], refs: dict[int, tuple[str, str]]) -> tuple[int, int]:
    """(groups with subjects from more than one list, subjects in such groups)."""
    crossing = [list(g) for g in groups if len({refs[i][0] for i in g}) > 1]
    return len(crossing), sum(len(g) for g in crossing)


def bench_debarment(auto: float, review: float) -> None:
    subjects, refs = debarment_subjects()
    ids = [s.id for s in subjects]
    exact: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for s in subjects:
        exact[(" ".join(unicodedata.normalize("NFKC", s.names[0]).casefold().split()), s.country)].append(
            s.id
        )
    model = Model.load()
    start = time.perf_counter()
    pairs = identifier_pairs(subjects) + model.pairs(subjects, review)
    seconds = time.perf_counter() - start
    print(f"debarment: {len(subjects)} organisation subjects from three lists, resolved in {seconds:.1f} s")
    groups, members = _cross_list(exact.values(), refs)
    print(
        f"on more than one list, today's exact name and country: {groups} organisations ({members} subjects)"
    )
    for threshold in sorted({auto, 0.9, review}, reverse=True):
        groups, members = _cross_list(clusters(ids, pairs, threshold), refs)
        print(f"on more than one list, model at {threshold}: {groups} clusters ({members} subjects)")
    uscc_ids = {s.id for s in subjects if s.uscc}
    for threshold in sorted({auto, review}, reverse=True):
        joined = {i for c in clusters(ids, pairs, threshold) if len(c) > 1 for i in c}
        print(f"subjects with a USCC: {len(uscc_ids)}, joined at {threshold}: {len(uscc_ids & joined)}")


def sample(review: float, n: int = 120, seed: int = 14) -> None:
    """Print a random sample of cross-list model pairs at or above `review`, to label by hand."""
    subjects, refs = debarment_subjects()
    by_id = {s.id: s for s in subjects}
    pairs = [p for p in Model.load().pairs(subjects, review) if refs[p.left][0] != refs[p.right][0]]
    rng = random.Random(seed)
    for p in sorted(rng.sample(pairs, min(n, len(pairs))), key=lambda p: (p.left, p.right)):
        a, b = by_id[p.left], by_id[p.right]
        print(
            f"{refs[p.left][0]},{refs[p.left][1]},{refs[p.right][0]},{refs[p.right][1]},{p.probability:.4f}"
            f"\t{a.names} {a.country} || {b.names} {b.country}"
        )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def store_with_forms(n: int, url: str) -> None:
    """A store holding the n generated subjects as organisations, with their forms kept as linkage keeps
    them (the ingest that stored them linked them): the database at `url`, emptied first. Made in a process
    of its own, so that its work counts in no measured process's time or memory."""
    from credence.store import migrate
    from credence.store.db import bulk_insert, make_engine
    from credence.store.models import Organisation
    from credence.subjects.prepared import prepared

    subjects = [c for c, _ in records(n, seed=2026, postcodes=1000)]
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    columns = ("id", "key", "scheme", "name", "country", "never_public", "created_at")
    rows = [
        (s.id, f"unresolved:{s.id:024x}", "unresolved", s.names[0], s.country, False, now) for s in subjects
    ]
    with engine.begin() as conn:
        bulk_insert(conn, Organisation.__table__, columns, rows)  # type: ignore[arg-type]
        prepared(conn, subjects)
    if engine.dialect.name == "postgresql":
        # done now rather than by autovacuum in the middle of a measured run
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def speed_one(kind: str, n: int, url: str | None = None) -> None:
    """One measurement in this process, printed as JSON: 'splink' (the prepared table to Splink's
    predictions, the same settings), 'model' (Candidates to Pairs: names prepared, then Splink), or
    'stored' and 'stored-postgres' (Candidates to Pairs with their forms read from a store, kept there by
    the linkage of the ingest that stored them: as `credence link` and each ingest's linkage run)."""
    from splink import Linker
    from splink.internals.duckdb.database_api import DuckDBAPI

    from credence.store.db import make_engine
    from credence.subjects.prepared import prepared

    subjects = [c for c, _ in records(n, seed=2026, postcodes=1000)]
    model = Model.load()
    preparing = predicting = 0.0
    if kind == "model":
        start = time.perf_counter()
        found = len(model.pairs(subjects, 0.5))
    elif kind.startswith("stored"):
        assert url is not None, "a stored run reads the store bench_speed made"
        engine = make_engine(url)
        start = time.perf_counter()
        with engine.connect() as conn:
            inputs = prepared(conn, subjects, keep=False)
        preparing = time.perf_counter() - start  # here: reading the kept forms
        found = len(model.pairs(inputs, 0.5))
    else:
        start = time.perf_counter()
        prepared_table = table(
            subjects
        )  # names in their forms: plain Splink is handed them, and they are timed
        preparing = time.perf_counter() - start
        start = time.perf_counter()
        db_api = DuckDBAPI()
        linker = Linker(db_api.register(prepared_table), model.splink_settings())
        predictions = linker.inference.predict(threshold_match_probability=0.5, warning_mode="never")
        predicting = time.perf_counter() - start
        found = len(predictions.as_duckdbpyrelation().fetchall())
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "kind": kind,
                "n": n,
                "seconds": seconds,
                "preparing": preparing,
                "predicting": predicting,  # plain Splink's predict, before its rows are read
                "pairs": found,
                "peak_mb": _peak_mb(),
            }
        )
    )


def bench_speed(n: int, rounds: int = 3) -> dict[str, object]:
    """Plain Splink and Model.pairs (from Candidates, and from forms kept in a store), each in a process
    of its own, taken in turns `rounds` times: the machines are shared, so each is timed at its best of
    the rounds (as timeit does), the ratio of the two bests. The store is SQLite, and also PostgreSQL when
    CREDENCE_BENCH_POSTGRES_URL names a database, created and dropped here (benchmarks/bench_postgres.py)."""
    postgres = bench_postgres.url(None)
    if postgres is None:
        return _bench_speed(n, rounds, None)
    with bench_postgres.fresh(postgres) as url:
        return _bench_speed(n, rounds, url)


def _bench_speed(n: int, rounds: int, postgres: str | None) -> dict[str, object]:
    kinds = ["splink", "model", "stored"]
    if postgres:
        kinds.append("stored-postgres")
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    urls = {"stored": f"sqlite:///{tempfile.mkdtemp(prefix='bench-linkage-')}/store.db"}
    if postgres:
        urls["stored-postgres"] = postgres
    for url in urls.values():
        subprocess.run([sys.executable, __file__, "speed-store", str(n), url], check=True)
    for _ in range(rounds):
        for kind in kinds:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "speed-one",
                    kind,
                    str(n),
                    *([urls[kind]] if kind in urls else []),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"  {kind}: {runs[kind][-1]['seconds']:.1f} s (load {os.getloadavg()[0]:.1f})")
    best = {kind: min(r["seconds"] for r in runs[kind]) for kind in kinds}
    peak = {kind: max(r["peak_mb"] for r in runs[kind]) for kind in kinds}
    pairs = {kind: runs[kind][0]["pairs"] for kind in kinds}
    assert len(set(pairs.values())) == 1, pairs  # every way finds the same pairs
    s, m = best["splink"], best["model"]
    preparing = min(r["preparing"] for r in runs["splink"])
    wrapper = m - preparing
    print(
        f"speed, {n:,} generated records, best of {rounds}: plain Splink {s:.1f} s "
        f"({pairs['splink']:,} pairs, peak {peak['splink']:.0f} MB); "
        f"Model.pairs {m:.1f} s (peak {peak['model']:.0f} MB), of which about "
        f"{preparing:.1f} s preparing names and addresses; ratio {s / m:.2f} of Splink's speed, "
        f"{s / wrapper:.2f} without the preparation plain Splink was given"
    )
    predicting = min(r["predicting"] for r in runs["splink"])
    print(
        f"  plain Splink's predict alone {predicting:.1f} s (reading its rows into Python the rest): ratio "
        f"{predicting / wrapper:.2f} of Splink's speed without the preparation, counting its predict alone"
    )
    summary: dict[str, object] = {
        "records": n,
        "pairs": pairs["splink"],
        "splink_s": s,
        "model_s": m,
        "preparing_s": preparing,
        "ratio": s / m,
        "peak_mb": peak,
    }
    for kind in kinds[2:]:
        reading = min(r["preparing"] for r in runs[kind])
        print(
            f"  from forms kept in the store ({kind}): {best[kind]:.1f} s "
            f"(of which {reading:.2f} s reading them, peak {peak[kind]:.0f} MB): "
            f"ratio {s / best[kind]:.2f} of Splink's speed"
        )
        summary[f"{kind.replace('-', '_')}_s"] = best[kind]
        summary[f"{kind.replace('-', '_')}_ratio"] = s / best[kind]
    print(json.dumps(summary))
    return summary


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "all"
    if command == "train":
        model = train(list(records(20000)))
        write(model, ROOT / "src" / "credence" / "subjects" / "model.json")
    elif command == "chicago":
        bench_chicago()
        bench_chicago(calibrated=True)
    elif command == "debarment":
        chosen = bench_chicago()
        bench_debarment(float(chosen["auto"]), float(chosen["review"]))  # type: ignore[arg-type]
    elif command == "sample":
        sample(float(argv[1]))
    elif command == "speed":
        bench_speed(int(argv[1]) if len(argv) > 1 else 100_000, int(argv[2]) if len(argv) > 2 else 3)
    elif command == "speed-one":
        speed_one(argv[1], int(argv[2]), argv[3] if len(argv) > 3 else None)
    elif command == "speed-store":
        store_with_forms(int(argv[1]), argv[2])
    else:
        chosen = bench_chicago()
        bench_chicago(calibrated=True)
        bench_debarment(float(chosen["auto"]), float(chosen["review"]))  # type: ignore[arg-type]
        bench_speed(100_000)


if __name__ == "__main__":
    main(sys.argv[1:])
