"""A subject as the model sees it, and the model's input table: each subject's names, address and
identifiers in the forms the model compares (credence.subjects.names).

Preparing the forms is Python (rigour's transliteration and legal forms, tokens, branch and street
parts), some 25 microseconds a subject; the rest of linkage is Splink's SQL. A large set is prepared in
several processes at once, each a part of it, in the order given (docs/benchmarks.md, "Linkage").

The forms can also be kept: `lines` gives each subject's as a line of JSON, `table_of` makes the input
table again from such lines, and `digest` says whether kept forms are still a subject's (it covers the
subject's fields and this preparation's code). credence.subjects.prepared keeps them in the store.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from functools import cache, lru_cache
from importlib import metadata
from operator import attrgetter
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pyarrow.json as pa_json  # type: ignore[import-untyped,unused-ignore]

from credence.subjects import names as names_module
from credence.subjects.names import (
    address_form,
    country_code,
    identifier,
    name_forms,
    phone_digits,
    postcode,
    street_parts,
)

__all__ = [
    "IDENTIFIER_SCHEMES",
    "PARALLEL_FROM",
    "Candidate",
    "digest",
    "identifiers",
    "lines",
    "paused_collection",
    "table",
    "table_of",
]

IDENTIFIER_SCHEMES = ("uscc", "lei", "org_code", "registration")

# Below this many subjects one process prepares them: starting another (some 0.4 s to import rigour and
# pyarrow) and handing it its part cost more than they save.
PARALLEL_FROM = 50_000

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """A subject as the model sees it: its names, where it is, and whatever identifiers it carries."""

    id: int
    names: tuple[str, ...]
    country: str | None  # ISO 3166-1 alpha-2, any case on input
    city: str | None = None  # or an address line
    uscc: str | None = None
    lei: str | None = None
    org_code: str | None = None  # the old 9-character organisation code; a USCC carries it in uscc[8:17]
    registration: str | None = None  # an old 15-digit registration number: a secondary identifier
    postcode: str | None = None
    phone: str | None = None


def identifiers(subject: Candidate) -> dict[str, str]:
    if not (subject.uscc or subject.lei or subject.org_code or subject.registration):
        return {}  # most subjects of a list
    uscc = identifier(subject.uscc)
    found = {
        "uscc": uscc,
        "lei": identifier(subject.lei),
        "org_code": identifier(subject.org_code) or (uscc[8:17] if uscc and len(uscc) == 18 else None),
        "registration": identifier(subject.registration),
    }
    return {scheme: code for scheme, code in found.items() if code}


_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("name", pa.string()),
        ("names", pa.list_(pa.string())),
        ("tokens", pa.list_(pa.string())),
        ("name_tail", pa.string()),
        ("chinese", pa.string()),
        ("chinese_names", pa.list_(pa.string())),
        ("branch", pa.string()),
        ("branch_chinese", pa.string()),
        ("branch_number", pa.string()),
        ("branch_tokens", pa.list_(pa.string())),
        ("country", pa.string()),
        ("city", pa.string()),
        ("street_number", pa.string()),
        ("street", pa.string()),
        ("postcode", pa.string()),
        ("phone", pa.string()),
        ("uscc", pa.string()),
        ("lei", pa.string()),
        ("org_code", pa.string()),
        ("registration", pa.string()),
    ]
)


# The forms without the id: what `lines` keeps of a subject.
_FORMS_SCHEMA = pa.schema(list(_SCHEMA)[1:])
_FORM_NAMES = tuple(_FORMS_SCHEMA.names)


def _name_columns(names: tuple[str, ...]) -> tuple[Any, ...]:
    """The name columns of a subject known by `names`: its first name's forms, all of its forms, and its
    branch's name when one of them is a branch's (in each script, its first)."""
    if len(names) == 1:  # most subjects
        f = name_forms(names[0])
        first = f if f.core else None
        cores = [f.core] if f.core else []
        chinese_names = [f.chinese] if f.chinese else []
        first_chinese = f.chinese or None
        branch = f.core if f.branch and f.core else None
        branch_chinese = f.chinese if f.branch and f.chinese else None
    else:
        forms = [name_forms(n) for n in names]
        cores = sorted({f.core for f in forms if f.core})
        chinese_names = sorted({f.chinese for f in forms if f.chinese})
        first = next((f for f in forms if f.core), None)
        first_chinese = next((f.chinese for f in forms if f.chinese), None)
        branch = next((f.core for f in forms if f.branch and f.core), None)
        branch_chinese = next((f.chinese for f in forms if f.branch and f.chinese), None)
    tokens = first.tokens if first else ()
    branch_tokens = branch.split() if branch else None
    return (
        first.core if first else None,
        cores,
        list(tokens),
        # for blocking: a name whose first word has a typo still meets its other spellings
        " ".join(tokens[1:]) + "|" + tokens[0][:1] if len(tokens) > 2 else None,
        first_chinese,
        chinese_names,
        branch,
        branch_chinese,
        # the numbers in a branch's name (No. 6 Branch): two branches of different numbers are two
        " ".join(w for w in branch_tokens if w.isdigit()) or None if branch_tokens else None,
        branch_tokens,
    )


@lru_cache(maxsize=262144)
def _address_columns(address: str) -> tuple[str | None, str | None, str | None]:
    """(city or address line, street number, street) as compared."""
    city = address_form(address)
    if not city:
        return None, None, None
    number, street = street_parts(city)
    return city, number, street


_NO_ADDRESS = (None, None, None)


def _row(subject: Candidate) -> tuple[Any, ...]:
    """The subject's row of the input table, in the order of _SCHEMA."""
    ids = identifiers(subject)
    return (
        subject.id,
        *_name_columns(subject.names),
        country_code(subject.country),
        *(_address_columns(subject.city) if subject.city else _NO_ADDRESS),
        postcode(subject.postcode),
        phone_digits(subject.phone),
        *[ids.get(scheme) for scheme in IDENTIFIER_SCHEMES],
    )


