"""Notice before publication: a new record awaits notice, is invisible and does not count until its
notice is delivered, or deemed delivered after the configured period."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from credence.process import notices
from credence.process.errors import NotAllowed, NotFound
from credence.rating import repository as rating_repo
from credence.records import publicity
from credence.records import repository as repo

from helpers import USCC_A, row, write_csv


def visible(process, source_record_id: str) -> bool:
    with process.engine.connect() as conn:
        found = publicity.public_record(conn, process.catalog, "SAMR", source_record_id, process.today())
    return found is not None


def organisation_id(process, code: str = USCC_A) -> int:
    with process.engine.connect() as conn:
        return rating_repo.find_organisation(conn, code).id


def grade(process) -> str:
    with process.engine.connect() as conn:
        return rating_repo.rating_of(conn, organisation_id(process)).grade


def ingest(process, tmp_path: Path, *rows) -> None:
    process.ingest.ingest_file(write_csv(tmp_path / "in.csv", list(rows)), "SAMR")
    process.rating.rate()


def test_a_new_record_gets_one_notice_that_says_everything_served_together(process, tmp_path: Path) -> None:
    ingest(process, tmp_path, row(1, severity="serious", decided_on="2026-06-01"))
    with process.engine.connect() as conn:
        (notice,) = notices.outbox(conn, None, 0, 10)
        body = process.notice_body(conn, notice)
    assert (notice.kind, notice.delivered_at, notice.deemed_on) == ("record", None, date(2026, 12, 25))
    assert body["to"]["identifier"] == USCC_A and body["from"]["department"] == "SAMR"
    assert body["record"]["legal_basis"] == "Food Safety Law, Art. 124"
    assert "Administrative Penalty Law" in body["record"]["category_legal_basis"]
    assert body["publication"]["ends_on"] == "2029-05-31"
    assert "2026-12-25" in body["publication"]["starts"]
    assert "within 30 days (45 if you bring new information)" in body["how_to_object"]
    assert "from 2027-06-01" in body["how_to_repair"] and "No fee" in body["how_to_repair"]
    # Ingesting the same file again produces no second notice.
    process.ingest.ingest_file(tmp_path / "in.csv", "SAMR")
    with process.engine.connect() as conn:
        assert len(notices.outbox(conn, "SAMR", 0, 10)) == 1
        assert notices.outbox(conn, "MEE", 0, 10) == []


def test_unnoticed_record_is_invisible_and_does_not_count_until_delivery_is_logged(process, tmp_path) -> None:
    ingest(process, tmp_path, row(1, severity="serious", decided_on="2026-06-01"))
    assert not visible(process, "XZCF-2026-0001") and grade(process) == "A"
    notice = process.deliver_record_notice("SAMR", "XZCF-2026-0001", actor="SAMR clerk 3", channel="by hand")
    assert (notice.delivery, notice.delivered_by, notice.channel) == ("delivered", "SAMR clerk 3", "by hand")
    assert visible(process, "XZCF-2026-0001") and grade(process) == "B"
    with process.engine.connect() as conn:
        record = repo.find_record(conn, "SAMR", "XZCF-2026-0001")
        kinds = [e.kind for e in repo.record_events(conn, record.id)]
        assert notices.outbox(conn, None, 0, 10) == []
    assert kinds == ["notice_delivered"]
    with pytest.raises(NotAllowed, match="has no notice awaiting delivery"):
        process.deliver_record_notice("SAMR", "XZCF-2026-0001", actor="x", channel="y")
    with pytest.raises(Exception, match=f"notice {notice.id} is 'delivered' and cannot be delivered"):
        process.deliver_notice(notice.id, actor="x", channel="y")
    with pytest.raises(NotFound, match="no notice 999"):
        process.deliver_notice(999, actor="x", channel="y")
    with pytest.raises(NotAllowed, match="channel is required"):
        process.deliver_notice(notice.id, actor="x", channel=" ")


def test_a_notice_is_deemed_delivered_after_the_period_and_tick_publishes(process, clock, tmp_path) -> None:
    ingest(process, tmp_path, row(1, severity="serious", decided_on="2026-06-01"))
    clock.advance(timedelta(days=29))
    first = process.tick()
    assert (first.notices_deemed, first.grade_changes) == (0, 0)
    assert not visible(process, "XZCF-2026-0001") and grade(process) == "A"
    clock.advance(timedelta(days=1))
    second = process.tick()
    assert (second.notices_deemed, second.grade_changes) == (1, 1)
    assert visible(process, "XZCF-2026-0001") and grade(process) == "B"
    with process.engine.connect() as conn:
        (notice,) = notices.inbox(conn, organisation_id(process))
    assert (notice.delivery, notice.delivered_by) == ("deemed", "registry")
    assert process.tick().notices_deemed == 0  # applying what is due twice changes nothing


def test_tick_produces_the_notice_an_interrupted_ingest_left_out(process, tmp_path) -> None:
    ingest(process, tmp_path, row(1))
    with process.engine.begin() as conn:
        conn.execute(notices.notices.delete())
    assert process.tick().notices_produced == 1
    assert process.tick().notices_produced == 0


def test_the_server_schedule_applies_what_is_due_on_its_own(process, clock, tmp_path) -> None:
    from credence.process.schedule import TickSchedule

    ingest(process, tmp_path, row(1, severity="serious", decided_on="2026-06-01"))
    clock.advance(timedelta(days=30))
    schedule = TickSchedule(process.tick, 0.01).start()
    try:
        for _ in range(500):
            if visible(process, "XZCF-2026-0001"):
                break
            time.sleep(0.01)
    finally:
        schedule.stop()
    assert visible(process, "XZCF-2026-0001") and schedule.runs >= 1


def test_a_notice_of_a_record_whose_publication_has_ended_says_so(process, tmp_path) -> None:
    ingest(process, tmp_path, row(1, severity="general", decided_on="2024-01-10"))
    with process.engine.connect() as conn:
        (notice,) = notices.outbox(conn, None, 0, 10)
        text = process.notice_body(conn, notice)["publication"]["text"]
    assert text == "The publication period of this record ended on 2025-01-09: it is not published."
