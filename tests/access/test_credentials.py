"""Tokens, accounts, sessions and purpose-bound reads, as stored: what they grant, when they stop, and
that the store never holds a token, a session cookie or a password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from credence.access import accounts, reads, tokens
from credence.access.principal import Principal, Role
from credence.access.startup import startup_problems
from credence.cli.main import app
from credence.log import store as log
from credence.store.models import AccessRead, Account, ApiToken, LogEntry, WebSession

from helpers import USCC_A, row, write_csv

PASSWORD = "correct horse battery staple"


def dump(engine) -> str:
    """Every value the credential tables hold, to look for secrets in."""
    with engine.connect() as conn:
        rows = [r for model in (ApiToken, Account, WebSession) for r in conn.execute(select(model))]
    return "\n".join(str(tuple(r)) for r in rows)


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_token_grants_its_role_until_revoked_or_expired(engine, clock) -> None:
    now = clock.now()
    with engine.begin() as conn:
        token_id, secret = tokens.create_token(
            conn, name="SAMR licensing", role=Role.DEPARTMENT, department="samr", days=30, now=now
        )
    assert secret.startswith("cred_") and len(secret) > 40
    assert secret not in dump(engine)  # only its hash is kept
    with engine.connect() as conn:
        found = tokens.authenticate(conn, secret, now)
        assert found is not None
        assert (found.role, found.department, found.token_id) == (Role.DEPARTMENT, "SAMR", token_id)
        assert "SAMR licensing" in found.actor
        assert tokens.authenticate(conn, secret + "x", now) is None
        assert tokens.authenticate(conn, secret, now + timedelta(days=30)) is None  # expired
        assert tokens.authenticate(conn, secret, now + timedelta(days=29)) is not None
    with engine.begin() as conn:
        assert tokens.revoke(conn, token_id, now)
        assert not tokens.revoke(conn, token_id, now)  # already revoked
    with engine.connect() as conn:
        assert tokens.authenticate(conn, secret, now) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "department"}, "department: a department role needs the department's code"),
        ({"role": "organisation", "organisation_code": "91110000600037341X"}, "organisation: "),
        ({"role": "organisation", "organisation_code": "71110000MJ0000000X"}, "organisation: "),
        ({"role": "operator", "department": "SAMR"}, "department: only the department role"),
        ({"role": "public"}, "role: public is everyone"),
        ({"role": "king"}, "role: 'king' is not a role"),
    ],
)
def test_a_token_for_the_wrong_subject_is_refused_and_nothing_is_stored(
    engine, clock, kwargs, message
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")), engine.begin() as conn:
        tokens.create_token(conn, name="x", days=10, now=clock.now(), **kwargs)
    assert count(engine, ApiToken) == 0


def test_an_organisation_token_acts_for_its_canonical_code(engine, clock) -> None:
    with engine.begin() as conn:
        _, secret = tokens.create_token(
            conn, name="self", role="organisation", organisation_code=USCC_A.lower(), days=1, now=clock.now()
        )
        found = tokens.authenticate(conn, secret, clock.now())
    assert found is not None and found.organisation_code == USCC_A and found.actor == f"organisation:{USCC_A}"


def test_passwords_are_argon2_and_sessions_expire_and_end(engine, clock) -> None:
    now = clock.now()
    with engine.begin() as conn:
        account_id = accounts.add_account(
            conn, username="wang.li", password=PASSWORD, role="department", department="SAMR", now=now
        )
    stored = dump(engine)
    assert PASSWORD not in stored and "$argon2id$" in stored
    with engine.begin() as conn:
        assert accounts.check_password(conn, "wang.li", "wrong password here", now) is None
        assert accounts.check_password(conn, "nobody", PASSWORD, now) is None
        found = accounts.check_password(conn, "wang.li", PASSWORD, now)
        assert found is not None and found[0] == account_id and found[1].department == "SAMR"
        cookie = accounts.start_session(conn, account_id, now, hours=12)
    assert cookie not in dump(engine)
    with engine.begin() as conn:
        assert accounts.session_principal(conn, cookie, now + timedelta(hours=11)) is not None
        assert accounts.session_principal(conn, cookie, now + timedelta(hours=12)) is None  # expired
        accounts.end_session(conn, cookie, now)
        assert accounts.session_principal(conn, cookie, now) is None  # signed out


def test_disabling_an_account_ends_its_sessions_and_its_sign_in(engine, clock) -> None:
    now = clock.now()
    with engine.begin() as conn:
        account_id = accounts.add_account(conn, username="op", password=PASSWORD, role="operator", now=now)
        cookie = accounts.start_session(conn, account_id, now, hours=12)
        assert accounts.operator_exists(conn)
        assert accounts.disable(conn, "op", now)
        assert accounts.session_principal(conn, cookie, now) is None
        assert accounts.check_password(conn, "op", PASSWORD, now) is None
        assert not accounts.operator_exists(conn)


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("li", "short", "password: at least 12 characters (it has 5)"),
        ("two words", PASSWORD, "username: 1 to 100 printable characters without spaces"),
    ],
)
def test_a_bad_account_is_refused_and_nothing_is_stored(engine, clock, username, password, message) -> None:
    with (
        pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")),
        engine.begin() as conn,
    ):
        accounts.add_account(conn, username=username, password=password, role="auditor", now=clock.now())
    assert count(engine, Account) == 0


def test_a_taken_user_name_is_refused(engine, clock) -> None:
    with engine.begin() as conn:
        accounts.add_account(conn, username="li", password=PASSWORD, role="auditor", now=clock.now())
    with pytest.raises(ValueError, match="username: 'li' is taken"), engine.begin() as conn:
        accounts.add_account(conn, username="li", password=PASSWORD, role="operator", now=clock.now())
    assert count(engine, Account) == 1


def test_a_read_is_kept_and_logged_and_an_unknown_purpose_stores_nothing(
    engine, clock, service, tmp_path
) -> None:
    service.ingest_file(write_csv(tmp_path / "a.csv", [row(1)]), "SAMR")
    with engine.connect() as conn:
        org_id = conn.execute(text("SELECT id FROM organisations")).scalar_one()
        principal = Principal(Role.DEPARTMENT, department="SAMR", via="token 'sys' (#1)", token_id=1)
        size = log.head(conn).size
    with (
        pytest.raises(
            reads.UnknownPurpose, match="purpose: this is not a purpose; choose one of licensing_review"
        ),
        engine.begin() as conn,
    ):
        reads.record_read(conn, principal, org_id, "curiosity", "records", clock.now())
    assert count(engine, AccessRead) == 0
    with engine.begin() as conn:
        reads.record_read(conn, principal, org_id, "procurement_check", "records", clock.now())
    with engine.connect() as conn:
        (read,) = reads.reads_of(conn, org_id)
        entry = conn.execute(select(LogEntry).order_by(LogEntry.idx.desc())).first()
        assert log.head(conn).size == size + 1
    assert (read.purpose, read.department, read.role) == ("procurement_check", "SAMR", "department")
    assert entry is not None and entry.kind == "access.read" and not entry.public
    assert "procurement_check" in (entry.content or "")


def test_outside_demo_mode_the_server_needs_a_secret_a_log_key_and_an_operator(
    engine, settings, clock, tmp_path
) -> None:
    problems = startup_problems(settings, engine)
    assert [p.split(":")[0] for p in problems] == [
        "CREDENCE_SECRET_KEY",
        "CREDENCE_LOG_KEY_PATH",
        "no operator account",
    ]
    assert startup_problems(settings.model_copy(update={"demo_mode": True}), engine) == []
    key = tmp_path / "log.pem"
    key.write_text("not checked here")
    with engine.begin() as conn:
        accounts.add_account(conn, username="op", password=PASSWORD, role="operator", now=clock.now())
    ready = settings.model_copy(update={"secret_key": SecretStr("s" * 40), "log_key_path": key})
    assert startup_problems(ready, engine) == []


def test_the_token_and_user_commands(store_url, engine, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"CREDENCE_DATABASE_URL": store_url}

    def cli(*args: str, **extra: str):
        return runner.invoke(app, list(args), env={**env, **extra})

    made = cli("token", "create", "--role", "department", "--department", "SAMR", "--name", "SAMR system")
    assert made.exit_code == 0, made.output
    secret = made.output.split()[-1]
    assert secret.startswith("cred_")
    listed = cli("token", "list")
    assert "SAMR system" in listed.output and "active" in listed.output and secret not in listed.output
    bad = cli("token", "create", "--role", "department", "--department", "NOPE", "--name", "x")
    assert bad.exit_code == 2 and "--department: 'NOPE' is not a department of the catalog" in bad.output
    assert cli("token", "revoke", "1").exit_code == 0
    assert cli("token", "revoke", "1").exit_code == 1
    assert "revoked" in cli("token", "list").output

    added = cli("user", "add", "op", "--role", "operator", CREDENCE_NEW_PASSWORD=PASSWORD)
    assert added.exit_code == 0, added.output
    short = cli("user", "add", "op2", "--role", "operator", CREDENCE_NEW_PASSWORD="short")
    assert short.exit_code == 2 and "password: at least 12 characters" in short.output
    assert "op" in cli("user", "list").output and PASSWORD not in cli("user", "list").output
    assert cli("user", "disable", "op").exit_code == 0
    assert cli("user", "disable", "nobody").exit_code == 1


def test_serve_refuses_to_start_outside_demo_mode_without_what_it_needs(
    store_url, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["serve", "--port", "8999"], env={"CREDENCE_DATABASE_URL": store_url})
    assert result.exit_code == 1
    for needed in ("CREDENCE_SECRET_KEY", "CREDENCE_LOG_KEY_PATH", "no operator account"):
        assert needed in result.output


def test_reads_recorded_at_once_are_all_kept_and_logged_in_shared_commits(
    engine, clock, service, tmp_path
) -> None:
    import threading

    service.ingest_file(write_csv(tmp_path / "a.csv", [row(1)]), "SAMR")
    with engine.connect() as conn:
        org_id = conn.execute(text("SELECT id FROM organisations")).scalar_one()
        size = log.head(conn).size

    class Ticking:
        """A clock a microsecond later at each reading: each commit takes one, so times count commits."""

        def __init__(self) -> None:
            self.n = 0

        def now(self):
            self.n += 1
            return clock.now() + timedelta(microseconds=self.n)

    recorder = reads.ReadRecorder(engine, Ticking())
    principal = Principal(Role.DEPARTMENT, department="SAMR", via="token 'sys' (#1)", token_id=1)
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def one(n: int) -> None:
        try:
            with recorder.expecting():
                start.wait()
                recorder.record(principal, org_id, "enforcement", f"read {n}")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with engine.connect() as conn:
        kept = sorted(r.what for r in reads.reads_of(conn, org_id))
        entries = conn.execute(select(LogEntry.kind, LogEntry.at).where(LogEntry.idx >= size)).all()
    assert kept == sorted(f"read {n}" for n in range(8))
    assert [k for k, _ in entries] == ["access.read"] * 8
    assert len({at for _, at in entries}) < 8  # at least two reads shared a commit
    with pytest.raises(reads.UnknownPurpose), recorder.expecting():
        recorder.record(principal, org_id, "curiosity", "x")
    assert recorder._expected == 0  # nothing left waiting