@contextmanager
def paused_collection() -> Iterator[None]:
    """Python's cyclic garbage collector paused while many small acyclic objects are made (a table's
    forms, a run's pairs): it would scan them again and again, a third of the preparation's time
    (docs/benchmarks.md). Reference counting still frees them; the collector resumes after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def table(subjects: Sequence[Candidate], processes: int | None = None) -> pa.Table:
    """The subjects as the model's input table, one row each in their order, in the forms it compares.

    From PARALLEL_FROM subjects on, `processes` processes (None: one per core) prepare a part each: this
    one the first, workers the rest. The table is the same either way."""
    return _prepared(subjects, processes, "table")


def lines(subjects: Sequence[Candidate], processes: int | None = None) -> list[str]:
    """Each subject's forms as a line of JSON (an object, its empty fields left out), in their order:
    what `table_of` reads back into the rows `table` gives. Prepared as `table` prepares them."""
    return _prepared(subjects, processes, "lines").column(0).to_pylist()  # type: ignore[no-any-return]


def table_of(ids: Sequence[int], forms: Sequence[str]) -> pa.Table:
    """The model's input table of the subjects `ids`, from their forms as `lines` gave them: the table
    `table` gives. Arrow reads the JSON, some 2 microseconds a subject (preparing takes 25)."""
    if len(ids) != len(forms):
        raise ValueError(f"{len(ids)} ids for {len(forms)} subjects' forms")
    if not forms:
        return _SCHEMA.empty_table()
    read = pa_json.read_json(
        io.BytesIO("\n".join(forms).encode()),
        parse_options=pa_json.ParseOptions(explicit_schema=_FORMS_SCHEMA, unexpected_field_behavior="error"),
    )
    if read.num_rows != len(ids):
        raise ValueError(f"{read.num_rows} subjects' forms read from {len(ids)} lines")
    return read.select(_FORMS_SCHEMA.names).add_column(0, _SCHEMA.field(0), pa.array(ids, pa.int64()))


@cache
def _version() -> bytes:
    """What a subject's forms depend on besides its fields: the code that prepares them (this module and
    credence.subjects.names), rigour's version, and the Unicode tables of this Python."""
    h = hashlib.blake2b(digest_size=32)
    for source in (names_module.__file__, __file__):
        h.update(Path(str(source)).read_bytes())
    h.update(f"rigour {metadata.version('rigour')} unicode {unicodedata.unidata_version}".encode())
    return h.digest()


def digest(subject: Candidate) -> bytes:
    """16 bytes that change when the subject's forms would: its fields (not its id) and the preparation's
    version. Kept forms with another digest are prepared again."""
    fields = _INPUTS(subject)
    # separators and a mark for None that no stored text holds (control characters are refused on entry)
    text = "\x1f".join(fields[0]) + "\x1e" + "\x1e".join(["\x00" if v is None else v for v in fields[1:]])
    return hashlib.blake2b(text.encode(), key=_version(), digest_size=16).digest()


