"""Due process in Chinese and English: its refusals (API, self-service pages, the service itself), the
notices it writes and the purposes of a read are in the reader's language; the error codes do not change,
a notice is kept in the language it was written in, and English is as it was."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credence import i18n
from credence.process import notices
from credence.process.errors import NotAllowed
from credence.process.machine import MACHINES, OBJECTION, REPAIR, IllegalTransition
from credence.server import create_app

from helpers import USCC_A

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
ORG = f"organisation:{USCC_A}"
PAGE = "/me/records/SAMR/XZCF-2026-0001"
TOO_EARLY = {
    "department": "SAMR",
    "source_record_id": "XZCF-2026-0001",
    "evidence": "fine paid",
    "commitment": "we comply",
    "applied_by": ORG,
}


def error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code
    return str(body["message"])


def test_a_chinese_api_request_refused_by_due_process_reads_chinese_with_the_same_code(
    client: TestClient,
) -> None:
    chinese = error(client.post("/api/v1/repairs", json=TOO_EARLY, headers=ZH), 409, "not_allowed")
    assert chinese == "记录 'XZCF-2026-0001' 自 2027-06-01 起方可申请信用修复，届时其最短公示期已满"
    english = error(client.post("/api/v1/repairs", json=TOO_EARLY), 409, "not_allowed")
    assert english == (
        "record 'XZCF-2026-0001' can be repaired from 2027-06-01, when its minimum publication period "
        "has passed"
    )
    missing = error(
        client.post("/api/v1/repairs", json={**TOO_EARLY, "evidence": " "}, headers=ZH), 409, "not_allowed"
    )
    assert missing == "evidence 为必填项"  # the field's name is the API's, as sent
    nowhere = {**TOO_EARLY, "source_record_id": "NOPE"}
    assert error(client.post("/api/v1/repairs", json=nowhere, headers=ZH), 404, "not_found") == (
        "部门 SAMR 没有编号为 'NOPE' 的记录"
    )
    assert error(client.post("/api/v1/repairs", json=nowhere), 404, "not_found") == (
        "no record 'NOPE' from department SAMR"
    )


def test_a_step_the_procedure_does_not_allow_names_the_state_and_the_steps_in_chinese(
    client: TestClient, service, tmp_path
) -> None:
    from helpers import USCC_B, row, write_csv

    service.ingest_file(write_csv(tmp_path / "late.csv", [row(40, subject_id=USCC_B)]), "SAMR")
    (notice,) = client.get("/api/v1/outbox", params={"department": "SAMR"}).json()["items"]
    url = f"/api/v1/notices/{notice['notice']}/delivery"
    assert client.post(url, json={"actor": "SAMR clerk", "channel": "in person"}).status_code == 200
    again = {"actor": "a", "channel": "b"}
    chinese = error(client.post(url, json=again, headers=ZH), 409, "illegal_transition")
    assert chinese == f"告知书 {notice['notice']} 的状态为“已送达”，不能送达（已办结）"
    english = error(client.post(url, json=again), 409, "illegal_transition")
    assert english == f"notice {notice['notice']} is 'delivered' and cannot be delivered (it is closed)"


def test_the_machines_refuse_in_the_readers_words_and_every_state_and_step_has_chinese() -> None:
    with i18n.language("zh"):
        with pytest.raises(IllegalTransition) as refused:
            OBJECTION.next("extended", "be extended", "异议 4")
        assert str(refused.value) == (
            "异议 4 的状态为“已延期”，不能延期；处于“已延期”状态时只能"
            "以“更正”答复或以“维持”答复或以“撤销”答复或逾期失效"
        )
        for machine in MACHINES:
            for (state, event), after in machine.transitions.items():
                for word in (state, event, after):
                    assert re.search("[\u4e00-\u9fff]", i18n.gettext(word)), f"{machine.name}: {word!r}"
    with pytest.raises(
        IllegalTransition, match=r"^repair 2 is 'approved' and cannot be refused \(it is closed\)$"
    ):
        REPAIR.next("approved", "be refused", "repair 2")


def test_a_self_service_page_in_chinese_shows_a_chinese_refusal(client: TestClient) -> None:
    def token(page: Any) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, "the page has no form with a CSRF token"
        return found.group(1)

    def post(url: str, headers: dict[str, str] | None = None, **fields: str) -> Any:
        return client.post(url, data={"csrf": token(client.get(PAGE)), **fields}, headers=headers)

    form = client.get("/sign-in")
    client.post("/sign-in", data={"csrf": token(form), "kind": "organisation", "organisation": USCC_A})
    assert post(f"{PAGE}/objection", ground="content", statement="Wrong.").status_code == 200
    twice = post(f"{PAGE}/objection", ZH, ground="content", statement="又有误。")
    assert twice.status_code == 409 and "记录 &#39;XZCF-2026-0001&#39; 已有尚未办结的异议" in twice.text
    assert "already has an open objection" not in twice.text
    empty = post(f"{PAGE}/objection", ZH, ground="period", statement="  ")
    assert empty.status_code == 409 and "statement 为必填项" in empty.text
    english = post(f"{PAGE}/objection", ground="content", statement="Wrong again.")
    assert english.status_code == 409 and "already has an open objection" in english.text


def test_a_notice_is_written_in_the_issuers_language_and_kept_as_written(process, engine, populated) -> None:
    with i18n.language("zh"):
        objection = process.object(
            "SAMR", "XZCF-2026-0001", ground="content", statement="有误。", filed_by=ORG
        )
        with pytest.raises(NotAllowed, match="异议理由 'taste' 不在以下范围内"):
            process.object("SAMR", "XZCF-2026-0001", ground="taste", statement="x", filed_by=ORG)
        process.answer_objection(
            objection.id, department="SAMR", outcome="upheld", actor="SAMR clerk", reason="Checked again."
        )
    with engine.connect() as conn:
        told = [n.message for n in conn.execute(notices.notices.select()) if n.kind == "objection"]
    # The registry's words in Chinese, the clerk's reason as typed; read later in English, it stays so.
    assert told == [f"贵单位的异议 {objection.id} 已获答复：维持原记录。Checked again."]
    with pytest.raises(
        NotAllowed, match="^ground 'taste' is not one of content, period, repair_decision, not_us$"
    ):
        process.object("SAMR", "XZCF-2026-0001", ground="taste", statement="x", filed_by=ORG)


def test_the_purposes_of_a_read_are_shown_in_the_readers_language(api_settings, clock, populated) -> None:
    with TestClient(create_app(api_settings, clock), client=("127.0.0.1", 50000)) as client:
        form = client.get("/sign-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        client.post("/sign-in", data={"csrf": csrf.group(1), "kind": "department", "department": "MOHRSS"})
        page = client.get(f"/organisations/{USCC_A}", headers=ZH)
        assert ">监管：开展检查或实施分级分类监管</option>" in page.text
        assert "Supervision: an inspection" not in page.text
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        read = client.post(
            f"/organisations/{USCC_A}/shared",
            data={"csrf": token.group(1), "purpose": "supervision"},
            headers=ZH,
        )
        assert read.status_code == 200 and "<strong>监管：开展检查或实施分级分类监管</strong>" in read.text
        english = client.get(f"/organisations/{USCC_A}")
        assert ">Supervision: an inspection or the grading of supervision</option>" in english.text


def test_the_command_line_refuses_and_ticks_in_its_environments_language(
    store_url, engine, populated
) -> None:
    from typer.testing import CliRunner

    from credence.cli.main import app

    def cli(*args: str, **env: str) -> Any:
        return CliRunner().invoke(app, list(args), env={"CREDENCE_DATABASE_URL": store_url, **env})

    file = ("objections", "file", "SAMR", "XZCF-2026-0001", "--organisation", USCC_A, "--statement", "x")
    chinese = cli(*file, "--ground", "taste", CREDENCE_LANG="zh")
    assert chinese.exit_code == 2 and "异议理由 'taste' 不在以下范围内" in chinese.output
    english = cli(*file, "--ground", "taste", CREDENCE_LANG="en")
    assert english.exit_code == 2 and "ground 'taste' is not one of content, period" in english.output
    missing = cli(*file[:3], "NOPE", *file[4:], "--ground", "content", CREDENCE_LANG="zh")
    assert missing.exit_code == 1 and "部门 SAMR 没有编号为 'NOPE' 的记录" in missing.output
    tick = cli("tick", CREDENCE_LANG="zh")
    assert tick.exit_code == 0 and "已生成告知书：0" in tick.output and "信用等级变动：" in tick.output
    assert "notices produced: 0" in cli("tick", CREDENCE_LANG="en").output
