"""Names as search terms: what makes a search find a name typed with a typo, in pinyin or in Chinese.

Each subject's names are cut into terms once, when the subject is stored (and by `credence db upgrade`
for the subjects stored before migration 0016), and kept in two tables: `search_vocabulary` (each
distinct term once, with an id) and `search_terms` (which subjects have which term). A name gives:

- its Latin words, as the linkage compares them (`credence.subjects.names`: NFKC, ASCII, case-folded,
  legal forms out): `Hangzhou Wanxiang Technology Co., Ltd.` gives hangzhou, wanxiang, technology;
- the pairs of adjacent characters of its Chinese part, legal form out: 杭州万象科技有限公司 gives 杭州,
  州万, 万象, 象科, 科技;
- the pinyin of its Chinese part (pypinyin, without tones), as pairs of adjacent syllables: hangzhou,
  zhouwan, wanxiang, xiangke, keji. So pinyin typed with or without spaces, and a homophone typed in
  Chinese (杭州万向 for 杭州万象), meet the name through its sound.

A query is cut the same way. Each of its terms is looked up in the vocabulary, held in memory and read
again only when the vocabulary grows: a term the vocabulary holds stands for itself; one it does not hold
stands for the terms it begins (as typed so far) and, in Latin script, for those close to it (rapidfuzz's
normalised Indel similarity, at least `CLOSE`). The store then scores each subject with any of those terms
in one grouped query: for each query term the best similarity among the subject's terms, summed over the
query's terms and divided by their number (`coverage`, 0 to 1). Nothing scans every name for a query: the
vocabulary is a few thousand terms at the demo's 12,000 subjects, and grows far more slowly than the
subjects do.
"""

from __future__ import annotations

import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process
from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    Table,
    case,
    func,
    literal,
    select,
)
from sqlalchemy import (
    cast as sql_cast,
)

from credence.store.db import bulk_insert, keyed_by
from credence.store.models import Organisation, SearchTerm, SearchVocabulary
from credence.subjects.names import name_forms

organisations = cast(Table, Organisation.__table__)
vocabulary = cast(Table, SearchVocabulary.__table__)
terms_table = cast(Table, SearchTerm.__table__)

CLOSE = 75.0  # out of 100: a Latin term at least this close to one typed stands for it
PREFIX_MIN = 3  # a Latin term typed so far stands for the terms it begins from this many letters on
MAX_EXPANSIONS = 60  # terms one typed term may stand for, closest first
MAX_TERMS = 12  # terms of a query that count (a pasted paragraph is not a name)
MAX_TERM_LENGTH = 64


def _ascii_syllables(chinese: str) -> list[str]:
    """The pinyin of a Chinese text, a syllable per character (letters and digits among them kept as they
    are), lower case, without tones."""
    out = []
    for part in lazy_pinyin(chinese):
        text = "".join(ch for ch in part.lower() if ch.isascii() and ch.isalnum())
        if text:
            out.append(text)
    return out


def _pairs(items: Sequence[str]) -> list[str]:
    """Adjacent pairs joined (a single item stands alone)."""
    if len(items) == 1:
        return [items[0]]
    return [items[i] + items[i + 1] for i in range(len(items) - 1)]


def _chinese_terms(chinese: str) -> list[str]:
    return _pairs(list(chinese)) + _pairs(_ascii_syllables(chinese))


@cache
def _syllables() -> frozenset[str]:
    """Every pinyin syllable without its tone (ü written v, as pypinyin writes it, and u)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            bare = unicodedata.normalize("NFKD", reading.replace("ü", "v"))
            plain = "".join(ch for ch in bare if not unicodedata.combining(ch))
            if plain.isascii() and plain.isalpha() and any(v in plain for v in "aeiouv"):
                found.add(plain)
                found.add(plain.replace("v", "u"))
    return frozenset(found)


def pinyin_syllables(word: str) -> list[str] | None:
    """A word read as pinyin syllables run together (hangzhouwanxiang: hang zhou wan xiang), the fewest
    syllables that make it; None when it is not pinyin."""
    known = _syllables()
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in known:
                candidate = [*head, word[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[n]


def name_terms(*names: str | None) -> set[str]:
    """The terms a subject's names give (its name and alternative name)."""
    found: set[str] = set()
    for name in names:
        if not name:
            continue
        forms = name_forms(name)
        found.update(t for t in forms.tokens if len(t) >= 2)
        if forms.chinese:
            found.update(_chinese_terms(forms.chinese))
    return {t[:MAX_TERM_LENGTH] for t in found}


def query_terms(text: str) -> list[str]:
    """The terms of a query, in order, each once (at most MAX_TERMS)."""
    forms = name_forms(text)
    found = [t for t in forms.tokens if len(t) >= 2]
    if forms.chinese:
        found += _chinese_terms(forms.chinese)
    return list(dict.fromkeys(t[:MAX_TERM_LENGTH] for t in found))[:MAX_TERMS]


