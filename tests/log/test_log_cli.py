"""`credence log ...` as an operator and an auditor use it: what it prints and its exit codes (0 verified,
1 a problem named, 2 unusable arguments)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from credence.log import checkpoint, store
from credence.server import create_app
from credence.settings import Settings
from credence.store.models import LogEntry
from serving import serving

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
ORIGIN = "credence.test/log"

Cli = Callable[..., Any]


def grow(engine: Engine, count: int, start: int = 0) -> None:
    with engine.begin() as conn:
        store.append(
            conn,
            [
                store.Event("list.step", f"list_entry:{n}", {"step": n}, public=n % 2 == 0)
                for n in range(start, start + count)
            ],
            AT,
        )


@pytest.fixture
def env(store_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "CREDENCE_DATABASE_URL": store_url,
        "CREDENCE_LOG_KEY_PATH": str(tmp_path / "log-key.pem"),
        "CREDENCE_LOG_ORIGIN": ORIGIN,
    }


@pytest.fixture
def cli(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, **extra: str) -> Any:
        from credence.cli.main import app

        return runner.invoke(app, list(args), env={**env, **extra})

    return invoke


@pytest.fixture
def keyed(cli: Cli, env: dict[str, str]) -> str:
    """The operator has made the log's key; its verifier key."""
    made = cli("log", "keygen", env["CREDENCE_LOG_KEY_PATH"])
    assert made.exit_code == 0, made.output
    return str(made.stdout.splitlines()[-1])


def test_keygen_prints_the_verifier_key_and_never_overwrites(
    cli: Cli, env: dict[str, str], keyed: str
) -> None:
    path = Path(env["CREDENCE_LOG_KEY_PATH"])
    assert checkpoint.parse_verifier_key(keyed).name == ORIGIN
    assert cli("log", "key").stdout.strip() == keyed
    before = path.read_bytes()
    again = cli("log", "keygen", str(path))
    assert again.exit_code == 2 and f"log key {path}: the file exists" in again.output
    assert path.read_bytes() == before


def test_without_a_key_the_commands_that_sign_say_how_to_make_one(cli: Cli, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.pem")
    for args in (("log", "key"), ("log", "checkpoint"), ("log", "verify")):
        done = cli(*args, CREDENCE_LOG_KEY_PATH=missing)
        assert done.exit_code == 2 and f"log key {missing}: no such file" in done.output, args


def test_checkpoint_verify_and_show(cli: Cli, engine: Engine, keyed: str) -> None:
    grow(engine, 20)
    made = cli("log", "checkpoint")
    assert made.exit_code == 0 and made.stdout.startswith("checkpoint #1 signed at 20 entries, root ")
    note = made.stdout.split("\n", 1)[1]
    assert checkpoint.open_note(note, keyed, origin=ORIGIN).size == 20
    assert cli("log", "checkpoint").stdout.startswith("checkpoint #1 still signs 20 entries")
    assert cli("log", "checkpoint", "--force").stdout.startswith("checkpoint #2 signed at 20 entries")
    grow(engine, 5, start=20)
    verified = cli("log", "verify")
    assert verified.exit_code == 0, verified.output
    assert "the log verifies: 25 entries (0 with content erased), 1 stored subtree, 2 checkpoints" in (
        verified.stdout
    )
    as_json = json.loads(cli("log", "verify", "--json").stdout)
    assert as_json["ok"] is True and as_json["entries"] == 25 and as_json["problem"] is None
    shown = cli("log", "show", "4")
    assert shown.exit_code == 0
    assert "entry 4: list.step at 2026-11-25 09:30:00.000000 UTC" in shown.stdout
    assert 'content     {"step":4}' in shown.stdout
    assert (
        "in checkpoint #2 (size 20, root " in shown.stdout
        and "inclusion proof of 5 hashes verifies" in shown.stdout
    )
    hidden = cli("log", "show", "5")
    assert "not public" in hidden.stdout and '{"step":5}' not in hidden.stdout
    late = cli("log", "show", "22")
    assert late.exit_code == 0 and "not yet in a checkpoint (the latest, #2, signs 20 entries)" in late.stdout
    proof = json.loads(cli("log", "show", "4", "--json").stdout)["proof"]
    assert proof["verifies"] is True and proof["size"] == 20 and len(proof["hashes"]) == 5
    missing = cli("log", "show", "25")
    assert missing.exit_code == 1 and "the log has no entry 25; it has 25 entries" in missing.output


def test_verify_fails_naming_the_first_bad_index(cli: Cli, engine: Engine, keyed: str) -> None:
    grow(engine, 30)
    assert cli("log", "checkpoint").exit_code == 0
    with engine.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 17).values(content='{"step":1}'))
    failed = cli("log", "verify")
    assert failed.exit_code == 1
    assert "entry 17: its ref, organisation or content do not match its commitment" in failed.output
    as_json = json.loads(cli("log", "verify", "--json").stdout)
    assert as_json["ok"] is False and as_json["problem"].startswith("entry 17: ")


