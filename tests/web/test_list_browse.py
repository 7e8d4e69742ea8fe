"""A list page can be searched (by name, with search's typo tolerance, or code), filtered by department,
criterion and region, sorted by the day entered or name, read a page at a time in a defined order, in
English or Chinese; its downloads stay the whole list (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from credence.identity import build_uscc

from helpers import USCC_B, notice_all, process_for, row, write_csv


def entries(page: str) -> list[str]:
    return re.findall(r'<tr id="entry-(\d+)">', page)


def test_a_list_is_searched_filtered_sorted_and_paged(
    client: TestClient, service, engine, tmp_path: Path
) -> None:
    codes = [build_uscc("91", "330100" if i % 2 else "320100", f"LT{i:06d}") for i in range(60)]
    names = [("杭州" if i % 2 else "南京") + f"万象建材有限公司（{i}）" for i in range(60)]
    rows = [
        row(500 + i, subject_id=c, subject_name=n) for i, (c, n) in enumerate(zip(codes, names, strict=True))
    ]
    service.ingest_file(write_csv(tmp_path / "orgs.csv", rows), "SAMR")
    lists = process_for(service).lists
    for c in codes:
        lists.grant("SAMR", c, "contract_abiding", facts="Kept every contract.", actor="test department")
    notice_all(engine, service)
    index = client.get("/lists").text
    assert 'id="count-honour">61<' in index  # B's honour and the sixty
    first = client.get("/lists/honour")
    assert first.status_code == 200 and "1–50 of 61 entries" in first.text and len(entries(first.text)) == 50
    second = client.get("/lists/honour", params={"page": 2})
    assert len(entries(second.text)) == 11 and 'rel="prev"' in second.text
    assert not set(entries(first.text)) & set(entries(second.text))  # a defined order: newest entry first
    assert [int(e) for e in entries(first.text)] == sorted(
        (int(e) for e in entries(first.text)), reverse=True
    )
    oldest = client.get("/lists/honour", params={"sort": "oldest"})
    assert entries(oldest.text)[0] == min(entries(first.text) + entries(second.text), key=int)
    # Search: by name (a typo in pinyin and a homophone in Chinese too), by code.
    for q in ("杭州万象", "hangzou wanxiang", "杭州万向"):
        found = client.get("/lists/honour", params={"q": q})
        assert "30 entries" in found.text and "南京" not in found.text.split('id="entries"')[1], q
    by_code = client.get("/lists/honour", params={"q": codes[7]})
    assert "1 entry" in by_code.text and codes[7] in by_code.text
    # Filters: region, department, criterion; unknown values are named and refused.
    nanjing = client.get("/lists/honour", params={"region": "320100", "sort": "name"})
    assert "30 entries" in nanjing.text and "杭州万象" not in nanjing.text.split('id="entries"')[1]
    assert "61" in client.get("/lists/honour", params={"department": "SAMR"}).text
    assert 'id="empty"' in client.get("/lists/honour", params={"department": "MEE"}).text
    bad = client.get("/lists/honour", params={"criterion": "nothing", "region": "999999"})
    assert bad.status_code == 422 and "criterion:" in bad.text and "region:" in bad.text
    # The downloads stay the whole list, whatever the page shows.
    csv = client.get("/api/v1/lists/honour/export", params={"format": "csv"}).text
    assert csv.count("\n") == 62 and USCC_B in csv


def test_the_list_pages_read_in_chinese_with_counts_and_dates_for_reading(client: TestClient) -> None:
    index = client.get("/lists", headers={"Accept-Language": "zh-CN"})
    assert "现行有效" in index.text and "数据导出" in index.text and "严重失信" in index.text
    honours = client.get("/lists/honour", params={"lang": "zh"})
    assert honours.status_code == 200 and "按名称或代码在本名单中搜索" in honours.text
    assert "2028年11月24日" in honours.text and "1 条" in honours.text
    assert USCC_B in honours.text
