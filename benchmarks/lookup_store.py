"""A large synthetic store for the lookup benchmark and the profile-plan test; the plans of what a read runs.

`build` fills a migrated store (SQLite or PostgreSQL) set-based: organisations with valid USCCs (COPY on
PostgreSQL, executemany on SQLite), then records from a series (generate_series on PostgreSQL, a recursive
CTE on SQLite), ratings, rating history, list entries, withdrawal events and open objections derived from
them, the expiry of every record whose publication period ended before AS_OF (as if the tick had run each
day until yesterday), then ANALYZE. The secondary indexes of the big tables are dropped during the load and
made again from their own definitions, so the store ends with exactly the migrations' schema.

`captured` records every statement an engine runs; `scans` EXPLAINs them and names the big tables a plan
reads whole (PostgreSQL "Seq Scan on t", SQLite "SCAN t"): a read whose cost grows with the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event

from credence.catalog import load_catalog
from credence.demo.generate import example_basis
from credence.identity import build_uscc, parse_uscc
from credence.records import publicity

AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
PROVINCES = ["11", "12", "31", "32", "33", "37", "44", "51", "61", "65"]
BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# (category, severity) pairs the records cycle through, each with a department that may submit it.
KINDS = [
    ("administrative_penalty", "minor"),
    ("administrative_penalty", "general"),
    ("administrative_penalty", "serious"),
    ("administrative_licence", None),
    ("inspection_result", None),
    ("credit_commitment", None),
    ("commitment_breach", "general"),
    ("commitment_breach", "serious"),
    ("court_judgment", None),
    ("tax_credit_grade", None),
]
# Tables whose size grows with the registry: a plan that reads one of them whole is a defect.
BIG_TABLES = frozenset(
    {
        "organisations",
        "records",
        "record_versions",
        "record_events",
        "ratings",
        "rating_history",
        "notices",
        "objections",
        "repairs",
        "list_entries",
        "list_entry_events",
        "log_entries",
        "log_nodes",
        "subject_links",
        "subject_forms",
        "search_terms",
        "access_reads",
        "commitments",
        "credit_reports",
    }
)
# A multiplier coprime to any count of organisations below it scatters a record's organisation, as records
# arrive from many departments in no order of organisation.
SCATTER = 2_654_435_761
# The head of a file a clerk joined a subject into (every organisation numbered 1000k + 2 is joined into
# the one before it).
JOINED_HEAD = 1001


def code_of(n: int) -> str:
    """The USCC of the n-th organisation (from 1): a distinct organisation-code body per n."""
    body, rest = "", n
    for _ in range(8):
        rest, digit = divmod(rest, len(BODY_CHARS))
        body = BODY_CHARS[digit] + body
    division = PROVINCES[n % len(PROVINCES)] + f"{n % 97 + 1:02d}00"
    return build_uscc("91", division, body)


def build(engine: Engine, organisations: int, records: int, log: Any = None) -> None:
    """Fill a migrated, empty store with `organisations` organisations and `records` records."""
    say = log or (lambda _message: None)
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ingest_batches (id, department, file_name, format, status, started_at, new, "
            "updated, unchanged, rejected) VALUES (1, 'SAMR', 'bench', 'ndjson', 'complete', "
            f"{_at(pg)}, {records}, 0, 0, 0)"
        )
    with engine.begin() as conn:
        _organisations(conn, organisations, pg)
    say(f"{organisations:,} organisations")
    with engine.begin() as conn, _without_indexes(conn, "records", pg):
        _run(conn, _records_sql(organisations, records, pg))
    say(f"{records:,} records")
    with engine.begin() as conn:
        for sql in _derived_sql(pg):
            _run(conn, sql)
    say("ratings, history, list entries, events, objections")
    with engine.begin() as conn:
        for sql in _expired_sql(pg):
            _run(conn, sql)
    say("records expired until yesterday")
    if pg:  # the tables filled, not the whole database (a test's schema shares it)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE " + ", ".join(sorted(BIG_TABLES)))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    say("analysed")


def _run(conn: Connection, sql: str) -> None:
    """A statement without parameters (psycopg reads % as the start of one: doubled, it is the operator)."""
    conn.exec_driver_sql(sql.replace("%", "%%") if conn.dialect.name == "postgresql" else sql)


def _at(pg: bool) -> str:
    return "TIMESTAMPTZ '2026-11-25 09:30:00+00'" if pg else "'2026-11-25 09:30:00.000000'"


def _organisations(conn: Connection, n: int, pg: bool) -> None:
    kind = parse_uscc(code_of(1)).kind.value
    created = NOW if pg else NOW.replace(tzinfo=None).isoformat(" ")
    rows = (
        (i, f"uscc:{code}", "uscc", code, f"测试企业{i:08d}有限公司", kind, "CN", code[2:8], False, created)
        for i in range(1, n + 1)
        for code in (code_of(i),)
    )
    columns = "id, key, scheme, code, name, kind, country, division, never_public, created_at"
    if pg:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY organisations ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.exec_driver_sql("SELECT setval('organisations_id_seq', %s)", (n,))
    else:
        conn.exec_driver_sql(
            f"INSERT INTO organisations ({columns}) VALUES (?,?,?,?,?,?,?,?,?,?)", list(rows)
        )


def _kinds_values() -> str:
    """The (k, department, category, severity, legal_basis) rows the records cycle through, as VALUES."""
    catalog = load_catalog()
    out = []
    for k, (category, severity) in enumerate(KINDS):
        found = catalog.categories[category]
        basis = example_basis(found, k).replace("'", "''")
        level = f"'{severity}'" if severity else "NULL"
        out.append(f"({k}, '{found.departments[0]}', '{category}', {level}, '{basis}')")
    return ", ".join(out)


def _records_sql(organisations: int, records: int, pg: bool) -> str:
    """One INSERT … SELECT of every record: each of a scattered organisation, of a kind in turn, decided
    within four years, 5% awaiting notice, 2% withdrawn, 10% pending, a penalty with an amount."""
    org = f"((g.i * {SCATTER}) % {organisations} + 1)"
    kinds = f"(VALUES {_kinds_values()})"
    if pg:
        head = ""
        named = "k(k, department, category, severity, basis)"
        series = f"generate_series(1, {records}) AS g(i) JOIN {kinds} AS {named}"
        decided = "DATE '2026-11-25' - ((g.i * 37) % 1460)::int"
        digest = "md5(g.i::text) || md5((-g.i)::text)"
        name = f"'测试企业' || lpad({org}::text, 8, '0') || '有限公司'"
    else:  # SQLite: the series is a recursive CTE, and its VALUES take their column names from a CTE
        head = (
            f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {records}), "
            f"k(k, department, category, severity, basis) AS {kinds} "
        )
        series = "g JOIN k"
        decided = "date('2026-11-25', '-' || ((g.i * 37) % 1460) || ' days')"
        digest = "printf('%064d', g.i)"
        name = f"'测试企业' || printf('%08d', {org}) || '有限公司'"
    at = _at(pg)
    return f"""
        INSERT INTO records (id, department, source_record_id, organisation_id, category, state,
            current_version, subject_name, severity, decided_on, legal_basis, status, amount, currency,
            summary, content_hash, batch_id, line, received_at, last_batch_id, last_line, noticed_at,
            created_at, updated_at)
        {head}SELECT g.i, k.department, 'BENCH-' || g.i, {org}, k.category,
            CASE WHEN g.i % 50 = 7 THEN 'withdrawn' ELSE 'active' END,
            1, {name}, k.severity, {decided}, k.basis,
            CASE WHEN g.i % 10 = 3 THEN 'pending' ELSE 'final' END,
            CASE WHEN k.category = 'administrative_penalty' THEN (1000 + g.i % 500000) || '' END,
            CASE WHEN k.category = 'administrative_penalty' THEN 'CNY' END,
            'Benchmark record ' || g.i || ': a decision of a public body about this organisation.',
            {digest}, 1, g.i, {at}, 1, g.i,
            CASE WHEN g.i % 20 = 0 THEN NULL ELSE {at} END, {at}, {at}
        FROM {series} ON k.k = g.i % {len(KINDS)}
    """


def _derived_sql(pg: bool) -> list[str]:
    """What the records bring, set-based: a rating per organisation and one or two history rows; an
    abnormal-operation entry in force through about one record in a thousand; an event per withdrawn record;
    an open objection to one record in a hundred; clerks' judgements, one in a thousand organisations joined
    into another's file."""
    at = _at(pg)
    day = "DATE '2026-11-25'" if pg else "'2026-11-25'"
    earlier = "DATE '2025-06-30'" if pg else "'2025-06-30'"
    grade = "CASE WHEN o.id % 7 = 0 THEN 'C' WHEN o.id % 3 = 0 THEN 'B' ELSE 'A' END"
    score = "1000 - o.id % 300"
    sha = "0" * 64
    return [
        "INSERT INTO ratings (organisation_id, as_of, score, grade, reasons, policy_version, policy_sha256, "
        f"rated_at, facts_read_at) SELECT o.id, {day}, {score}, {grade}, '[]', 'bench', '{sha}', {at}, {at} "
        "FROM organisations o",
        "INSERT INTO rating_history (organisation_id, as_of, old_grade, new_grade, score, cause, "
        f"policy_version, rated_at) SELECT o.id, {earlier}, NULL, 'A', 1000, 'demo registry built', 'bench', "
        f"{at} FROM organisations o",
        "INSERT INTO rating_history (organisation_id, as_of, old_grade, new_grade, score, cause, "
        f"policy_version, rated_at) SELECT o.id, {day}, 'A', {grade}, {score}, 'records changed in batch 1', "
        f"'bench', {at} FROM organisations o WHERE o.id % 3 = 0",
        "INSERT INTO list_entries (list, organisation_id, department, criterion, legal_basis, facts, state, "
        "created_at, created_by, hearing_requested, starts_on, record_id) SELECT 'abnormal_operation', "
        "r.organisation_id, 'SAMR', 'annual_report_missed', "
        "'Interim Regulations on Enterprise Information Publicity, Art. 17', 'No annual report filed.', "
        f"'listed', {at}, 'bench', false, r.decided_on, r.id FROM records r WHERE r.id % 997 = 0 "
        "AND r.state = 'active' AND r.noticed_at IS NOT NULL",
        "INSERT INTO record_events (record_id, version, kind, actor, reason, at) "
        "SELECT r.id, 1, 'withdrawn', "
        f"'department:SAMR', 'withdrawn by its department', {at} FROM records r WHERE r.state = 'withdrawn'",
        "INSERT INTO objections (record_id, version, organisation_id, department, ground, statement, "
        "filed_by, "
        "filed_at, filed_on, due_on, state) SELECT r.id, 1, r.organisation_id, r.department, 'content', "
        f"'The amount is wrong.', 'organisation:bench', {at}, {day}, {day}, 'open' FROM records r "
        "WHERE r.id % 101 = 0",
        # A clerk's judgement on one organisation in fifty and the next: not the same (files unchanged).
        "INSERT INTO subject_links (left_id, right_id, judgement, basis, actor, reason, at) SELECT o.id, "
        f"o.id + 1, 'not_same', 'clerk', 'clerk:bench', 'different addresses', {at} FROM organisations o "
        "WHERE o.id % 50 = 0 AND o.id < (SELECT max(id) FROM organisations)",
        # One in a thousand joined into the file of the organisation before it, by a clerk.
        "INSERT INTO subject_links (left_id, right_id, judgement, basis, actor, reason, at) SELECT o.id - 1, "
        f"o.id, 'same', 'clerk', 'clerk:bench', 'the same organisation, renamed', {at} FROM organisations o "
        "WHERE o.id % 1000 = 2",
        "UPDATE organisations SET file_id = id - 1 WHERE id % 1000 = 2",
    ]


