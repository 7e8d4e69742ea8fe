"""Signed checkpoints: the log's tree head as C2SP tlog-checkpoint text in a C2SP signed note, Ed25519.

A checkpoint commits the log to one tree head (origin, size, root hash); anyone given the log's one-line
verifier key can check it, and then check `merkle` proofs against it. Formats: c2sp.org/tlog-checkpoint
and c2sp.org/signed-note, as golang.org/x/mod/sumdb/note writes and reads them.

What comes from outside is read strictly and every refusal is a `CheckpointError` naming the line and
the fault. Base64 must be canonical (what this module and the Go code write). Extension lines after the
root hash, which the spec allows (opaque, optional, not recommended, never empty), are read and kept in
`Checkpoint.extensions` but mean nothing here: this log never writes them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01  # the signed-note signature type byte for Ed25519
KEY_ID_SIZE = 4
ROOT_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1  # what the Go readers accept
MAX_SIGNATURES = 100  # the spec asks readers to accept at least 16; Go stops at 100

_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_ED25519_PUBLIC_KEY_SIZE = 32
_ED25519_SIGNATURE_SIZE = 64
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}")


class CheckpointError(ValueError):
    """A checkpoint, signed note or verifier key that is malformed or does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    """A tree head the log has signed: `size` leaves under `root`, in the log named `origin`; and the
    checkpoint's extension lines, if it has any (signed with the rest, otherwise ignored)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


class VerifierKey(NamedTuple):
    """A parsed verifier key: whose it is, its 4-byte id, and the Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey


def key_id(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key id: SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]."""
    return hashlib.sha256(
        key_name.encode() + b"\n" + bytes([ED25519]) + _raw_public_key(public_key)
    ).digest()[:KEY_ID_SIZE]


def body(origin: str, size: int, root: bytes) -> str:
    """The checkpoint text: origin, decimal tree size and base64 root hash, one line each."""
    if not origin:
        raise CheckpointError("the origin is empty")
    if any(_is_control(character) for character in origin):
        raise CheckpointError(f"the origin {origin!r} contains a control character or newline")
    if not 0 <= size <= MAX_TREE_SIZE:
        raise CheckpointError(f"the tree size {size} is out of range: it must be between 0 and 2**64 - 1")
    if len(root) != ROOT_SIZE:
        raise CheckpointError(f"the root hash is {len(root)} bytes, not {ROOT_SIZE}")
    return f"{origin}\n{size:d}\n{_to_base64(root)}\n"


def sign(body: str, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note: `body`, a blank line, and one signature line by `key_name`'s key."""
    _check_name(key_name, "the key name")
    if not body.endswith("\n"):
        raise CheckpointError("the note text must end with a newline")
    _check_characters(body)
    signature = private_key.sign(body.encode())
    identifier = key_id(key_name, private_key.public_key())
    return f"{body}\n{_SIGNATURE_PREFIX}{key_name} {_to_base64(identifier + signature)}\n"


def verifier_key(key_name: str, public_key: Ed25519PublicKey) -> str:
    """The one line to give a verifier: <name>+<hex key id>+<base64(0x01 || public key)>."""
    _check_name(key_name, "the key name")
    encoded = _to_base64(bytes([ED25519]) + _raw_public_key(public_key))
    return f"{key_name}+{key_id(key_name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> VerifierKey:
    """The name, key id and Ed25519 public key of a verifier key line (surrounding whitespace ignored)."""
    text = text.strip()
    name, plus, rest = text.partition("+")
    hex_id, plus_again, encoded = rest.partition("+")
    if not (plus and plus_again):
        raise CheckpointError(
            f"verifier key {text!r}: a verifier key has three parts, <name>+<key id>+<key>, joined by '+'"
        )
    _check_name(name, "verifier key: the name")
    if not _KEY_ID_HEX.fullmatch(hex_id):
        raise CheckpointError(f"verifier key: the key id {hex_id!r} is not 8 hexadecimal digits")
    raw = _from_base64(encoded)
    if not raw:
        raise CheckpointError("verifier key: the key is not canonical standard base64")
    if raw[0] != ED25519:
        raise CheckpointError(
            f"verifier key: unknown signature type 0x{raw[0]:02x}, only Ed25519 (0x{ED25519:02x}) is known"
        )
    if len(raw) - 1 != _ED25519_PUBLIC_KEY_SIZE:
        raise CheckpointError(
            f"verifier key: the Ed25519 public key is {len(raw) - 1} bytes, not {_ED25519_PUBLIC_KEY_SIZE}"
        )
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    expected = key_id(name, public_key)
    if bytes.fromhex(hex_id) != expected:
        raise CheckpointError(
            f"verifier key: the key id {hex_id} does not match the name and key, which give {expected.hex()}"
        )
    return VerifierKey(name, expected, public_key)