def index_subjects(conn: Connection, ids: Iterable[int]) -> None:
    """Keep the search terms of these subjects (organisations ids) that have none yet, in the caller's
    transaction. Sole proprietors are left out: nothing public names them."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        done = set(
            conn.execute(
                select(terms_table.c.organisation_id)
                .where(terms_table.c.organisation_id.in_(chunk))
                .distinct()
            ).scalars()
        )
        rows = conn.execute(
            select(organisations.c.id, organisations.c.name, organisations.c.alt_name).where(
                organisations.c.id.in_([i for i in chunk if i not in done]),
                organisations.c.never_public.is_(False),
            )
        )
        by_subject = {r.id: name_terms(r.name, r.alt_name) for r in rows}
        _store(conn, by_subject)


def index_missing(conn: Connection) -> bool:
    """Keep the search terms of every subject stored without them (before migration 0016): whether there
    was one. Cheap when there is none: one lookup that stops at the first."""
    has_terms = select(terms_table.c.organisation_id).where(
        terms_table.c.organisation_id == organisations.c.id
    )
    missing = (
        select(organisations.c.id)
        .where(organisations.c.never_public.is_(False), ~has_terms.exists())
        .limit(1)
    )
    if conn.execute(missing).first() is None:
        return False
    public = select(organisations.c.id).where(organisations.c.never_public.is_(False))
    index_subjects(conn, list(conn.execute(public).scalars()))
    return True


def _store(conn: Connection, by_subject: dict[int, set[str]]) -> None:
    every = sorted({t for ts in by_subject.values() for t in ts})
    if not every:
        return
    # Sorted: two ingests adding the same new terms at once (PostgreSQL) wait for each other in one order.
    bulk_insert(conn, vocabulary, ("term",), [(t,) for t in every], ignore_conflicts=True)
    ids: dict[str, int] = {}
    for start in range(0, len(every), 5000):
        chunk = every[start : start + 5000]
        source, matches = keyed_by(vocabulary.c.term, chunk, conn.dialect.name)
        query = select(vocabulary.c.term, vocabulary.c.id).select_from(source).where(matches)
        ids.update({r.term: r.id for r in conn.execute(query)})
    rows = sorted((ids[t], org) for org, ts in by_subject.items() for t in ts)
    bulk_insert(conn, terms_table, ("term_id", "organisation_id"), rows, ignore_conflicts=True)


@dataclass(frozen=True)
class Expansion:
    """A query term and the vocabulary's terms it stands for: (term id, similarity 0..1)."""

    term: str
    matches: tuple[tuple[int, float], ...]


class Vocabulary:
    """The vocabulary in memory, read again when it grew (its count and largest id moved)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._ids: dict[str, int] = {}
        self._sorted: list[str] = []
        self._latin: list[str] = []

    def refresh(self, conn: Connection) -> None:
        version = tuple(conn.execute(select(func.count(), func.max(vocabulary.c.id))).one())
        with self._lock:
            if version == self._version:
                return
            rows = conn.execute(select(vocabulary.c.term, vocabulary.c.id)).all()
            ids = {r.term: r.id for r in rows}
            self._ids = ids
            self._sorted = sorted(ids)
            self._latin = [t for t in self._sorted if t.isascii()]
            self._version = version

    def expansions(self, text: str) -> list[Expansion]:
        """What each term of a query stands for. A Latin word the vocabulary knows nothing close to, that
        reads as pinyin run together (hangzhouwanxiang), stands for its pairs of syllables, as a name's
        pinyin is kept."""
        out: dict[str, Expansion] = {}
        for term in query_terms(text):
            found = self.expand(term)
            syllables = (
                pinyin_syllables(term) if not found.matches and term.isascii() and len(term) >= 6 else None
            )
            if syllables and len(syllables) >= 2:
                for pair in _pairs(syllables):
                    out.setdefault(pair, self.expand(pair))
            else:
                out.setdefault(term, found)
        return list(out.values())[:MAX_TERMS]

    def expand(self, term: str) -> Expansion:
        """The terms `term` stands for: itself when known; otherwise those it begins and, in Latin
        script, those close to it."""
        known = self._ids.get(term)
        if known is not None:
            return Expansion(term, ((known, 1.0),))
        found: dict[str, float] = {}
        latin = term.isascii()
        if not latin or len(term) >= PREFIX_MIN:
            at = bisect_left(self._sorted, term)
            for other in self._sorted[at : at + MAX_EXPANSIONS]:
                if not other.startswith(term):
                    break
                found[other] = 0.8 + 0.2 * len(term) / len(other)
        if latin and len(term) >= 4:
            for other, score, _ in process.extract(
                term, self._latin, scorer=fuzz.ratio, score_cutoff=CLOSE, limit=MAX_EXPANSIONS
            ):
                found[other] = max(found.get(other, 0.0), score / 100)
        best = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_EXPANSIONS]
        return Expansion(term, tuple((self._ids[t], round(s, 4)) for t, s in best))


def coverage_query(expansions: Sequence[Expansion]) -> Select[Any] | None:
    """Subjects with any of the expansions' terms, and their coverage (column `coverage`, 0 to 1): a
    grouped query over `search_terms`. None when no term stands for any."""
    used = [e for e in expansions if e.matches]
    if not used:
        return None
    parts: list[ColumnElement[Any]] = []
    for e in used:
        whens = {term_id: literal(sim, Float) for term_id, sim in e.matches}
        parts.append(func.max(case(whens, value=terms_table.c.term_id, else_=literal(0.0, Float))))
    total: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        total = total + part
    every = sorted({term_id for e in used for term_id, _ in e.matches})
    coverage = sql_cast(total, Float) / float(len(expansions))
    return (
        select(terms_table.c.organisation_id.label("id"), coverage.label("coverage"))
        .where(terms_table.c.term_id.in_(every))
        .group_by(terms_table.c.organisation_id)
    )
