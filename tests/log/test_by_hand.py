"""The by-hand verifier of docs/log-verification.md, run as published against a served log.

The script is read out of the docs at every run (only its BASE and KEY lines are pointed at the test's
registry), so the docs and this test cannot drift apart. It must pass a genuine checkpoint, whether or not
the key's base64 holds a '+', with a witness's cosignature, or with extension lines; and fail, with exit
status 1 and the reason, on a checkpoint that no signature by the key vouches for, on one whose text or
signature was changed, and on an entry that is not what the log committed to. Failures are checked under
`python -O` too: a verifier that relied on `assert` would pass everything there.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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

DOC = Path(__file__).resolve().parents[2] / "docs" / "log-verification.md"
AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
ORIGIN = "credence.test/log"
KEYS = {
    # credence.test/log+a300e43b+AROY9ixtGkV8UbpqS189vS9p/KkyFiGNyJl+QWvRfZPK
    "key with +": Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32),
    # credence.test/log+ba36bd3d+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c
    "key without +": Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32),
}
OTHER = Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32)  # a key the verifier was not given
WITNESS = "witness.test/w1"
SIZE = 11  # entries in the test log; the script checks entry 1


def published_script() -> str:
    """The one Python block of the section "By hand", as the docs show it."""
    section = DOC.read_text("utf-8").split("\n### By hand\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "the section 'By hand' of docs/log-verification.md has one Python block"
    return str(blocks[0])


def pointed_at(script: str, base: str, key: str) -> str:
    """The script with its BASE and KEY lines set to this registry and key, and nothing else changed."""
    lines = script.split("\n")
    for name, value in (("BASE", base), ("KEY", key)):
        found = [number for number, line in enumerate(lines) if line.startswith(f"{name} = ")]
        assert len(found) == 1, f"the published script sets {name} on one line"
        lines[found[0]] = f"{name} = {value!r}"
    return "\n".join(lines)


@dataclass
class Registry:
    """A served log of SIZE entries with two genuine checkpoints, and the script pointed at it."""

    url: str
    engine: Engine
    signer: LogSigner
    script: Path
    leaves: int  # the version of the leaves of entries 0 to 3

    @property
    def key(self) -> str:
        return self.signer.verifier_key()

    @property
    def signer_id(self) -> str:
        """<name>+<key id>, as the script names the key."""
        name, key_id, _ = self.key.split("+", 2)
        return f"{name}+{key_id}"

    def genuine_text(self) -> str:
        with self.engine.connect() as conn:
            head = store.head(conn)
        return checkpoint.body(ORIGIN, head.size, head.root)

    def publish(self, note: str) -> None:
        """Serve `note` as the latest checkpoint (stored beside the log's true size and root)."""
        with self.engine.begin() as conn:
            head = store.head(conn)
            conn.execute(insert(LogCheckpoint).values(size=head.size, root=head.root, note=note, at=AT))

    def run(self, *flags: str) -> subprocess.CompletedProcess[str]:
        env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
        return subprocess.run(
            [sys.executable, *flags, str(self.script)], capture_output=True, text=True, timeout=60, env=env
        )


@pytest.fixture(
    params=[("key with +", 2), ("key without +", 2), ("key with +", 1)],
    ids=["key with +", "key without +", "version-1 leaf"],
)
def registry(
    request: pytest.FixtureRequest, engine: Engine, settings: Settings, clock: FixedClock, tmp_path: Path
) -> Iterator[Registry]:
    """The log's first four entries, entry 1 among them, have leaves of the version of the parameter (1:
    appended before migration 0011); the rest have version-2 leaves."""
    name, first_leaves = request.param
    private_key = KEYS[name]
    signer = LogSigner(ORIGIN, private_key)
    assert ("+" in signer.verifier_key().split("+", 2)[2]) == (name == "key with +")
    pem = tmp_path / "log-key.pem"
    pem.write_bytes(private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    n = 0
    for count in (4, SIZE - 4):
        events = [
            store.Event("list.step", f"list_entry:{i}", {"step": i}, public=i % 3 != 0)
            for i in range(n, n + count)
        ]
        with engine.begin() as conn:
            (append_v1 if n == 0 and first_leaves == 1 else store.append)(conn, events, AT)
            checkpoints.make_checkpoint(conn, signer, AT)
        n += count
    served = settings.model_copy(update={"log_key_path": pem, "log_origin": ORIGIN})
    with serving(create_app(served, clock)) as url:
        script = tmp_path / "verify.py"
        script.write_text(pointed_at(published_script(), f"{url}/api/v1", signer.verifier_key()), "utf-8")
        yield Registry(url, engine, signer, script, first_leaves)


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    return checkpoint.sign(text, name, private_key)


def signature_lines(note: str) -> str:
    return note.rpartition("\n\n")[2]


def assert_verifies(registry: Registry) -> None:
    for flags in ((), ("-O",)):
        done = registry.run(*flags)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert done.stdout == f"entry 1 is in the log of {SIZE} entries signed by {ORIGIN}\n"


def assert_fails(registry: Registry, reason: str) -> None:
    """Exit status 1 and the reason on stderr, also under python -O (which drops every assert)."""
    for flags in ((), ("-O",)):
        done = registry.run(*flags)
        assert (done.returncode, done.stdout) == (1, ""), (flags, done.stdout, done.stderr)
        assert done.stderr == f"does not verify: {reason}\n", (flags, done.stderr)


# --- What must pass -----------------------------------------------------------------------------------


def test_the_published_script_verifies_a_genuine_checkpoint(registry: Registry) -> None:
    assert_verifies(registry)


def test_a_cosignature_by_a_key_it_does_not_know_is_ignored(registry: Registry) -> None:
    text = registry.genuine_text()
    genuine = sign(text, ORIGIN, registry.signer.private_key)
    registry.publish(genuine + signature_lines(sign(text, WITNESS, OTHER)))
    assert_verifies(registry)


def test_a_checkpoint_with_extension_lines_verifies(registry: Registry) -> None:
    text = registry.genuine_text() + "an extension line\nanother \u2014 with a dash and spaces\n"
    registry.publish(sign(text, ORIGIN, registry.signer.private_key))
    assert_verifies(registry)


# --- What must fail -----------------------------------------------------------------------------------


def tamper_signature(note: str) -> str:
    text, _, line = note.rpartition("\n\n")
    prefix, encoded = line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 0x01  # inside the Ed25519 signature, after the 4-byte key id
    return f"{text}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"


def tamper_root(note: str) -> str:
    root = note.split("\n")[2]
    return note.replace(root, base64.b64encode(hashlib.sha256(b"forged").digest()).decode(), 1)


Forgery = Callable[[Registry], str]
FORGERIES: dict[str, tuple[Forgery, str]] = {
    "signed only by a key it does not know": (
        lambda r: sign(r.genuine_text(), WITNESS, OTHER),
        "no signature by {signer}",
    ),
    "signed by another key under the log's name": (
        lambda r: sign(r.genuine_text(), ORIGIN, OTHER),
        "no signature by {signer}",
    ),
    "not signed at all": (lambda r: r.genuine_text() + "\n", "no signature by {signer}"),
    "root hash changed": (
        lambda r: tamper_root(sign(r.genuine_text(), ORIGIN, r.signer.private_key)),
        "bad signature by {signer}",
    ),
    "signature changed": (
        lambda r: tamper_signature(sign(r.genuine_text(), ORIGIN, r.signer.private_key)),
        "bad signature by {signer}",
    ),
    "signed, but of another log": (
        lambda r: sign(r.genuine_text().replace(ORIGIN, "other.test/log", 1), ORIGIN, r.signer.private_key),
        "the checkpoint is of the log other.test/log, not of credence.test/log",
    ),
    "signed, but with an empty extension line": (
        lambda r: sign(r.genuine_text() + "\nextension\n", ORIGIN, r.signer.private_key),
        "the signed text is not a checkpoint (origin, tree size, root hash, and no empty line)",
    ),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_checkpoint_fails(registry: Registry, forgery: str) -> None:
    make, reason = FORGERIES[forgery]
    note = make(registry)
    with pytest.raises(checkpoint.CheckpointError):  # Credence's own reader refuses it too
        checkpoint.open_note(note, registry.key, origin=ORIGIN)
    registry.publish(note)
    assert_fails(registry, reason.format(signer=registry.signer_id))


def test_an_entry_whose_content_was_changed_fails(registry: Registry) -> None:
    with registry.engine.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 1).values(content='{"step":100}'))
    assert_fails(registry, "entry 1: its content does not match its commitment")


def test_an_entry_whose_kind_was_changed_fails_its_inclusion_proof(registry: Registry) -> None:
    with registry.engine.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 1).values(kind="list.delisted"))
    assert_fails(registry, f"entry 1 is not in the log of {SIZE} entries that the checkpoint signs")


def test_an_entry_whose_public_flag_or_ref_was_changed_fails(registry: Registry) -> None:
    """What an entry is about and whether it is public are in its version-2 leaf (a version-1 leaf does
    not commit to them: migration 0011 sealed them, which `credence log verify` checks from the store)."""
    if registry.leaves == 1:
        pytest.skip("a version-1 leaf does not commit to an entry's public flag or ref")
    with registry.engine.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 1).values(ref="list_entry:100"))
    assert_fails(registry, "entry 1: its content does not match its commitment")
    with registry.engine.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 1).values(ref="list_entry:1", public=False))
    assert_fails(registry, f"entry 1 is not in the log of {SIZE} entries that the checkpoint signs")