def verify_note(note: str | bytes, verifier_key_text: str) -> str:
    """The text of a signed note, once a signature by the given key has verified.

    Signatures by other keys (witnesses, a rotated key) are ignored, as the spec requires, but every
    signature line must be well formed and every one by this key must verify.
    """
    key = parse_verifier_key(verifier_key_text)
    note = _as_text(note)
    _check_characters(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("no blank line between the note text and its signature lines")
    text, signatures = note[: split + 1], note[split + 2 :]
    if not signatures:
        raise CheckpointError("no signature lines after the last blank line")
    lines = signatures.split("\n")
    first = text.count("\n") + 2  # the line number of the first signature line
    if lines[-1]:
        raise CheckpointError(
            f"line {first + len(lines) - 1}: the last signature line does not end in a newline"
        )
    lines.pop()
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"the note has {len(lines)} signature lines, more than {MAX_SIGNATURES}")
    signers: list[str] = []
    verified = False
    for number, line in enumerate(lines, start=first):
        name, identifier, signature = _parse_signature_line(number, line)
        signers.append(f"{name}+{identifier.hex()}")
        if (name, identifier) != (key.name, key.key_id):
            continue
        if not _verifies(key.public_key, signature, text):
            raise CheckpointError(
                f"line {number}: bad signature by key {name}+{identifier.hex()}: not a signature of this text"
            )
        verified = True
    if not verified:
        raise CheckpointError(
            f"unknown key: no signature by {key.name}+{key.key_id.hex()}; the note is signed by "
            + ", ".join(signers)
        )
    return text


def open_note(note: str | bytes, verifier_key_text: str, *, origin: str | None = None) -> Checkpoint:
    """The checkpoint in a signed note, once its signature has verified and its text has parsed.

    With `origin`, a checkpoint from any other log is refused.
    """
    checkpoint = _parse_body(verify_note(note, verifier_key_text))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(
            f"line 1: origin mismatch: the checkpoint is from {checkpoint.origin!r}, expected {origin!r}"
        )
    return checkpoint


def _parse_body(text: str) -> Checkpoint:
    """The checkpoint in a note's text, refusing at the first bad line."""
    lines = text[:-1].split("\n")  # the text always ends in a newline
    origin = lines[0]
    if not origin:
        raise CheckpointError("line 1: the origin is empty")
    if len(lines) < 2:
        raise CheckpointError(
            "line 2: the tree size is missing: a checkpoint is origin, tree size and root hash"
        )
    size = lines[1]
    if not _DECIMAL.fullmatch(size):
        raise CheckpointError(f"line 2: the tree size {size!r} is not a decimal number without leading zeros")
    if int(size) > MAX_TREE_SIZE:
        raise CheckpointError(f"line 2: the tree size {size} is larger than 2**64 - 1")
    if len(lines) < 3:
        raise CheckpointError(
            "line 3: the root hash is missing: a checkpoint is origin, tree size and root hash"
        )
    root = _from_base64(lines[2])
    if root is None:
        raise CheckpointError(f"line 3: the root hash {lines[2]!r} is not canonical standard base64")
    if len(root) != ROOT_SIZE:
        raise CheckpointError(f"line 3: the root hash is {len(root)} bytes, not {ROOT_SIZE}")
    extensions = tuple(lines[3:])
    for number, line in enumerate(extensions, start=4):
        if not line:
            raise CheckpointError(
                f"line {number}: the extension line is empty (a checkpoint's extension lines must not be)"
            )
    return Checkpoint(origin, int(size), root, extensions)


def _parse_signature_line(number: int, line: str) -> tuple[str, bytes, bytes]:
    """The key name, key id and signature of one signature line."""
    if not line.startswith(_SIGNATURE_PREFIX):
        raise CheckpointError(
            f"line {number}: a signature line must start with an em dash (U+2014) and a space: {line!r}"
        )
    name, space, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise CheckpointError(f"line {number}: no space between the key name and the signature")
    _check_name(name, f"line {number}: the key name")
    raw = _from_base64(encoded)
    if raw is None:
        raise CheckpointError(f"line {number}: the signature is not canonical standard base64")
    if len(raw) <= KEY_ID_SIZE:
        raise CheckpointError(f"line {number}: the signature is {len(raw)} bytes, too short to hold a key id")
    return name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:]


def _verifies(public_key: Ed25519PublicKey, signature: bytes, text: str) -> bool:
    if len(signature) != _ED25519_SIGNATURE_SIZE:
        return False
    try:
        public_key.verify(signature, text.encode())
    except InvalidSignature:
        return False
    return True


def _as_text(note: str | bytes) -> str:
    if isinstance(note, bytes):
        try:
            return note.decode()
        except UnicodeDecodeError as error:
            raise CheckpointError(f"the note is not valid UTF-8 (byte {error.start})") from None
    try:
        note.encode()
    except UnicodeEncodeError as error:
        raise CheckpointError(f"the note is not valid Unicode text (character {error.start})") from None
    return note


def _check_characters(text: str) -> None:
    """Signed notes allow no control characters but newline: say which one and where."""
    for number, line in enumerate(text.split("\n"), start=1):
        for column, character in enumerate(line, start=1):
            if _is_control(character):
                raise CheckpointError(
                    f"line {number}: control character U+{ord(character):04X} at column {column}; "
                    "a signed note allows no control character but newline"
                )


def _check_name(name: str, what: str) -> None:
    """Key names are non-empty, with no Unicode space, no '+' and no control character."""
    if not name:
        raise CheckpointError(f"{what} is empty")
    for character in name:
        if character.isspace() or character == "+" or _is_control(character):
            raise CheckpointError(
                f"{what} {name!r} contains {character!r}; a key name has no spaces, '+' or control characters"
            )


def _is_control(character: str) -> bool:
    return character < " "


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _to_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _from_base64(text: str) -> bytes | None:
    """Strict standard base64: padded, nothing outside the alphabet, and canonical (re-encodes the same)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    return raw if _to_base64(raw) == text else None
