"""Search on the demo's 12,000 organisations (issue 16): the newcomer's queries find their firms in the
first 10 results, in Latin with a typo, in pinyin without tones and in Chinese with a homophone, fast.

The organisations are those `credence demo` makes (the same names and codes from the same seed), stored as
an ingest stores its subjects, with their search terms (credence.subjects.search); the demo's records, due
process and ratings change nothing in how a name is found, and would take a minute and a half to build."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from credence.demo.generate import organisations
from credence.identity import resolve_subject
from credence.records import repository as repo
from credence.records.validation import Subject
from credence.server import create_app
from credence.subjects import search

QUERIES = ("Hangzou Wanxiang", "Hangzou", "hangzhou wanxiang", "杭州万向", "hangzhouwanxiang", "Wanxiang")


@pytest.fixture
def demo_client(api_settings, clock, engine) -> Iterator[TestClient]:
    subjects = []
    for o in organisations(12_000, seed=2026):  # credence demo's defaults
        s = resolve_subject(o.code)
        assert s.kind is not None
        subjects.append(
            Subject(
                s.key, s.scheme, s.code, o.name, o.alt_name, s.kind.value, "CN", o.code[2:8], s.never_public
            )
        )
    with engine.begin() as conn:
        for start in range(0, len(subjects), 2000):
            added = repo.ensure_organisations(conn, subjects[start : start + 2000], clock.now())
            search.index_subjects(conn, added.values())
    with TestClient(create_app(api_settings, clock), client=("127.0.0.1", 50000)) as c:
        yield c


def top(client: TestClient, q: str, n: int = 10) -> list[dict[str, str]]:
    answer = client.get("/api/v1/organisations", params={"q": q, "per_page": n})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_the_newcomers_queries_find_their_firms_first_on_the_demo(demo_client: TestClient) -> None:
    wanted = {
        o.code for o in organisations(12_000, seed=2026) if o.name.startswith("杭州万象") and o.prefix != "92"
    }
    assert len(wanted) == 8  # the 8 Hangzhou Wanxiang firms anything public may name
    for q in ("Hangzou Wanxiang", "hangzhou wanxiang", "杭州万向", "hangzhouwanxiang", "Hangzhou  Wanxiang"):
        found = {o["code"] for o in top(demo_client, q)}
        assert wanted <= found, (q, wanted - found)
    # "Hangzou" alone: Hangzhou's firms first, not Guangzhou's (nor Changzhou's, if any).
    first = top(demo_client, "Hangzou", 20)
    assert all(o["name"].startswith("杭州") for o in first), [o["name"] for o in first]
    # A typo inside a Chinese name: a homophone finds the firm through its pinyin.
    assert {o["code"] for o in top(demo_client, "杭州万向科技")} >= {
        o.code for o in organisations(12_000, seed=2026) if o.name.startswith("杭州万象科技")
    }


def test_search_is_fast_on_the_demo(demo_client: TestClient, capsys) -> None:
    for q in QUERIES:  # the vocabulary is read once, at the first search
        top(demo_client, q)
    times = []
    for q in QUERIES:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            top(demo_client, q, 20)
            runs.append(time.perf_counter() - start)
        times.append(statistics.median(runs))
    p50 = statistics.median(times)
    with capsys.disabled():
        print(f"\nsearch p50 on the demo's 12,000 organisations: {p50 * 1000:.0f} ms")
    assert p50 < 0.5  # measured 20-60 ms; generous for a busy machine
