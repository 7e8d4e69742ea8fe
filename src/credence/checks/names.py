"""Screening by name: which of the registry's organisations a name (with a country, and any identifiers)
may be, with the model's probability and the comparisons that gave it. The match API, and the eligibility
checks of a bidder without a code, answer from here.

A query is screened first, as ingest screens a subject without an identifier: a name that is, looks like
or holds a resident identity number, that names a religious body or a trade union, or that carries no
sign of an organisation (a person's name) is refused with the reason code ingest gives
(`natural_person`, `religious_body`, `trade_union`), and the refusal never repeats it. The candidates are
the registry's subjects as `credence.subjects.index` keeps them (sole proprietors are never among them),
answered as the head of the file each is in; a head that is never public, a religious body or a trade
union is never answered.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, select

from credence.catalog import Catalog
from credence.identity import (
    IdentifierError,
    SubjectError,
    SubjectRefused,
    fold,
    person_refusal,
    resolve_subject,
)
from credence.identity.kinds import OrgKind
from credence.records import publicity
from credence.screening import Screen
from credence.screening.persons import person_name
from credence.store.models import Organisation
from credence.subjects.index import ScreeningIndex
from credence.subjects.model import Candidate, Pair
from credence.subjects.names import country_code

__all__ = ["Found", "NameQuery", "NameRefused", "NameScreening", "PERSON_NAME"]

_orgs: Table = Organisation.__table__  # type: ignore[assignment]
PERSON_NAME = (
    "natural persons are not subjects of this registry: a name without an identifier must be an "
    "organisation's (with its legal form, such as Ltd, S.A. or 有限公司); this name has {why}"
)
MAX_NAMES = 10
MAX_NAME_LENGTH = 300
_OUT_OF_SCOPE = {OrgKind.SOLE_PROPRIETOR.value, OrgKind.RELIGIOUS_BODY.value, OrgKind.TRADE_UNION.value}


class NameRefused(ValueError):
    """A query the registry does not screen: `where` names the field, `reason` is the code the other paths
    give (natural_person, religious_body, trade_union, invalid_name, or an identifier's), `message` never
    repeats a refused name."""

    def __init__(self, where: str, reason: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class NameQuery:
    """What a bidder or a caller gives: one or more names, a country (any case), any identifiers."""

    names: tuple[str, ...]
    country: str | None = None
    uscc: str | None = None
    lei: str | None = None


@dataclass(frozen=True)
class Found:
    """One file the query may be: its head's organisations row, the best pair that brought it, and the
    subject of the file whose names gave that pair."""

    organisation: Any
    pair: Pair
    matched: str  # the key of the subject the query was compared with (the head or another member)
    auto: float

    @property
    def probability(self) -> float:
        return self.pair.probability

    @property
    def weight(self) -> float | None:
        return None if math.isinf(self.pair.weight) else self.pair.weight

    @property
    def match(self) -> bool:
        return self.pair.probability >= self.auto

    def to_json(self) -> dict[str, Any]:
        org = self.organisation
        return {
            "key": org.key,
            "identifier": org.code,
            "name": org.name,
            "country": org.country,
            "score": round(self.probability, 6),
            "match": self.match,
            "match_weight": None if self.weight is None else round(self.weight, 4),
            "basis": self.pair.basis,
            "matched_subject": self.matched,
            "comparisons": [
                {
                    "comparison": c.name,
                    "level": c.level,
                    "weight": None if math.isinf(c.weight) else round(c.weight, 4),
                }
                for c in self.pair.comparisons
                if not (c.weight == 0 and c.level.endswith("is NULL"))  # a value missing on either side
            ],
        }

    def line(self) -> str:
        """One candidate in a few words, as the bidders CSV and the command line give it."""
        org = self.organisation
        return f"{org.key} {org.name} ({self.probability:.4f})"


@dataclass
class Screened:
    """The candidates of one query, best first (at most `limit`)."""

    query: NameQuery
    found: list[Found] = field(default_factory=list)


class NameScreening:
    """Names against the registry, with the thresholds of the link settings: at or above `auto` a
    candidate is a match; from `review` it is a possible match for a person to review."""

    def __init__(
        self, engine: Engine, catalog: Catalog, auto: float, review: float, model_path: Path | None = None
    ) -> None:
        if not 0 < review <= auto <= 1:
            raise ValueError(f"the thresholds need 0 < review ({review}) <= auto ({auto}) <= 1")
        self.engine = engine
        self.catalog = catalog
        self.screen: Screen = catalog.screen
        self.auto = auto
        self.review = review
        self.index = ScreeningIndex(engine, model_path=model_path)

    def refuse(self, query: NameQuery, today: date | None = None, where: str = "names") -> NameQuery:
        """The query as screened (identifiers made canonical), or NameRefused."""
        if not query.names:
            raise NameRefused(where, "invalid_name", "give at least one name")
        if len(query.names) > MAX_NAMES:
            raise NameRefused(where, "invalid_name", f"at most {MAX_NAMES} names")
        for i, name in enumerate(query.names):
            at = f"{where}[{i}]" if len(query.names) > 1 else where
            folded = fold(name)
            if not folded:
                raise NameRefused(at, "invalid_name", "a name is blank")
            if len(folded) > MAX_NAME_LENGTH:
                raise NameRefused(at, "invalid_name", f"a name has at most {MAX_NAME_LENGTH} characters")
            refused = person_refusal(folded, today)
            if refused is not None:
                raise NameRefused(at, refused.reason, refused.message)
            body = self.screen.subject_name(folded, field=at)
            if body is not None:
                raise NameRefused(at, body.reason, body.message)
            why = person_name(folded)
            if why is not None:
                raise NameRefused(at, "natural_person", PERSON_NAME.format(why=why))
        country = country_code(query.country)
        if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
            raise NameRefused("country", "invalid_country", "country is not an ISO 3166-1 alpha-2 code")
        codes = {}
        for scheme in ("uscc", "lei"):
            value = getattr(query, scheme)
            if value is None or not value.strip():
                continue
            try:
                subject = resolve_subject(value, today=today)
            except SubjectRefused as exc:
                raise NameRefused(f"identifiers.{scheme}", exc.reason, exc.message) from None
            except (IdentifierError, SubjectError) as exc:
                raise NameRefused(f"identifiers.{scheme}", "invalid_identifier", exc.message) from None
            if subject.scheme != scheme:
                raise NameRefused(
                    f"identifiers.{scheme}", "invalid_identifier", f"this is not a {scheme.upper()}"
                )
            codes[scheme] = subject.code
        return NameQuery(tuple(fold(n) for n in query.names), country, codes.get("uscc"), codes.get("lei"))

    def screen_many(
        self, queries: Sequence[NameQuery], today: date, limit: int = 5, floor: float | None = None
    ) -> list[Screened]:
        """The candidates of each (already screened) query, in one pass over the registry: probability at
        least `floor` (default: the review threshold), best first, at most `limit` files each. Only what
        anything public may name today (`publicity.listed`): a file, and the subject of it that matched."""
        floor = self.review if floor is None else floor
        asked = [
            Candidate(-(i + 1), q.names, q.country, uscc=q.uscc, lei=q.lei) for i, q in enumerate(queries)
        ]
        pairs, heads = self.index.match(asked, floor)
        best: dict[tuple[int, int], tuple[Pair, int]] = {}
        for pair in pairs:
            slot = (pair.left, heads[pair.right])
            held = best.get(slot)
            if held is None or _rank(pair) < _rank(held[0]):
                best[slot] = (pair, pair.right)
        asked_about = {head for _, head in best} | {member for _, member in best.values()}
        rows = self._organisations(asked_about)
        with self.engine.connect() as conn:
            shown = publicity.listed_ids(conn, self.catalog, today, asked_about)
        out = [Screened(q) for q in queries]
        for (query_id, head), (pair, member) in best.items():
            org = rows.get(head)
            if org is None or org.never_public or org.kind in _OUT_OF_SCOPE:
                continue  # never answered: sole proprietors, and bodies out of scope by design
            if head not in shown or member not in shown:
                continue  # a listing before its notice: neither it nor the file it was joined to shows
            if self.screen.subject_name(org.name, org.alt_name) is not None:
                continue
            matched = rows[member].key if member in rows else org.key
            out[-query_id - 1].found.append(Found(org, pair, matched, self.auto))
        for screened in out:
            screened.found.sort(key=lambda f: (_rank(f.pair), f.organisation.key))
            del screened.found[limit:]
        return out

    def _organisations(self, ids: set[int]) -> dict[int, Any]:
        found: dict[int, Any] = {}
        ordered = sorted(ids)
        with self.engine.connect() as conn:
            for start in range(0, len(ordered), 500):
                chunk = ordered[start : start + 500]
                found.update(
                    {row.id: row for row in conn.execute(select(_orgs).where(_orgs.c.id.in_(chunk)))}
                )
        return found


def _rank(pair: Pair) -> tuple[float, float]:
    return (-pair.probability, -pair.weight)
