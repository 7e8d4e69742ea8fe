"""OpenSanctions' two formats read as sources: `targets.simple.csv` and FollowTheMoney entities
(`entities.ftm.json`, one JSON entity a line).

Their layout is fixed, so a mapping of one names no columns: each entity becomes a raw row in fixed
columns (`effective_mapping`), one per sanction, and `RowMapper` maps it as it maps a bank's row. Only
organisations are subjects: a `Person` is refused, a `LegalEntity` (which publishers use for people and
firms alike) goes through the mapping's natural_person rules, and an entity that no sanction names is not
recorded (non-contagion: a firm named beside a sanctioned one is not itself sanctioned). Birth dates,
phones and e-mail addresses are read past, never carried.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from followthemoney import ValueEntity, model

from credence.identity import is_valid_lei, is_valid_uscc
from credence.sources.mapping import AdditionalInfoRule, DatasetMapping, RecordIdRule, Role
from credence.sources.readers import SourceFileError, header_key
from credence.sources.transform import HAN_CHAR, RawValue, clean_text, key_text

# The documented header of targets.simple.csv, as read here and written by credence.exports; later exports
# add columns (program_ids), which are read past.
TARGETS_COLUMNS = (
    "id",
    "schema",
    "name",
    "aliases",
    "birth_date",
    "countries",
    "addresses",
    "identifiers",
    "sanctions",
    "phones",
    "emails",
    "dataset",
    "first_seen",
    "last_seen",
    "last_change",
)
SUBJECT_SCHEMATA = frozenset({"Company", "Organization", "PublicBody", "LegalEntity"})
PERSON = "Person"
# What only a Person has (birthDate, nationality, firstName, passportNumber ...): an entity of another
# schema that carries one is a person mislabelled, and is refused as one.
PERSON_PROPERTIES = frozenset(
    name
    for name, prop in model["Person"].properties.items()
    if name not in model["LegalEntity"].properties and not prop.stub
)
# FtM properties that hold a USCC or an LEI as such; other identifier properties are searched for a
# valid one (a foreign registration number shaped like a USCC is not taken for one).
_USCC_PROPS = ("uscCode",)
_LEI_PROPS = ("leiCode",)

_COMMON: dict[str, Role] = {
    "id": Role.IGNORE,
    "schema": Role.ENTITY_TYPE,
    "name": Role.SUBJECT_NAME,
    "alias": Role.SUBJECT_ALT_NAME,
    "country": Role.SUBJECT_COUNTRY,
    "address": Role.SUBJECT_ADDRESS,
    "identifier": Role.ADDITIONAL_INFO,
}
_TARGETS_COLUMNS: dict[str, Role] = {**_COMMON, "sanctions": Role.IGNORE}
_FTM_COLUMNS: dict[str, Role] = {
    **_COMMON,
    "sanction": Role.IGNORE,
    "startDate": Role.DECIDED_ON,
    "listingDate": Role.DECIDED_ON_FALLBACK,
    "endDate": Role.EFFECTIVE_UNTIL,
    "originator": Role.ORIGINATING_INSTITUTION,
    "authority": Role.AUTHORITY,
    "reason": Role.GROUNDS,
    "program": Role.SANCTION_TYPE,
}


@dataclass
class Entry:
    """One entity of the file: its raw rows (one per sanction), or why it is refused whole."""

    line: int
    raws: list[dict[str, RawValue]] = field(default_factory=list)
    field: str | None = None
    reason: str | None = None
    message: str | None = None
    record_id_key: str | None = None  # the entity's id, for the rejection's source_record_id


def effective_mapping(dataset: DatasetMapping) -> DatasetMapping:
    """The mapping with the fixed columns of its OpenSanctions format filled in (itself for xlsx and csv):
    the record id hashes the entity's id and its sanction, `Person` is a natural person's schema, and the
    one identifier the reader keeps is read as a USCC or an LEI."""
    if not dataset.file.opensanctions:
        return dataset
    targets = dataset.file.format == "opensanctions_targets"
    natural = dataset.natural_person.model_copy(
        update={"entity_values": [*dataset.natural_person.entity_values, PERSON]}
    )
    return dataset.model_copy(
        update={
            "columns": _TARGETS_COLUMNS if targets else _FTM_COLUMNS,
            "record_id": RecordIdRule(
                prefix=dataset.record_id.prefix, key=["id", "sanctions" if targets else "sanction"]
            ),
            "additional_info": AdditionalInfoRule(identifiers=["uscc", "lei"]),
            "natural_person": natural,
        }
    )


def split_cell(cell: str | None) -> list[str]:
    """The values of a multi-valued cell, `;`-separated and quoted as a CSV row."""
    if not cell or not cell.strip():
        return []
    row = next(csv.reader(io.StringIO(cell), delimiter=";"), [])
    return [text for text in (clean_text(value) for value in row) if text]


def pick_identifier(values: Sequence[str], uscc: Sequence[str] = (), lei: Sequence[str] = ()) -> str | None:
    """The subject's identifier: a value given as a USCC or an LEI (uscCode, leiCode), as given, else the
    first of the other identifiers that is a valid USCC, else one that is a valid LEI."""
    for given in (*uscc, *lei):
        text = clean_text(given)
        if text:
            return text.upper()
    cleaned = [text.upper() for text in (clean_text(v) for v in values) if text]
    return next((t for t in cleaned if is_valid_uscc(t)), None) or next(
        (t for t in cleaned if is_valid_lei(t)), None
    )


def pick_alias(aliases: Sequence[str], name: str | None) -> str | None:
    """The other name kept: the first alias in Chinese characters, else the first alias."""
    others = [a for a in aliases if a != name]
    return next((a for a in others if HAN_CHAR.search(a)), None) or (others[0] if others else None)


def pick_country(countries: Sequence[str], identifier: str | None) -> str | None:
    """One country, upper-cased: CN when a USCC is carried and CN is among them, else the first."""
    codes = [c.upper() for c in countries]
    if identifier is not None and is_valid_uscc(identifier) and "CN" in codes:
        return "CN"
    return codes[0] if codes else None


def _base(
    entity_id: str,
    schema: str,
    name: str | None,
    aliases: list[str],
    countries: list[str],
    addresses: list[str],
    identifier: str | None,
) -> dict[str, RawValue]:
    return {
        "id": entity_id,
        "schema": schema,
        "name": name,
        "alias": pick_alias(aliases, name),
        "country": pick_country(countries, identifier),
        "address": addresses[0] if addresses else None,
        "identifier": identifier,
    }


_PERSON_MESSAGE = "natural persons are not subjects of this registry; only organisations are recorded"


def _refused(entry: Entry, schema: str | None, personal: str | None = None) -> Entry | None:
    """An entity refused for its schema alone: a Person, an entity that carries what only a person has
    (`personal` names the field), or anything that is not an organisation."""
    if schema == PERSON or personal is not None:
        entry.field = "schema" if schema == PERSON else personal
        entry.reason, entry.message = "natural_person", _PERSON_MESSAGE
        return entry
    if schema not in SUBJECT_SCHEMATA:
        entry.field, entry.reason = "schema", "not_an_organisation"
        entry.message = (
            f"only {', '.join(sorted(SUBJECT_SCHEMATA))} entities are subjects; this one is not an "
            "organisation and is not recorded"
        )
        return entry
    return None


def _no_sanction(entry: Entry) -> Entry:
    entry.field, entry.reason = "sanctions", "no_sanction"
    entry.message = (
        "the entity carries no sanction: an entity named beside a sanctioned one is not itself sanctioned, "
        "and is not recorded"
    )
    return entry


def _missing_id(entry: Entry) -> Entry:
    entry.field, entry.reason, entry.message = "id", "missing", "id is required: it names the entity"
    return entry


# --- targets.simple.csv -------------------------------------------------------------------------------


def targets_entries(path: Path, dataset: DatasetMapping) -> Iterator[Entry]:
    """One Entry per data row of a targets.simple.csv, with one raw row per value of `sanctions`."""
    name = dataset.name
    try:
        handle = path.open(encoding=dataset.file.encoding, newline="")
    except OSError as exc:
        raise SourceFileError(None, "unreadable", f"{name}: cannot open {path}: {exc}") from exc
    with handle:
        reader = csv.reader(handle)
        index_of: dict[str, int] | None = None
        start = 1
        try:
            for record in reader:
                line, start = start, reader.line_num + 1
                if index_of is None:
                    index_of = _targets_header(record, name)
                    continue
                if not any(value.strip() for value in record):
                    continue
                cells = {c: record[i] if i < len(record) else "" for c, i in index_of.items()}
                yield _target(line, cells)
        except UnicodeDecodeError as exc:
            message = f"{name}: {path} is not {dataset.file.encoding}: {exc.reason}"
            raise SourceFileError(_bad_line(path, dataset.file.encoding), "encoding", message) from None
        except csv.Error as exc:
            raise SourceFileError(start, "malformed", f"{name}: {exc}") from exc
        if index_of is None:
            raise SourceFileError(None, "missing_header", f"{name}: {path} ends before its header line 1")


def _bad_line(path: Path, encoding: str) -> int | None:
    """The line of the first byte the encoding cannot read (the reader decodes ahead of its lines)."""
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return data[: exc.start].count(b"\n") + 1
    return None


def _targets_header(header: Sequence[str], name: str) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, column in enumerate(header):
        positions.setdefault(header_key(column), index)
    missing = [column for column in TARGETS_COLUMNS if column not in positions]
    if missing:
        raise SourceFileError(
            1,
            "missing_column",
            f"{name}: column {missing[0]!r} not found in the header on line 1; targets.simple.csv has "
            f"{', '.join(TARGETS_COLUMNS)}",
        )
    return {column: positions[column] for column in TARGETS_COLUMNS}


def _target(line: int, cells: dict[str, str]) -> Entry:
    entity_id = clean_text(cells["id"])
    schema = clean_text(cells["schema"])
    entry = Entry(line, record_id_key=entity_id)
    if _refused(entry, schema, "birth_date" if clean_text(cells["birth_date"]) else None) is not None:
        return entry
    if entity_id is None:
        return _missing_id(entry)
    sanctions = split_cell(cells["sanctions"])
    if not sanctions:
        return _no_sanction(entry)
    identifier = pick_identifier(split_cell(cells["identifiers"]))
    base = _base(
        entity_id,
        schema or "",
        clean_text(cells["name"]),
        split_cell(cells["aliases"]),
        split_cell(cells["countries"]),
        split_cell(cells["addresses"]),
        identifier,
    )
    entry.raws = [{**base, "sanctions": sanction} for sanction in sanctions]
    return entry


# --- FollowTheMoney entities --------------------------------------------------------------------------


def _personal(obj: dict[str, Any]) -> str | None:
    """`properties` when the entity carries a property only a Person has (read before the schema drops
    it)."""
    properties = obj.get("properties")
    return "properties" if isinstance(properties, dict) and PERSON_PROPERTIES & properties.keys() else None


def _entities(path: Path, dataset: DatasetMapping) -> Iterator[tuple[int, ValueEntity, str | None]]:
    """(line, entity, personal) for each line; a line that is not an FtM entity refuses the whole
    file."""
    name = dataset.name
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceFileError(None, "unreadable", f"{name}: cannot open {path}: {exc}") from exc
    with handle:
        for line, data in enumerate(handle, start=1):
            if not data.strip():
                continue
            try:
                obj: Any = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise SourceFileError(line, "invalid_json", f"{name}: not valid JSON: {exc.msg}") from None
            if not isinstance(obj, dict):
                got = type(obj).__name__
                message = f"{name}: each line must be a JSON object, got {got}"
                raise SourceFileError(line, "not_an_object", message)
            yield line, _entity(obj, line, name), _personal(obj)


def _entity(obj: dict[str, Any], line: int, name: str) -> ValueEntity:
    schema_name = obj.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if schema is None:
        raise SourceFileError(line, "malformed", f"{name}: schema: not a FollowTheMoney schema")
    properties = obj.get("properties", {})
    if not isinstance(properties, dict):
        raise SourceFileError(line, "malformed", f"{name}: properties: must be an object")
    for prop, values in properties.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise SourceFileError(line, "malformed", f"{name}: properties.{prop}: must be a list of strings")
    entity_id = obj.get("id")
    if entity_id is not None and not isinstance(entity_id, str):
        raise SourceFileError(line, "malformed", f"{name}: id: must be a string")
    return ValueEntity(schema, {"id": entity_id, "properties": properties})


def ftm_entries(path: Path, dataset: DatasetMapping) -> Iterator[Entry]:
    """One Entry per legal entity (Person, Company, Organization, PublicBody, LegalEntity) or other
    entity a Sanction names, with one raw row per Sanction; a Sanction that names no entity of the file
    is an Entry of its own, refused. Contextual entities (addresses, relationships) are read past.

    The file is read twice, so that a Sanction may come before or after its entity."""
    # An authority the YAML names among its originators is read as one (the publisher itself, or the
    # bank that sanctioned first); any other is the body that decided, and the summary says so plainly
    # rather than calling a sanctions committee's decision a cross-debarment.
    originators = {key_text(t) for t in (*dataset.originators.own, *dataset.originators.names)}
    sanctions: dict[str, list[tuple[int, ValueEntity]]] = {}
    for line, entity, _ in _entities(path, dataset):
        if entity.schema.is_a("Sanction"):
            for target in entity.get("entity"):
                sanctions.setdefault(target, []).append((line, entity))
    named: set[str] = set()
    for line, entity, personal in _entities(path, dataset):
        schema = entity.schema
        if schema.is_a("Sanction") or entity.id is None and not schema.is_a("LegalEntity"):
            continue
        own = sanctions.get(entity.id, []) if entity.id is not None else []
        if not schema.is_a("LegalEntity") and not own:
            continue  # context: an address, an ownership, a position ...
        if entity.id is not None:
            named.add(entity.id)
        entry = Entry(line, record_id_key=entity.id)
        if _refused(entry, schema.name, personal) is not None:
            yield entry
            continue
        if entity.id is None:
            yield _missing_id(entry)
            continue
        if not own:
            yield _no_sanction(entry)
            continue
        identifier_values = [v for prop, v in entity.itervalues() if prop.type.name == "identifier"]
        identifier = pick_identifier(
            identifier_values,
            [v for p in _USCC_PROPS for v in entity.get(p, quiet=True)],
            [v for p in _LEI_PROPS for v in entity.get(p, quiet=True)],
        )
        base = _base(
            entity.id,
            schema.name,
            clean_text(entity.first("name", quiet=True)),
            [*entity.get("alias", quiet=True), *entity.get("name", quiet=True)[1:]],
            [
                *entity.get("mainCountry", quiet=True),
                *entity.get("jurisdiction", quiet=True),
                *entity.get("country", quiet=True),
            ],
            entity.get("address", quiet=True),
            identifier,
        )
        entry.raws = [{**base, **_sanction(sanction, originators)} for _, sanction in own]
        yield entry
    for target, own in sanctions.items():
        if target in named:
            continue
        for line, sanction in own:
            yield Entry(
                line,
                field="entity",
                reason="missing_entity",
                message="the Sanction names no entity of the file; nothing is recorded for it",
                record_id_key=sanction.id,
            )


def _sanction(sanction: ValueEntity, originators: set[str]) -> dict[str, RawValue]:
    def first(prop: str) -> str | None:
        values = sorted(sanction.get(prop, quiet=True))
        return clean_text(values[0]) if values else None

    authority = first("authority")
    known = authority is not None and key_text(authority) in originators
    return {
        "sanction": sanction.id or "",
        "startDate": first("startDate"),
        "listingDate": first("listingDate"),
        "endDate": first("endDate"),
        "originator": authority if known else None,
        "authority": None if known else authority,
        "reason": "; ".join(sanction.get("reason", quiet=True)) or None,
        "program": first("program"),
    }


def entries(path: Path, dataset: DatasetMapping) -> Iterator[Entry]:
    """The entities of a file in one of OpenSanctions' formats."""
    if dataset.file.format == "ftm":
        return ftm_entries(path, dataset)
    return targets_entries(path, dataset)