def _expired_sql(pg: bool) -> list[str]:
    """As if the tick had run every day until yesterday: each published record whose publication period
    ended before AS_OF has its 'expired' event and its expired_version (the tick's to_expire finds only
    the records that end on AS_OF)."""
    at = _at(pg)
    ended = []
    for category, severity, days in publicity.periods(load_catalog()):
        last = AS_OF - timedelta(days=days + 1)  # ended by yesterday
        day = f"DATE '{last.isoformat()}'" if pg else f"'{last.isoformat()}'"
        same = f"r.severity = '{severity}'" if severity else "r.severity IS NULL"
        ended.append(f"(r.category = '{category}' AND {same} AND r.decided_on <= {day})")
    published = f"r.noticed_at IS NOT NULL AND r.state = 'active' AND ({' OR '.join(ended)})"
    return [
        "INSERT INTO record_events (record_id, version, kind, actor, reason, at) SELECT r.id, "
        f"r.current_version, 'expired', 'registry', 'publication period ended', {at} FROM records r "
        f"WHERE {published}",
        f"UPDATE records SET expired_version = current_version WHERE id IN (SELECT r.id FROM records r "
        f"WHERE {published})",
    ]


@contextmanager
def _without_indexes(conn: Connection, table: str, pg: bool) -> Iterator[None]:
    """The table's secondary indexes dropped while it is filled, then made again from their own
    definitions (one sort per index instead of an insert per row into each)."""
    if pg:
        rows = conn.exec_driver_sql(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.schemaname = "
            "current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (table,),
        ).all()
    else:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).all()
    for name, _definition in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, definition in rows:
        conn.exec_driver_sql(definition)


