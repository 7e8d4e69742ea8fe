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
from typer.testing import CliRunner

from credence import i18n
from credence.cli.main import app

from helpers import row, write_csv


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


def test_the_help_of_the_most_used_commands_in_chinese() -> None:
    env = {**os.environ, "CREDENCE_LANG": "zh", "COLUMNS": "200"}
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "credence"), "--help"], env=env, capture_output=True, text=True
    )
    assert "Credence：开放的单位信用信息登记系统。" in shown.stdout, shown.stdout + shown.stderr
    assert "数据库中的内容" in shown.stdout and "执行今日到期事项" in shown.stdout
