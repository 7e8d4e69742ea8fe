"""The command line speaks the language of its environment: CREDENCE_LANG, then LANGUAGE, LC_ALL,
LC_MESSAGES and LANG; C, POSIX or nothing is English. Machine output (--json) is the same in every
language, and a Chinese run leaves the next one in English."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from credence import i18n
from credence.cli.main import app

from helpers import USCC_A, row, write_csv


@pytest.fixture
def cli(store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("CREDENCE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str, **env: str):
        return runner.invoke(app, list(args), env={"CREDENCE_DATABASE_URL": store_url, **env})

    return invoke


def test_status_in_chinese_and_in_english(cli, engine) -> None:
    chinese = cli("status", CREDENCE_LANG="zh")
    assert chinese.exit_code == 0, chinese.output
    assert chinese.output.startswith("数据库：") and "（版本 " in chinese.output
    assert i18n.current() == "en"  # the run's language ended with it
    english = cli("status")
    assert english.output.startswith("store: ") and "(revision " in english.output
    assert cli("status", LANG="zh_CN.UTF-8").output.startswith("数据库：")
    assert cli("status", LANG="zh_CN.UTF-8", CREDENCE_LANG="en").output.startswith("store: ")
    assert cli("status", LC_ALL="C.UTF-8", LANG="zh_CN.UTF-8").output.startswith("store: ")


def test_an_ingest_in_chinese_names_the_line_and_its_json_is_unchanged(cli, engine, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    write_csv(path, [row(1, subject_name="Beijing", summary="Caf\u00e9")], encoding="latin-1")
    whole = cli("ingest", str(path), "-d", "SAMR", CREDENCE_LANG="zh")
    assert whole.exit_code == 1
    assert "整个文件被拒绝" in whole.output and "latin.csv，第 2 行" in whole.output
    assert "未存储任何内容" in whole.output and "被拒绝的行及原因" in whole.output
    missing = cli("ingest", "nowhere.csv", "-d", "SAMR", CREDENCE_LANG="zh")
    assert missing.exit_code == 2 and "无法读取 nowhere.csv：文件不存在" in missing.output

    ok = write_csv(tmp_path / "ok.csv", [row(1), row(2)])
    said = cli("ingest", str(ok), "-d", "SAMR", CREDENCE_LANG="zh")
    assert said.exit_code == 0
    assert "ok.csv（SAMR）：接受 2 行（新增 2，更新 0，未变 0），拒绝 0 行" in said.output
    assert "已重新评级 1 个单位" in said.output
    as_json = cli("ingest", str(ok), "-d", "SAMR", "--json", CREDENCE_LANG="zh")
    summary = json.loads(as_json.stdout)
    assert summary["unchanged"] == 2 and summary["file_error"] is None  # the same keys in every language
    english = cli("ingest", str(ok), "-d", "SAMR")
    assert "ok.csv (SAMR): 2 accepted (0 new, 0 updated, 2 unchanged), 0 rejected" in english.output


def test_the_rows_an_ingest_refuses_are_explained_in_chinese(cli, engine, tmp_path: Path) -> None:
    """Each refused row's reason reads in the clerk's language on screen and in the rejects file, with the
    same line, field and reason code, and the refused text is never repeated; only the good row is stored."""
    rows = [
        row(1),
        row(2, summary="Fined for organising a religious gathering."),
        row(3, decided_on="2026-13-01"),
        row(4, currency="XYZ"),
        row(5, summary="=HYPERLINK(1)"),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    said = cli("ingest", str(path), "-d", "SAMR", CREDENCE_LANG="zh")
    assert said.exit_code == 1, said.output
    assert "拒绝 4 行" in said.output and "被拒绝的行及原因" in said.output
    rejects = tmp_path / "bad.csv.rejects.ndjson"
    refused = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["field"], r["reason"]) for r in refused] == [
        (3, "summary", "prohibited_ground"),
        (4, "decided_on", "invalid_date"),
        (5, "currency", "invalid_currency"),
        (6, "summary", "formula_injection"),
    ]
    messages = [r["message"] for r in refused]
    assert messages[0] == "summary 涉及禁止记录的事由（宗教信仰）；本登记系统从不记录"
    assert messages[1].startswith("decided_on“2026-13-01”不是真实存在的日期")
    assert messages[2] == "currency“XYZ”不是 ISO 4217 代码"
    assert messages[3].startswith("summary 以“=”开头，电子表格会将其作为公式执行")
    assert "religious" not in rejects.read_text(encoding="utf-8")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT source_record_id FROM records")).scalars().all()
    assert stored == ["XZCF-2026-0001"]

    english = cli("ingest", str(path), "-d", "SAMR")
    assert english.exit_code == 1, english.output
    messages = [json.loads(line)["message"] for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert (
        messages[0]
        == "summary touches a prohibited ground (belief or religion); the registry never records it"
    )
    assert messages[1].startswith("decided_on '2026-13-01' is not a real date")


def test_the_help_of_the_most_used_commands_in_chinese() -> None:
    env = {**os.environ, "CREDENCE_LANG": "zh", "COLUMNS": "200"}
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "credence"), "--help"], env=env, capture_output=True, text=True
    )
    assert "Credence：开放的单位信用信息登记系统。" in shown.stdout, shown.stdout + shown.stderr
    assert "数据库中的内容" in shown.stdout and "执行今日到期事项" in shown.stdout
    assert (
        "查看已存储的记录并变更其状态。" in shown.stdout and "透明日志：验证日志" in shown.stdout
    )  # the groups
    assert "替代默认目录的目录 YAML 文件。" in shown.stdout  # and the options


def test_a_listing_in_chinese_and_its_csv_unchanged(cli, engine, tmp_path: Path) -> None:
    licence = row(1, category="administrative_licence", severity=None, amount=None, currency=None)
    assert cli("ingest", str(write_csv(tmp_path / "l.csv", [licence])), "-d", "SAMR").exit_code == 0
    entered = cli(
        "lists",
        "enter",
        USCC_A,
        "--criterion",
        "unreachable",
        "--department",
        "SAMR",
        "--facts",
        "Mail returned.",
        "--decision",
        "AB-1",
        "--actor",
        "SAMR clerk",
        CREDENCE_LANG="zh",
    )
    assert entered.exit_code == 0 and "名单条目 1（abnormal_operation，unreachable）：" in entered.output
    assert (
        "abnormal_operation 名单中没有有效条目"
        in cli("lists", "current", "abnormal_operation", CREDENCE_LANG="zh").output
    )
    assert (
        "no entry of the abnormal_operation list is in force"
        in cli("lists", "current", "abnormal_operation").output
    )
    assert cli("records", "notice", "SAMR", "LIST-1", "--actor", "clerk", "--channel", "post").exit_code == 0
    as_csv = cli("lists", "current", "abnormal_operation", "--format", "csv", CREDENCE_LANG="zh").stdout
    assert as_csv == cli("lists", "current", "abnormal_operation", "--format", "csv").stdout
    assert as_csv.splitlines()[1].startswith(f"1,abnormal_operation,{USCC_A},")  # machine output: the same
    cured = cli(
        "lists",
        "cure",
        "1",
        "--department",
        "SAMR",
        "--actor",
        "clerk",
        "--evidence",
        "Reached.",
        CREDENCE_LANG="zh",
    )
    assert "当前等级 A，得分" in cured.output and "（原为 B：等级已变化）" in cured.output
    missing = cli("lists", "show", "9", CREDENCE_LANG="zh")
    assert missing.exit_code == 1 and "没有名单条目 9" in missing.output
    assert "no list entry 9" in cli("lists", "show", "9").output
    bad = (
        "lists",
        "decide",
        "1",
        "--outcome",
        "maybe",
        "--department",
        "SAMR",
        "--actor",
        "a",
        "--reason",
        "r",
    )
    assert "--outcome 'maybe' 不是 list 或 drop" in cli(*bad, CREDENCE_LANG="zh").output
    assert "--outcome 'maybe' is not list or drop" in cli(*bad).output


def test_the_operators_commands_in_chinese(cli, engine) -> None:
    made = ("token", "create", "--role", "department", "--name", "SAMR system", "--department")
    refused = cli(*made, "NOPE", CREDENCE_LANG="zh")
    assert (
        refused.exit_code == 2 and "--department：'NOPE' 不是目录中的部门；应为以下之一：" in refused.output
    )
    token = cli(*made, "SAMR", CREDENCE_LANG="zh")
    assert (
        token.exit_code == 0
        and "令牌 #1（department，SAMR system）；仅显示一次，请妥善保密：" in token.output
    )
    assert "token #2 (department, SAMR system); shown once, keep it secret:" in cli(*made, "SAMR").output
    as_json = cli("token", "list", "--format", "json", CREDENCE_LANG="zh").stdout
    assert as_json == cli("token", "list", "--format", "json").stdout
    assert json.loads(as_json)[0]["state"] == "active"  # machine output: the same keys and values
    assert "没有有效的令牌 #99" in cli("token", "revoke", "99", CREDENCE_LANG="zh").output
    assert (
        "--organisation 与 --department 须且只能指定其一"
        in cli("commitments", "list", CREDENCE_LANG="zh").output
    )
    no_entry = cli("log", "show", "100000", CREDENCE_LANG="zh")
    assert no_entry.exit_code == 1 and "日志中没有条目 100000；日志共有" in no_entry.output
    assert "the log has no entry 100000; it has" in cli("log", "show", "100000").output
    shown = cli("catalog", "show", CREDENCE_LANG="zh").output
    assert "  法律依据：" in shown and "  公示期限（天）：" in shown
    assert "  legal basis: " in cli("catalog", "show").output
    figures = ("departments", "figures", "--format", "csv")
    assert cli(*figures, CREDENCE_LANG="zh").stdout == cli(*figures).stdout


def test_the_help_of_the_other_commands_in_chinese() -> None:
    """Help texts are made as the command line starts (in a process of its own here), in its language."""

    def shown(*args: str) -> str:
        env = {**os.environ, "CREDENCE_LANG": "zh", "COLUMNS": "200"}
        command = [str(Path(sys.executable).parent / "credence"), *args, "--help"]
        return subprocess.run(command, env=env, capture_output=True, text=True).stdout

    lists = shown("lists")
    assert "依程序管理的名单：严重失信主体名单、经营异常名录、守信激励名单。" in lists, lists
    assert "拟列入严重失信主体名单：先发出告知书" in lists and "撤销守信激励。" in lists
    verify = shown("log", "verify")
    assert "验证日志：从数据库重新推导每个条目" in verify and "与 --remote 同用：要证明的条目数量。" in verify
    english = CliRunner().invoke(app, ["log", "verify", "--help"], env={"COLUMNS": "200"}).output
    assert "With --remote: how many entries to prove." in english