def busy_organisation(conn: Connection) -> int:
    """An organisation with a list entry in force and an open objection (so that every read of its profile
    has rows to find), or else one with a list entry."""
    found = (
        conn.exec_driver_sql(
            "SELECT min(o.organisation_id) FROM objections o "
            "JOIN list_entries l ON l.organisation_id = o.organisation_id"
        ).scalar()
        or conn.exec_driver_sql("SELECT min(organisation_id) FROM list_entries").scalar()
    )
    return int(found)


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the engine runs meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


_PG_SCAN = re.compile(r"Seq Scan on (\w+)")
_SQLITE_SCAN = re.compile(r"^SCAN (?:TABLE )?(\w+)")
_ALIASED = re.compile(r"\b(" + "|".join(sorted(BIG_TABLES)) + r")\s+(?:AS\s+)?(\w+)", re.IGNORECASE)


def scans(
    conn: Connection, statements: Sequence[tuple[str, Any]], min_rows: int = 10_000
) -> list[tuple[str, str]]:
    """(table, statement) for each big table a statement's plan reads whole, of those holding at least
    `min_rows` rows (a planner rightly reads a table of a few pages whole)."""
    pg = conn.dialect.name == "postgresql"
    big = {
        table
        for table in BIG_TABLES
        if conn.exec_driver_sql(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {min_rows}) AS t"
        ).scalar()
        == min_rows
    }
    found = []
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        if pg:
            plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
            tables = {m for line in plan for m in _PG_SCAN.findall(line)}
        else:
            plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            tables = {m[1] for line in plan if (m := _SQLITE_SCAN.match(line))}
        # A plan names a table by its alias where the statement gives one ("FROM records r", "records AS r").
        aliases = dict((alias, table) for table, alias in _ALIASED.findall(statement))
        named = {aliases.get(t, t) for t in tables}
        found.extend((table, statement) for table in sorted(named & big))
    return found
