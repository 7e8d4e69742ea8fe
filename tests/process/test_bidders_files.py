"""Files of bidders are read as ingest reads files (issue 13 §7): Excel's "CSV UTF-8" (a byte-order mark),
GB18030 and GBK (Excel's default on Chinese Windows), CRLF line ends, and XLSX workbooks, on every path
that takes one: POST /api/v1/checks, the form on /checks, and `credence check --file`. A file that is none
of these is refused saying where, and nothing is written."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from typer.testing import CliRunner

from credence.cli.main import app as cli_app

from helpers import USCC_A, USCC_B, counts

NAME = "北京某某食品有限公司"
ROWS = [["subject_id", "name"], [USCC_A, NAME], [USCC_B, "深圳示例电子有限公司"]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(encoding: str, newline: str = "\n") -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator=newline).writerows(ROWS)
    return text.getvalue().encode(encoding)


def xlsx_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "投标人"
    for values in ROWS:
        sheet.append(values)
    sheet.append([None, None])  # a blank row, as spreadsheets often end
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "utf-8": ("bidders.csv", lambda: csv_bytes("utf-8")),
    "utf-8 with BOM (Excel's CSV UTF-8)": ("bidders.csv", lambda: csv_bytes("utf-8-sig")),
    "GB18030": ("bidders.csv", lambda: csv_bytes("gb18030")),
    "GBK": ("bidders.csv", lambda: csv_bytes("gbk")),
    "CRLF": ("bidders.csv", lambda: csv_bytes("utf-8-sig", "\r\n")),
    "GBK with CRLF": ("bidders.csv", lambda: csv_bytes("gbk", "\r\n")),
    "XLSX": ("bidders.xlsx", xlsx_bytes),
}


def assert_answered(text: str, what: str) -> None:
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:4] == ["line", "subject_id", "organisation", "result"], (what, lines[0])
    assert [line[:2] for line in lines[1:]] == [["2", USCC_A], ["3", USCC_B]], (what, lines)
    assert lines[1][2] == NAME and lines[1][3] == "eligible", (what, lines[1])
    assert lines[2][3] == "fast_track", (what, lines[2])


def post_api(client: TestClient, name: str, data: bytes) -> object:
    content_type = XLSX if name.endswith(".xlsx") else "text/csv"
    return client.post(
        "/api/v1/checks", params={"domain": "licensing"}, content=data, headers={"content-type": content_type}
    )


def post_form(client: TestClient, name: str, data: bytes) -> object:
    return client.post("/checks/file", data={"domain": "licensing"}, files={"bidders": (name, data)})


@pytest.mark.parametrize("kind", list(FILES))
def test_every_kind_of_file_is_read_on_the_api_and_the_form(client: TestClient, engine, kind: str) -> None:
    name, make = FILES[kind]
    before = counts(engine)
    for path, post in (("the API", post_api), ("the form", post_form)):
        answer = post(client, name, make())
        assert answer.status_code == 200, (kind, path, answer.text[:300])  # type: ignore[attr-defined]
        assert_answered(answer.text, f"{kind} on {path}")  # type: ignore[attr-defined]
    assert counts(engine) == before


@pytest.fixture
def cli(populated, store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli_app, list(args), env={"CREDENCE_DATABASE_URL": store_url})

    return invoke


def test_every_kind_of_file_is_read_by_the_command(cli, tmp_path: Path) -> None:
    for kind, (name, make) in FILES.items():
        path = tmp_path / name
        path.write_bytes(make())
        out = tmp_path / "result.csv"
        done = cli("check", "--file", str(path), "--domain", "licensing", "--out", str(out))
        assert done.exit_code == 0, (kind, done.output)
        assert "2 bidders checked" in done.output
        assert_answered(out.read_text("utf-8"), f"{kind} by the command")


BAD = {
    "UTF-16": (
        "bidders.csv",
        "\ufeffsubject_id\n".encode("utf-16-le"),
        "line 1: the file is UTF-16; save it as UTF-8 or GB18030",
    ),
    "neither UTF-8 nor GB18030": (
        "bidders.csv",
        b"subject_id\n\x81\x20\n",
        "line 2: byte 0x81 at character 1 is not valid UTF-8; it is not GB18030 either",
    ),
    "a NUL": ("bidders.csv", b"subject_id\nA\x00B\n", "line 2: a NUL character at character 2"),
    "a workbook that is not one": ("bidders.xlsx", b"PK\x03\x04 not a zip", "not a readable XLSX workbook"),
    "no subject_id column": ("bidders.csv", b"code\nX\n", "line 1: the CSV needs a subject_id column"),
}


def test_a_file_none_of_these_is_refused_saying_where_on_every_path(
    client: TestClient, cli, engine, tmp_path: Path
) -> None:
    before = counts(engine)
    for kind, (name, data, words) in BAD.items():
        api = post_api(client, name, data)
        assert api.status_code == 422 and api.json()["error"]["code"] == "bad_file", (kind, api.text)  # type: ignore[attr-defined]
        assert words in api.json()["error"]["message"], (kind, api.text)  # type: ignore[attr-defined]
        form = post_form(client, name, data)
        assert form.status_code == 422 and words in form.text, (kind, form.text[-600:])  # type: ignore[attr-defined]
        path = tmp_path / name
        path.write_bytes(data)
        done = cli("check", "--file", str(path), "--domain", "licensing")
        assert done.exit_code != 0 and words in done.output, (kind, done.output)
    assert counts(engine) == before