def test_an_auditor_verifies_with_the_published_key_alone(
    cli: Cli, engine: Engine, keyed: str, tmp_path: Path
) -> None:
    grow(engine, 3)
    assert cli("log", "checkpoint").exit_code == 0
    key_file = tmp_path / "verifier.key"
    key_file.write_text(keyed + "\n")
    nowhere = str(tmp_path / "auditor-has-no-private-key.pem")
    assert cli("log", "verify", "--key", str(key_file), CREDENCE_LOG_KEY_PATH=nowhere).exit_code == 0
    assert cli("log", "verify", "--key", keyed, CREDENCE_LOG_KEY_PATH=nowhere).exit_code == 0
    other = cli("log", "keygen", str(tmp_path / "other.pem")).stdout.splitlines()[-1]
    wrong = cli("log", "verify", "--key", other)
    assert wrong.exit_code == 1 and "checkpoint #1: signature does not verify: unknown key" in wrong.output


def test_unusable_arguments_exit_2(cli: Cli, keyed: str, tmp_path: Path) -> None:
    bad = cli("log", "verify", "--key", "not-a-key")
    assert (
        bad.exit_code == 2 and "--key: verifier key 'not-a-key': a verifier key has three parts" in bad.output
    )
    state = cli("log", "verify", "--state", str(tmp_path / "s.json"))
    assert state.exit_code == 2 and "--state goes with --remote" in state.output
    no_key = cli("log", "verify", "--remote", "http://127.0.0.1:9")
    assert no_key.exit_code == 2 and "--remote needs --key" in no_key.output
    assert cli("log", "show", "-1").exit_code == 2


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 (uvicorn in a thread) while the block runs."""
    from credence.clock import FixedClock

    with serving(create_app(settings, FixedClock(AT))) as url:
        yield url


def test_verify_a_running_registry_from_outside(
    cli: Cli, engine: Engine, env: dict[str, str], keyed: str, tmp_path: Path
) -> None:
    grow(engine, 40)
    assert cli("log", "checkpoint").exit_code == 0
    grow(engine, 9, start=40)
    assert cli("log", "checkpoint").exit_code == 0
    settings = Settings(
        database_url=env["CREDENCE_DATABASE_URL"],
        log_key_path=Path(env["CREDENCE_LOG_KEY_PATH"]),
        log_origin=ORIGIN,
    )
    state = tmp_path / "state.json"
    with served(settings) as url:
        done = cli("log", "verify", "--remote", url, "--key", keyed, "--state", str(state), "--sample", "10")
        assert done.exit_code == 0, done.output
        assert (
            f"{url}: the log verifies: 2 checkpoint signatures, 1 consistency proofs, 10 entries proved"
            in (done.stdout)
        )
        again = json.loads(
            cli("log", "verify", "--remote", url, "--key", keyed, "--state", str(state), "--json").stdout
        )
        assert again["ok"] is True and again["remembered_size"] == 49 and again["entries_proved"] == 32
        other = cli("log", "keygen", str(tmp_path / "other.pem")).stdout.splitlines()[-1]
        wrong = cli("log", "verify", "--remote", url, "--key", other)
        assert wrong.exit_code == 1 and "signature does not verify: unknown key" in wrong.output
    gone = cli("log", "verify", "--remote", url, "--key", keyed)
    assert gone.exit_code == 2 and f"cannot read {url}/api/v1/log/checkpoints" in gone.output


def test_the_server_signs_checkpoints_on_its_schedule(
    engine: Engine, env: dict[str, str], keyed: str
) -> None:
    import typer

    from credence.cli.log import checkpoint_schedule
    from credence.clock import FixedClock
    from credence.log import checkpoints

    grow(engine, 6)
    settings = Settings(
        database_url=env["CREDENCE_DATABASE_URL"],
        log_key_path=Path(env["CREDENCE_LOG_KEY_PATH"]),
        log_origin=ORIGIN,
        checkpoint_interval_seconds=3600,
    )
    registry = create_app(settings, FixedClock(AT)).state.registry
    schedule = checkpoint_schedule(registry)
    assert schedule is not None
    deadline = time.monotonic() + 20
    while schedule.runs < 1 and time.monotonic() < deadline:  # it signs once at start, then each hour
        time.sleep(0.02)
    schedule.stop()
    with engine.connect() as conn:
        made = checkpoints.latest(conn)
    assert made is not None and made.size == 6 and made.at == AT
    off = registry.settings.model_copy(update={"checkpoint_interval_seconds": 0})
    registry.settings = off
    assert checkpoint_schedule(registry) is None
    registry.settings = off.model_copy(update={"log_key_path": Path(env["CREDENCE_LOG_KEY_PATH"] + ".gone")})
    with pytest.raises(typer.Exit) as refused:
        checkpoint_schedule(registry)
    assert refused.value.exit_code == 1
