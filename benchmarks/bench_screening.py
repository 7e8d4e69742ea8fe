"""Screening-by-name benchmark (issue 14): bidders per second screened by name through the API, against
bare lookups in the same run.

A demo registry (`credence demo`) is built in a temporary SQLite store, and its organisations' names give a
file of bidders without codes: most are a registry organisation's name written another way (upper case,
"Co., Ltd." as "Company Limited", the Chinese name alone, the English and the Chinese together), some are
names the registry does not hold. The app runs in this process behind Starlette's TestClient (no network),
with the cost limits on bulk checks lifted, and is measured on:

- names: POST /api/v1/checks with the bidders (name and country, no subject_id), in files of `--file-rows`;
- codes: POST /api/v1/checks with as many bidders given by their USCC, the same file sizes (a code check
  per bidder: the bare lookup of a bidders file);
- match: POST /api/v1/match, one bidder per request, for `--matches` bidders;
- health: GET /api/v1/health, as many requests (the bare endpoint: the cost of a request itself).

Figures: bidders per second by name and by code, and their ratio; match requests per second and their
ratio to health requests. The first names file also builds the in-memory index (timed apart).

    python benchmarks/bench_screening.py [--orgs N] [--records N] [--bidders N] [--file-rows N] [--matches N]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CREDENCE = str(Path(sys.executable).with_name("credence"))


def build(work: Path, orgs: int, records: int) -> str:
    url = f"sqlite:///{work / 'credence.db'}"
    env = {**os.environ, "CREDENCE_DATABASE_URL": url}
    subprocess.run(
        [CREDENCE, "demo", "--organisations", str(orgs), "--records", str(records)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return url


def organisations(url: str) -> list[tuple[str, str, str | None]]:
    from sqlalchemy import select

    from credence.store.db import make_engine
    from credence.store.models import Organisation

    engine = make_engine(url)
    o = Organisation.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            select(o.code, o.name, o.alt_name)
            .where(o.never_public.is_(False), o.code.is_not(None))
            .order_by(o.id)
        ).all()
    engine.dispose()
    return [(r.code, r.name, r.alt_name) for r in rows]


def variant(rng: random.Random, name: str, alt: str | None) -> str:
    """A registry organisation's name as a bidder might write it."""
    english = alt or name
    choice = rng.randrange(5)
    if choice == 0:
        return english.upper()
    if choice == 1:
        return english.replace("Co., Ltd.", "Company Limited").replace("Co. Ltd.", "Company Limited")
    if choice == 2:
        return name
    if choice == 3 and alt:
        return f"{alt} ({name})"
    return english.replace(",", "").replace(".", "")


def bidders(orgs: list[tuple[str, str, str | None]], n: int, seed: int = 14) -> list[tuple[str, str]]:
    """(name, country) of n bidders: four in five a registry organisation's name written another way."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if rng.random() < 0.8:
            _, name, alt = rng.choice(orgs)
            out.append((variant(rng, name, alt), rng.choice(("CN", "cn"))))
        else:
            out.append((f"Nowhere Example {i} Trading Co., Ltd.", "CN"))
    return out


def csv_of(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def measure(orgs: int, records: int, n: int, file_rows: int, matches: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from credence.server import create_app
    from credence.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="credence-bench-screening-"))
    started = time.perf_counter()
    url = build(work, orgs, records)
    registry = organisations(url)
    build_seconds = time.perf_counter() - started
    named = bidders(registry, n)
    rng = random.Random(7)
    codes = [rng.choice(registry)[0] for _ in range(n)]
    settings = Settings(
        database_url=url,
        demo_mode=True,
        rate_limit="1000000/second",  # the benchmark measures the work, not the limits
        check_rows_per_request=max(file_rows, 1),
        check_rows_rate="100000000/minute",
        check_token_rows_rate="100000000/minute",
        max_request_bytes=50_000_000,
    )
    files_by_name = [
        csv_of(
            ["subject_id", "name", "country"],
            [["", name, country] for name, country in named[i : i + file_rows]],
        )
        for i in range(0, n, file_rows)
    ]
    files_by_code = [
        csv_of(["subject_id"], [[c] for c in codes[i : i + file_rows]]) for i in range(0, n, file_rows)
    ]
    results: dict[str, Any] = {}
    with TestClient(create_app(settings), client=("127.0.0.1", 50000)) as client:

        def post(body: bytes) -> str:
            response = client.post(
                "/api/v1/checks",
                params={"domain": "public_procurement"},
                content=body,
                headers={"content-type": "text/csv"},
            )
            assert response.status_code == 200, response.text[:500]
            return response.text

        # The first query reads the registry's subjects into the in-memory index.
        t = time.perf_counter()
        first = client.post("/api/v1/match", json={"names": [named[0][0]], "country": named[0][1]})
        assert first.status_code == 200, first.text
        results["index_build_s"] = round(time.perf_counter() - t, 3)

        t = time.perf_counter()
        answers = [row for body in files_by_name for row in csv.DictReader(io.StringIO(post(body)))]
        by_name_s = time.perf_counter() - t
        assert len(answers) == n
        outcomes: dict[str, int] = {}
        for row in answers:
            outcomes[row["result"] or "refused"] = outcomes.get(row["result"] or "refused", 0) + 1

        t = time.perf_counter()
        coded = sum(len(post(body).splitlines()) - 1 for body in files_by_code)
        by_code_s = time.perf_counter() - t
        assert coded == n

        t = time.perf_counter()
        found = 0
        for name, country in named[:matches]:
            response = client.post("/api/v1/match", json={"names": [name], "country": country})
            assert response.status_code in (200, 422), response.text
            found += bool(response.status_code == 200 and response.json()["results"])
        match_s = time.perf_counter() - t

        t = time.perf_counter()
        for _ in range(matches):
            assert client.get("/api/v1/health").status_code == 200
        health_s = time.perf_counter() - t

    results.update(
        organisations=len(registry),
        records=records,
        build_seconds=round(build_seconds, 1),
        bidders=n,
        file_rows=file_rows,
        outcomes=dict(sorted(outcomes.items())),
        by_name_per_s=round(n / by_name_s, 1),
        by_code_per_s=round(n / by_code_s, 1),
        name_to_code_ratio=round(by_code_s and (n / by_name_s) / (n / by_code_s), 4),
        matches=matches,
        matches_with_a_candidate=found,
        match_per_s=round(matches / match_s, 1),
        health_per_s=round(matches / health_s, 1),
        match_to_health_ratio=round((matches / match_s) / (matches / health_s), 4),
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--bidders", type=int, default=10_000)
    parser.add_argument("--file-rows", type=int, default=10_000, help="bidders per file posted")
    parser.add_argument("--matches", type=int, default=500, help="single-name match requests")
    args = parser.parse_args()
    result = measure(args.orgs, args.records, args.bidders, args.file_rows, args.matches)
    print(
        f"screening: {result['by_name_per_s']} bidders/s by name, {result['by_code_per_s']} by code "
        f"(ratio {result['name_to_code_ratio']}); match API {result['match_per_s']} requests/s, health "
        f"{result['health_per_s']} (ratio {result['match_to_health_ratio']})"
    )
    print(json.dumps(result, ensure_ascii=False))  # last: the summary a test reads


if __name__ == "__main__":
    main()
