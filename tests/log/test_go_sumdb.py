"""Credence's checkpoints and proofs, checked by Go's own code for the Go checksum database.

tests/log/goverify is a small Go program that reads a served registry's API and checks it with
golang.org/x/mod/sumdb/note (the signed checkpoints) and golang.org/x/mod/sumdb/tlog (the consistency and
inclusion proofs, and the leaf hashes). It is built offline, in GOPATH mode, from Debian's packages
golang-go and golang-golang-x-mod-dev; where they are not installed, these tests are skipped and say so.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from old_leaves import append_v1
from sqlalchemy import Engine, insert, update

from credence.clock import FixedClock
from credence.log import checkpoint, checkpoints, store
from credence.log.keys import LogSigner
from credence.server import create_app
from credence.settings import Settings
from credence.store.models import LogCheckpoint, LogEntry
from serving import serving

SOURCE = Path(__file__).resolve().parent / "goverify"
GOPATH = Path("/usr/share/gocode")
SUMDB = GOPATH / "src" / "golang.org" / "x" / "mod" / "sumdb"
AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
ORIGIN = "credence.test/log"
# A key whose verifier key's base64 holds a '+':
# credence.test/log+a300e43b+AROY9ixtGkV8UbpqS189vS9p/KkyFiGNyJl+QWvRfZPK
KEY = Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32)
BATCHES = (1, 2, 5, 16, 17, 40)  # checkpoints at sizes 1, 3, 8, 24, 41 and 81


def offline_go_env(cache: Path) -> dict[str, str]:
    """The environment to build with: GOPATH mode over Debian's sources, no module proxy, no download."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GO")}
    env.update(GO111MODULE="off", GOPATH=str(GOPATH), GOPROXY="off", GOFLAGS="", GOTOOLCHAIN="local")
    env["GOCACHE"] = str(cache)
    return env


@pytest.fixture(scope="module")
def goverify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go verifier, built into a temporary directory; the tests are skipped where it cannot be."""
    go = shutil.which("go")
    install = "apt-get install golang-go golang-golang-x-mod-dev"
    if go is None:
        pytest.skip(f"Go is not installed; the check with Go's sumdb needs it: {install}")
    if not SUMDB.is_dir():
        pytest.skip(f"{SUMDB} is missing; the check with Go's sumdb needs it: {install}")
    out = tmp_path_factory.mktemp("goverify")
    built = subprocess.run(
        [go, "build", "-o", str(out / "goverify"), "."],
        cwd=SOURCE,
        env=offline_go_env(out / "cache"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    return out / "goverify"


@pytest.fixture
def registry(engine: Engine, settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[str]:
    """A served log of 81 entries (a third of them not public) under six checkpoints; the first three have
    version-1 leaves, as appended before migration 0011."""
    pem = tmp_path / "log-key.pem"
    pem.write_bytes(KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    signer = LogSigner(ORIGIN, KEY)
    n = 0
    for count in BATCHES:
        events = [
            store.Event("list.step", f"list_entry:{i}", {"step": i, "fine": i * 100}, public=i % 3 != 0)
            for i in range(n, n + count)
        ]
        with engine.begin() as conn:
            (append_v1 if n < 3 else store.append)(conn, events, AT)  # entries 0..2: version-1 leaves
            checkpoints.make_checkpoint(conn, signer, AT)
        n += count
    served = settings.model_copy(update={"log_key_path": pem, "log_origin": ORIGIN})
    with serving(create_app(served, clock)) as url:
        yield url


def verify(goverify: Path, url: str) -> subprocess.CompletedProcess[str]:
    key = LogSigner(ORIGIN, KEY).verifier_key()
    env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
    return subprocess.run([str(goverify), url, key], capture_output=True, text=True, timeout=120, env=env)


def test_go_sumdb_verifies_credence_checkpoints_and_proofs(
    goverify: Path, registry: str, engine: Engine
) -> None:
    done = verify(goverify, registry)
    assert done.returncode == 0, done.stderr
    with engine.connect() as conn:
        root = store.head(conn).root
    assert done.stdout == (
        "go sumdb verifies: 6 checkpoints, 5 consistency proofs, 81 entries proved (54 public) in size 81, "
        f"root {base64.b64encode(root).decode()}\n"
    )


@pytest.mark.parametrize(
    ("forgery", "refusal"),
    [
        ("another key under the log's name", "note has no verifiable signatures"),
        ("a changed root", "invalid signature for key credence.test/log+a300e43b"),
    ],
)
def test_go_sumdb_refuses_a_forged_checkpoint(
    goverify: Path, registry: str, engine: Engine, forgery: str, refusal: str
) -> None:
    with engine.begin() as conn:
        head = store.head(conn)
        text = checkpoint.body(ORIGIN, head.size, head.root)
        if forgery == "a changed root":
            genuine = checkpoint.sign(text, ORIGIN, KEY)
            note = genuine.replace(text, checkpoint.body(ORIGIN, head.size, bytes(32)), 1)
        else:
            note = checkpoint.sign(text, ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32))
        conn.execute(insert(LogCheckpoint).values(size=head.size, root=head.root, note=note, at=AT))
    done = verify(goverify, registry)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"goverify: checkpoint does not verify: {refusal}\n"  # note.Open's words


@pytest.mark.parametrize(
    ("values", "refusal"),
    [
        (
            {"kind": "list.delisted"},
            "its leaf hash is not that of its index, kind, time, public flag and commitment",
        ),
        ({"public": True}, "its leaf hash is not that of its index, kind, time, public flag and commitment"),
        ({"ref": "list_entry:999"}, "its content does not match its commitment"),
    ],
    ids=["kind", "public", "ref"],
)
def test_go_sumdb_refuses_an_entry_that_was_changed(
    goverify: Path, registry: str, engine: Engine, values: dict[str, object], refusal: str
) -> None:
    with engine.begin() as conn:  # entry 30 is not public; entry 31 is
        conn.execute(update(LogEntry).where(LogEntry.idx == (31 if "ref" in values else 30)).values(**values))
    done = verify(goverify, registry)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"goverify: entry {31 if 'ref' in values else 30}: {refusal}\n"