def _prepared(subjects: Sequence[Candidate], processes: int | None, kind: str) -> pa.Table:
    seen: set[int] = set()
    for subject in subjects:
        if subject.id in seen:
            raise ValueError(f"subject id {subject.id} appears twice")
        seen.add(subject.id)
    processes = processes if processes is not None else os.cpu_count() or 1
    if processes < 2 or len(subjects) < PARALLEL_FROM:
        return _part(subjects, kind)
    size = -(-len(subjects) // processes)
    parts = [subjects[start : start + size] for start in range(0, len(subjects), size)]
    workers = [_Worker(part, kind) for part in parts[1:]]
    first = _part(parts[0], kind)
    return pa.concat_tables([first, *(worker.result() for worker in workers)])


class _Worker:
    """A part prepared by `python -m credence.subjects.forms`: the subjects pickled to its input, the
    table read back from its output as an Arrow stream. A new interpreter rather than multiprocessing's
    pool, which would run the calling program's main module again in each worker (a script without a
    main guard would start over) or fork this process with DuckDB's and Arrow's threads in it. Should the
    worker fail, its part is prepared here: the same table, only slower."""

    def __init__(self, subjects: Sequence[Candidate], kind: str) -> None:
        self.subjects = subjects
        self.kind = kind
        self.process: subprocess.Popen[bytes] | None = None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "credence.subjects.forms", kind],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError as error:
            _log.warning("preparing subjects in this process: no worker (%s)", error)
            return
        # plain tuples: unpickling a million dataclasses took longer than preparing a tenth of them
        payload = pickle.dumps(list(map(_FIELDS, subjects)), protocol=pickle.HIGHEST_PROTOCOL)
        self.sender = threading.Thread(target=self._send, args=(payload,), daemon=True)
        self.sender.start()

    def _send(self, payload: bytes) -> None:
        assert self.process is not None and self.process.stdin is not None
        try:
            with self.process.stdin:
                self.process.stdin.write(payload)
        except OSError:
            pass  # the worker ended early: result() finds out

    def result(self) -> pa.Table:
        if self.process is None:
            return _part(self.subjects, self.kind)
        assert self.process.stdout is not None
        try:
            with pa.ipc.open_stream(self.process.stdout) as reader:
                prepared = reader.read_all()
        except (pa.ArrowInvalid, OSError) as error:
            prepared = None
            _log.warning("preparing subjects in this process: the worker failed (%s)", error)
        self.process.stdout.close()
        self.sender.join()
        if self.process.wait() != 0 or prepared is None or prepared.num_rows != len(self.subjects):
            return _part(self.subjects, self.kind)
        return prepared


_FIELDS = attrgetter(*(field.name for field in dataclass_fields(Candidate)))
_INPUTS = attrgetter(*(field.name for field in dataclass_fields(Candidate) if field.name != "id"))


def _serve(kind: str) -> None:
    """A worker: the subjects' fields pickled on standard input (from the process that started this one),
    their table (or their lines, as a table of one column) on standard output."""
    fields = pickle.load(sys.stdin.buffer)
    prepared = _part([Candidate(*values) for values in fields], kind)
    with pa.ipc.new_stream(sys.stdout.buffer, prepared.schema) as writer:
        writer.write_table(prepared)


def _part(subjects: Sequence[Candidate], kind: str) -> pa.Table:
    """The subjects' table, or (kind "lines") their lines as a table of one column, "line"."""
    with paused_collection():
        rows = [_row(subject) for subject in subjects]
        if kind == "lines":
            return pa.table({"line": pa.array([_line(row) for row in rows], pa.string())})
        columns = zip(*rows, strict=True) if rows else ([] for _ in _SCHEMA)
        return pa.Table.from_arrays(
            [pa.array(column, type=field.type) for column, field in zip(columns, _SCHEMA, strict=True)],
            schema=_SCHEMA,
        )


def _line(row: tuple[Any, ...]) -> str:
    present = {name: value for name, value in zip(_FORM_NAMES, row[1:], strict=True) if value is not None}
    return json.dumps(present, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    _serve(sys.argv[1] if len(sys.argv) > 1 else "table")
