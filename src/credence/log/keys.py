"""The log's signing key: an Ed25519 private key in a PEM file, and the signer that makes checkpoints with it.

Outside demo mode the key is a file the operator made (`credence log keygen PATH`) and names with
CREDENCE_LOG_KEY_PATH. A demo registry makes its own beside its SQLite store (credence.db ->
credence.log-key.pem), or for a store that is not a file, in the temporary directory under a name derived
from the store's URL, so that a restarted demo still signs with the key its earlier checkpoints verify under.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy.engine import make_url

from credence.log import checkpoint
from credence.settings import Settings

DEMO_KEY_SUFFIX = ".log-key.pem"


class LogKeyError(ValueError):
    """A log key that is missing, unreadable or not an Ed25519 private key; the message names the file."""


@dataclass(frozen=True)
class LogSigner:
    """Signs the log's checkpoints. The origin is also the key's name, as in the Go sumdb and C2SP logs."""

    origin: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        try:
            checkpoint.verifier_key(self.origin, self.private_key.public_key())
        except checkpoint.CheckpointError as exc:
            raise LogKeyError(f"CREDENCE_LOG_ORIGIN {self.origin!r} cannot name a log key: {exc}") from None

    def verifier_key(self) -> str:
        """The one line a verifier needs: <origin>+<key id>+<public key>."""
        return checkpoint.verifier_key(self.origin, self.private_key.public_key())

    def sign(self, size: int, root: bytes) -> str:
        """The signed checkpoint note of the tree head (size, root)."""
        return checkpoint.sign(checkpoint.body(self.origin, size, root), self.origin, self.private_key)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file, or LogKeyError saying what is wrong with the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LogKeyError(f"log key {path}: no such file (`credence log keygen {path}` makes one)") from None
    except OSError as exc:
        raise LogKeyError(f"log key {path}: cannot be read: {exc.strerror}") from None
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        raise LogKeyError(f"log key {path}: the key is encrypted; give an unencrypted PEM key") from None
    except ValueError:
        raise LogKeyError(f"log key {path}: not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LogKeyError(f"log key {path}: not an Ed25519 key but {type(key).__name__}")
    return key


def keygen(path: Path) -> Ed25519PrivateKey:
    """Write a new Ed25519 private key to `path` (PEM, PKCS#8, readable by its owner only); never over
    an existing file, whose checkpoints would no longer verify under a new key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise LogKeyError(
            f"log key {path}: the file exists; a new key is never written over one "
            "(the checkpoints it signed would no longer verify)"
        ) from None
    except OSError as exc:
        raise LogKeyError(f"log key {path}: cannot be written: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, pem)
    finally:
        os.close(fd)
    return key


def demo_key_path(database_url: str) -> Path:
    """Where a demo registry keeps its log key: beside a SQLite store file, else in the temp directory."""
    url = make_url(database_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        store = Path(database)
        return store.with_name(store.stem + DEMO_KEY_SUFFIX)
    digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"credence-{digest}{DEMO_KEY_SUFFIX}"


def demo_key(database_url: str) -> Ed25519PrivateKey:
    """The demo registry's key, made the first time (two processes starting at once share one key)."""
    path = demo_key_path(database_url)
    if not path.exists():
        try:
            keygen(path)
        except LogKeyError:
            if not path.exists():  # lost a race to another process: use its key
                raise
    return load_private_key(path)


def signer_for(settings: Settings, *, use_demo_key: bool = False) -> LogSigner:
    """The signer of this registry's log: the key at CREDENCE_LOG_KEY_PATH; without one, in demo mode, the
    demo key (made when absent). `use_demo_key` also allows an existing demo key outside demo mode (the
    command line beside a demo server)."""
    if settings.log_key_path is not None:
        return LogSigner(settings.log_origin, load_private_key(settings.log_key_path))
    if settings.demo_mode:
        return LogSigner(settings.log_origin, demo_key(settings.database_url))
    demo = demo_key_path(settings.database_url)
    if use_demo_key and demo.exists():
        return LogSigner(settings.log_origin, load_private_key(demo))
    raise LogKeyError(
        "no log key: set CREDENCE_LOG_KEY_PATH to the Ed25519 key that signs the log's checkpoints "
        "(`credence log keygen PATH` makes one); only a demo registry makes its own"
    )
