"""Check rows a block at a time and hand the writer the accepted rows column by column.

RowValidator.check is the reference: it reports every problem of a row with its field and reason code.
Most rows of a real submission are valid and repeat the same categories, organisations, dates and legal
bases, so BlockChecker first tries a lean path that recognises only rows that are plainly valid, using a
cached verdict per distinct value. Any row it does not recognise goes to the reference check, which
accepts it or rejects it with the messages users see. The lean path therefore never decides a rejection,
and tests/records/test_block_checker.py shows on random rows that both paths store the same thing.

This is hand-written rather than a dataframe library's: the verdicts are the reference check's own
functions (a dataframe reader would also coerce JSON types and resolve duplicate keys differently from
the reference reader), and the per-row work left is a few dictionary lookups.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from credence.catalog import Severity
from credence.identity import SubjectError, SubjectId, resolve_subject
from credence.records.interchange import FIELDS, MATCHING_FIELDS, UNTIL_WORDS
from credence.records.readers import RawBlock, RawRow
from credence.records.validation import (
    FIELD_SET,
    Rejection,
    RowValidator,
    Subject,
    ValidRow,
    normalise_amount,
)

_SUSPECT: Any = object()  # "not plainly valid": the row goes to the reference check
_CACHE_LIMIT = 100_000
_SEVERITIES = frozenset(Severity.__members__)
_STATUSES = frozenset({"final", "pending"})
_UNTIL = {word: word.replace("-", "_") for word in UNTIL_WORDS}
_FREE_TEXT = ("subject_name", "subject_alt_name", "legal_basis", "summary")
_SUBJECT_TYPES = frozenset({None, "organisation"})
# A source id the reference check keeps as it is: 1-200 characters, no control character, no surrounding
# space (\s is the same set str.strip removes), not starting like a spreadsheet formula.
_PLAIN_SID = re.compile(r"(?=[^\s=+\-@])[^\x00-\x1f\x7f]{1,200}(?<!\s)").fullmatch
_digest = hashlib.sha256


@dataclass
class ValidBlock:
    """Accepted rows in line order, one list per stored column; `subjects` has each organisation once,
    as first seen in the block."""

    line: list[int] = field(default_factory=list)
    source_record_id: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    subject_key: list[str] = field(default_factory=list)
    subject_name: list[str] = field(default_factory=list)
    subject_alt_name: list[str | None] = field(default_factory=list)
    severity: list[str | None] = field(default_factory=list)
    decided_on: list[str] = field(default_factory=list)  # ISO dates: as stored, on every backend
    legal_basis: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    amount: list[str | None] = field(default_factory=list)
    currency: list[str | None] = field(default_factory=list)
    summary: list[str | None] = field(default_factory=list)
    effective_until: list[str | None] = field(default_factory=list)
    until_kind: list[str | None] = field(default_factory=list)
    content_hash: list[str] = field(default_factory=list)
    subject_address: list[str | None] = field(default_factory=list)
    subject_org_code: list[str | None] = field(default_factory=list)
    subject_registration: list[str | None] = field(default_factory=list)
    subjects: dict[str, Subject] = field(default_factory=dict)

    COLUMNS = (
        "line",
        "source_record_id",
        "category",
        "subject_key",
        "subject_name",
        "subject_alt_name",
        "severity",
        "decided_on",
        "legal_basis",
        "status",
        "amount",
        "currency",
        "summary",
        "effective_until",
        "until_kind",
        "content_hash",
        *MATCHING_FIELDS,
    )

    def __len__(self) -> int:
        return len(self.line)

    def append(self, row: ValidRow) -> None:
        self.subjects.setdefault(row.subject.key, row.subject)
        self._append(
            row.line,
            row.source_record_id,
            row.category,
            row.subject.key,
            row.subject.name,
            row.subject.alt_name,
            row.severity,
            row.decided_on.isoformat(),
            row.legal_basis,
            row.status,
            row.amount,
            row.currency,
            row.summary,
            row.effective_until.isoformat() if row.effective_until else None,
            row.until_kind,
            row.content_hash,
            row.subject_address,
            row.subject_org_code,
            row.subject_registration,
        )

    def _append(self, *values: Any) -> None:
        for name, value in zip(self.COLUMNS, values, strict=True):
            getattr(self, name).append(value)

    def take(self, indices: Sequence[int]) -> ValidBlock:
        """The rows at these positions, in that order."""
        out = ValidBlock()
        for name in self.COLUMNS:
            column = getattr(self, name)
            setattr(out, name, [column[i] for i in indices])
        out.subjects = {key: self.subjects[key] for key in dict.fromkeys(out.subject_key)}
        return out


class BlockChecker:
    """RowValidator over a block of rows, with a cached lean path for the rows that are plainly valid."""

    def __init__(self, validator: RowValidator) -> None:
        self.validator = validator
        catalog = validator.catalog
        self._allowed = {
            code: category
            for code, category in catalog.categories.items()
            if catalog.may_submit(validator.department, code) and (category.list is None or validator.lists)
        }
        # (category, severity) pairs that need no message: a severity exactly where one applies.
        self._severities = {
            (code, severity)
            for code, category in self._allowed.items()
            for severity in (_SEVERITIES if category.severity_applies else (None,))
        }
        # Verdicts by distinct value: free text per field, then the other checked fields.
        self._texts: dict[str, dict[Any, Any]] = {name: {} for name in _FREE_TEXT}
        self._dates: dict[Any, Any] = {}
        self._untils: dict[Any, Any] = {}
        self._amounts: dict[Any, Any] = {}
        self._currencies: dict[Any, Any] = {}
        self._countries: dict[Any, Any] = {}
        self._subjects: dict[Any, Any] = {}
        self._bases: dict[tuple[str, str], bool] = {}  # (category, legal basis) in the closed list
        self._names: dict[tuple[str, str | None], bool] = {}  # a name that does not settle the kind passes

    def check(self, rows: Sequence[RawRow]) -> tuple[ValidBlock, list[Rejection]]:
        return self.check_block(RawBlock.of(rows))

    def check_block(self, raw: RawBlock) -> tuple[ValidBlock, list[Rejection]]:
        rejections = list(raw.errors)
        try:
            lean = self._lean(raw.lines, raw.values)
        except TypeError:  # a JSON list or object where text belongs: every row gets the reference check
            lean = None
        if lean is not None and all(lean.ok):
            return lean.block, rejections
        block = ValidBlock()
        for i, (line, values) in enumerate(zip(raw.lines, raw.values, strict=True)):
            checked = lean.row(i) if lean is not None and lean.ok[i] else self.validator.check(line, values)
            if isinstance(checked, list):
                rejections.extend(checked)
            else:
                block.append(checked)
        rejections.sort(key=lambda r: r.line)
        return block, rejections

    def _lean(self, lines: list[int], objs: list[dict[str, Any]]) -> _Lean:
        """Column by column: which rows are plainly valid, and their stored values. Raises TypeError
        for an unhashable value."""
        n = len(objs)
        if set().union(*objs) <= FIELD_SET:
            ok = [True] * n
        else:
            ok = [o.keys() <= FIELD_SET for o in objs]
        # A row with matching data (an address, an organisation code, a registration number) is left to
        # the reference check: few rows carry it, and its checks are the reference's own.
        ok = [
            good and all(o.get(name) is None for name in MATCHING_FIELDS)
            for good, o in zip(ok, objs, strict=True)
        ]
        # Values that are not text are looked up like text (each verdict rejects them); only an
        # unhashable one (a JSON list or object) stops the lean path, with TypeError.
        columns: dict[str, list[Any]] = {name: [o.get(name) for o in objs] for name in FIELDS}
        sids = columns["source_record_id"]
        categories = [self._allowed.get(v) for v in columns["category"]]
        names = self._mapped(self._texts["subject_name"], columns["subject_name"], "subject_name")
        alts = self._mapped(self._texts["subject_alt_name"], columns["subject_alt_name"], "subject_alt_name")
        bases = self._mapped(self._texts["legal_basis"], columns["legal_basis"], "legal_basis")
        summaries = self._mapped(self._texts["summary"], columns["summary"], "summary")
        decided = self._mapped_by(self._dates, columns["decided_on"], self._date)
        until = self._mapped_by(self._untils, columns["effective_until"], self._until)
        amounts = self._mapped_by(self._amounts, columns["amount"], self._amount)
        currencies = self._mapped_by(self._currencies, columns["currency"], self._currency)
        countries = self._mapped_by(self._countries, columns["subject_country"], self._country)
        subjects = self._mapped_by(
            self._subjects, list(zip(columns["subject_id"], countries, strict=True)), self._subject
        )
        today = self.validator.today
        ok = [
            good
            and type(sid) is str
            and _PLAIN_SID(sid) is not None
            and category is not None
            and (category.code, severity) in self._severities
            and status in _STATUSES
            and subject_type in _SUBJECT_TYPES
            and name is not None
            and name is not _SUSPECT
            and alt is not _SUSPECT
            and basis is not None
            and basis is not _SUSPECT
            and self._basis_ok(category.code, basis)
            and summary is not _SUSPECT
            and decision is not _SUSPECT
            and decision[0] <= today
            and end is not _SUSPECT
            and (end[0] is None or end[0] >= decision[0])
            and amount is not _SUSPECT
            and currency is not _SUSPECT
            and (amount is None) == (currency is None)
            and country is not _SUSPECT
            and subject is not _SUSPECT
            and (subject.scheme == "uscc" or self._name_ok(name, alt))
            for (
                good,
                sid,
                category,
                severity,
                status,
                subject_type,
                name,
                alt,
                basis,
                summary,
                decision,
                end,
                amount,
                currency,
                country,
                subject,
            ) in zip(
                ok,
                sids,
                categories,
                columns["severity"],
                columns["status"],
                columns["subject_type"],
                names,
                alts,
                bases,
                summaries,
                decided,
                until,
                amounts,
                currencies,
                countries,
                subjects,
                strict=True,
            )
        ]
        plain = [i for i in range(n) if ok[i]]
        take = (lambda column: column) if len(plain) == n else (lambda column: [column[i] for i in plain])
        block = ValidBlock()
        block.line = take(lines)
        block.source_record_id = take(sids)
        block.category = [c.code for c in take(categories)]
        resolved = take(subjects)
        block.subject_key = [s.key for s in resolved]
        block.subject_name = take(names)
        block.subject_alt_name = take(alts)
        block.severity = take(columns["severity"])
        decisions = take(decided)
        block.decided_on = [d[1] for d in decisions]
        block.legal_basis = take(bases)
        block.status = take(columns["status"])
        block.amount = take(amounts)
        block.currency = take(currencies)
        block.summary = take(summaries)
        ends = take(until)
        block.effective_until = [e[0] and e[2] for e in ends]
        block.until_kind = [e[1] for e in ends]
        for name in MATCHING_FIELDS:  # a plain row has none
            setattr(block, name, [None] * len(plain))
        block.content_hash = [
            _digest(
                "\x1f".join(
                    (
                        sid,
                        category,
                        s.key,
                        s.country or "",
                        name,
                        alt or "",
                        severity or "",
                        decision[1],
                        basis,
                        status,
                        amount or "",
                        currency or "",
                        summary or "",
                        end[2],
                    )
                ).encode()
            ).hexdigest()
            for (
                sid,
                category,
                s,
                name,
                alt,
                severity,
                decision,
                basis,
                status,
                amount,
                currency,
                summary,
                end,
            ) in zip(
                block.source_record_id,
                block.category,
                resolved,
                block.subject_name,
                block.subject_alt_name,
                block.severity,
                decisions,
                block.legal_basis,
                block.status,
                block.amount,
                block.currency,
                block.summary,
                ends,
                strict=True,
            )
        ]
        for s, name, alt in zip(resolved, block.subject_name, block.subject_alt_name, strict=True):
            if s.key not in block.subjects:
                block.subjects[s.key] = Subject(
                    s.key, s.scheme, s.code, name, alt, s.kind, s.country, s.division, s.never_public
                )
        return _Lean(ok, plain, block)

    def _basis_ok(self, category: str, basis: str) -> bool:
        key = (category, basis)
        verdict = self._bases.get(key)
        if verdict is None:
            if len(self._bases) > _CACHE_LIMIT:
                self._bases.clear()
            verdict = self._bases[key] = self._allowed[category].accepts_basis(basis)
        return verdict

    def _name_ok(self, name: str, alt: str | None) -> bool:
        key = (name, alt)
        verdict = self._names.get(key)
        if verdict is None:
            if len(self._names) > _CACHE_LIMIT:
                self._names.clear()
            verdict = self._names[key] = self.validator.screen.subject_name(name, alt) is None
        return verdict

    def _mapped(self, cache: dict[Any, Any], column: list[Any], name: str) -> list[Any]:
        return self._mapped_by(cache, column, lambda value: self._cleaned(name, value))

    @staticmethod
    def _mapped_by(cache: dict[Any, Any], column: list[Any], verdict: Any) -> list[Any]:
        """Each value's verdict, computed once per distinct value."""
        missing = set(column).difference(cache)
        if len(cache) + len(missing) > _CACHE_LIMIT:
            cache.clear()
            missing = set(column)
        for value in missing:
            cache[value] = verdict(value)
        return [cache[value] for value in column]

    # Each helper returns what the reference check would make of a value, or _SUSPECT when the reference
    # check would reject it or might; the whole row then goes to the reference check. Only text values
    # are remembered (1, 1.0 and True are equal keys, and they are not text).

    def _cleaned(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not str:
            return _SUSPECT
        problems: list[Any] = []
        out = self.validator._text(name, value, lambda *args: problems.append(args))
        return _SUSPECT if problems else out

    def _date(self, value: Any) -> Any:
        """(date, ISO text), or _SUSPECT (also when absent: the date is required)."""
        text = self._cleaned("decided_on", value)
        if text is None or text is _SUSPECT:
            return _SUSPECT
        problems: list[Any] = []
        parsed = self.validator._date("decided_on", text, text, lambda *args: problems.append(args))
        return _SUSPECT if problems or parsed is None else (parsed, parsed.isoformat())

    def _until(self, value: Any) -> Any:
        """(date or None, kind or None, its text in the content hash), or _SUSPECT."""
        text = self._cleaned("effective_until", value)
        if text is None:
            return (None, None, "")
        if text is _SUSPECT:
            return _SUSPECT
        if text in _UNTIL:
            return (None, _UNTIL[text], _UNTIL[text])
        day = self._date(text)
        return _SUSPECT if day is _SUSPECT else (day[0], "date", day[1])

    def _amount(self, value: Any) -> Any:
        text = self._cleaned("amount", value)
        if text is None or text is _SUSPECT:
            return text
        return normalise_amount(text) or _SUSPECT

    def _currency(self, value: Any) -> Any:
        text = self._cleaned("currency", value)
        if text is None or text is _SUSPECT:
            return text
        return text.upper() if self.validator._known_currency(text.upper()) else _SUSPECT

    def _country(self, value: Any) -> Any:
        text = self._cleaned("subject_country", value)
        if text is None or text is _SUSPECT:
            return text
        return text.upper() if self.validator._known_country(text.upper()) else _SUSPECT

    def _subject(self, pair: tuple[Any, Any]) -> Any:
        """The organisation a (subject_id, checked country) pair names; rows without an identifier
        (unresolved subjects) are left to the reference check."""
        value, country = pair
        code = self._cleaned("subject_id", value)
        if code is None or code is _SUSPECT or country is _SUSPECT:
            return _SUSPECT
        return self._resolve(code, country)

    @staticmethod
    def _resolve(code: str, country: str | None) -> Any:
        try:
            resolved: SubjectId = resolve_subject(code)
        except SubjectError:
            return _SUSPECT
        if resolved.scheme == "uscc":
            if country not in (None, "CN"):
                return _SUSPECT
            country = "CN"
        return _Resolved(
            resolved.key,
            resolved.scheme,
            resolved.code,
            resolved.kind.value if resolved.kind is not None else None,
            country,
            resolved.code[2:8] if resolved.scheme == "uscc" else None,
            resolved.never_public,
        )


@dataclass(frozen=True, slots=True)
class _Lean:
    """The lean path's answer for a block: which rows are plain, and those rows' values."""

    ok: list[bool]
    plain: list[int]  # positions of the plain rows in the block
    block: ValidBlock

    def row(self, i: int) -> ValidRow:
        """The plain row at position i, as the reference check would return it."""
        j = self.plain.index(i)
        b = self.block
        return ValidRow(
            line=b.line[j],
            source_record_id=b.source_record_id[j],
            category=b.category[j],
            subject=replace(
                b.subjects[b.subject_key[j]], name=b.subject_name[j], alt_name=b.subject_alt_name[j]
            ),
            severity=b.severity[j],
            decided_on=date.fromisoformat(b.decided_on[j]),
            legal_basis=b.legal_basis[j],
            status=b.status[j],
            amount=b.amount[j],
            currency=b.currency[j],
            summary=b.summary[j],
            effective_until=_day(b.effective_until[j]),
            until_kind=b.until_kind[j],
            content_hash=b.content_hash[j],
        )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True, slots=True)
class _Resolved:
    key: str
    scheme: str
    code: str
    kind: str | None
    country: str | None
    division: str | None
    never_public: bool
