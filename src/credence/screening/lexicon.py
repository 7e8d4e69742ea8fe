"""The prohibited-grounds lexicon (lexicon.yaml): load it, and find the grounds a text touches.

One Aho-Corasick automaton (pyahocorasick) holds every term and every `unless` phrase of every ground, so
a text is scanned once however long the lexicon grows: screening a million summaries costs seconds
(docs/benchmarks.md). Word boundaries and `unless` phrases are checked on the few hits only.

>>> lexicon = default_lexicon()
>>> [hit.ground.code for hit in lexicon.hits("Allowed employees to hold a Falun Gong study session.")]
['religion']
>>> lexicon.first("A third-party testing report was falsified; the Temple Street branch sold party supplies.")
>>> lexicon.first("Workers organised an independent union.").ground.label
'union activity'
>>> lexicon.first("未按规定设立党组织").ground.code
'party'
>>> lexicon.first("宁夏回族自治区银川市某公司未按期申报")
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import ahocorasick
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "DEFAULT_LEXICON",
    "Ground",
    "Hit",
    "Lexicon",
    "LexiconError",
    "default_lexicon",
    "fold",
    "load_lexicon",
]

DEFAULT_LEXICON = "lexicon.yaml"
_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015]+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def fold(text: str) -> str:
    """Text as the lexicon reads it: NFKC, case-folded, curly quotes straight, and every run of spaces,
    hyphens and underscores one space.

    >>> fold("Ｐａｒｔｙ\u3000Ｍｅｍｂｅｒ—ｓｈｉｐ")
    'party member ship'
    """
    if text.isascii():  # most text: NFKC changes no ASCII, and case-folding ASCII is lower()
        folded = text.lower()
        if "-" not in folded and "_" not in folded and "  " not in folded and folded.isprintable():
            return folded
        return _SEPARATORS.sub(" ", folded)
    if not unicodedata.is_normalized("NFKC", text):  # a quick check in C; most Chinese text is
        text = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub(" ", text.casefold().translate(_QUOTES))


class LexiconError(ValueError):
    """A lexicon file that cannot be used, with the reason."""


@dataclass(frozen=True, slots=True)
class Ground:
    code: str
    label: str
    label_zh: str


@dataclass(frozen=True, slots=True)
class Hit:
    ground: Ground
    words: str  # the words as folded: for the operator's own files; never repeated back to a submitter
    start: int
    end: int  # exclusive, in the folded text


class _Terms(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)


class _GroundDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z][a-z_]{1,31}$")
    label: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)
    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)
    unless: _Terms = _Terms()


class _LexiconDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(min_length=1)
    grounds: list[_GroundDoc] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One pattern in the automaton: a ground's term, or (ground None) an `unless` phrase."""

    ground: Ground | None
    prefix: bool  # the term ended in '*': any word that starts with it
    latin: bool  # whole words only


class Lexicon:
    """The grounds and their terms, compiled; `hits` and `first` screen a text."""

    def __init__(
        self, version: str, grounds: tuple[Ground, ...], text: str, source: str, automaton: Any
    ) -> None:
        self.version = version
        self.grounds = grounds
        self.source = source
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self._text = text
        self._automaton = automaton

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent to the checking process as its text: rebuilding the automaton there costs milliseconds.
        return (parse_lexicon, (self._text, self.source))

    def hits(self, text: str) -> list[Hit]:
        """Every hit in the text, in order, outside `unless` phrases."""
        folded = fold(text)
        found: list[Hit] = []
        spared: list[tuple[int, int]] = []
        for start, end, entry in self._matches(folded):
            if entry.ground is None:
                spared.append((start, end))
            else:
                found.append(Hit(entry.ground, folded[start:end], start, end))
        if spared:
            found = [h for h in found if not any(s <= h.start and h.end <= e for s, e in spared)]
        found.sort(key=lambda h: h.start)
        return found

    def first(self, text: str) -> Hit | None:
        """The first hit in the text, or None: what a refusal names."""
        found = self.hits(text)
        return found[0] if found else None

    def grounds_in(self, text: str) -> list[Hit]:
        """One hit per ground the text touches, in the lexicon's order of grounds."""
        by_ground: dict[str, Hit] = {}
        for hit in self.hits(text):
            by_ground.setdefault(hit.ground.code, hit)
        return [by_ground[g.code] for g in self.grounds if g.code in by_ground]

    def _matches(self, folded: str) -> Iterator[tuple[int, int, _Entry]]:
        for last, (length, entries) in self._automaton.iter(folded):
            start, end = last - length + 1, last + 1
            for entry in entries:
                if entry.latin:
                    if start > 0 and folded[start - 1].isalnum():
                        continue
                    if end < len(folded) and folded[end].isalnum():
                        if not entry.prefix:
                            continue
                        yield start, _word_end(folded, end), entry
                        continue
                yield start, end, entry


def _word_end(text: str, i: int) -> int:
    while i < len(text) and text[i].isalnum():
        i += 1
    return i


def _compile(doc: _LexiconDoc, text: str, source: str) -> Lexicon:
    automaton = ahocorasick.Automaton()
    patterns: dict[str, list[_Entry]] = {}
    grounds = []
    for g in doc.grounds:
        ground = Ground(g.code, g.label, g.label_zh)
        grounds.append(ground)
        for term in (*g.en, *g.zh):
            _add(patterns, term, ground, g.code)
        for term in (*g.unless.en, *g.unless.zh):
            _add(patterns, term, None, g.code)
    for key, entries in patterns.items():
        automaton.add_word(key, (len(key), tuple(entries)))
    automaton.make_automaton()
    return Lexicon(doc.version, tuple(grounds), text, source, automaton)


def _add(patterns: dict[str, list[_Entry]], term: str, ground: Ground | None, code: str) -> None:
    prefix = term.endswith("*")
    key = fold(term.removesuffix("*")).strip()
    if len(key) < 2:
        raise LexiconError(f"ground '{code}': term {term!r} is too short to screen text by")
    latin = _HAN.search(key) is None
    if not latin and prefix:
        raise LexiconError(
            f"ground '{code}': the Chinese term {term!r} cannot end in '*' (it matches anywhere)"
        )
    patterns.setdefault(key, []).append(_Entry(ground, prefix, latin))


def parse_lexicon(text: str, source: str = "<text>") -> Lexicon:
    """A lexicon from YAML text; raises LexiconError naming the problem."""
    try:
        raw = yaml.safe_load(text)
        doc = _LexiconDoc.model_validate(raw)
    except yaml.YAMLError as exc:
        raise LexiconError(f"lexicon {source} is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LexiconError(f"lexicon {source} is refused: {where}: {first['msg']}") from exc
    codes = [g.code for g in doc.grounds]
    if len(set(codes)) != len(codes):
        raise LexiconError(f"lexicon {source} is refused: a ground appears twice")
    return _compile(doc, text, source)


def load_lexicon(path: Path | None = None) -> Lexicon:
    """The lexicon at `path`, or the one shipped in the package."""
    if path is None:
        return default_lexicon()
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"lexicon {path} cannot be read: {exc}") from exc
    return parse_lexicon(text, str(path))


@functools.cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped in the package (compiled once per process)."""
    text = resources.files("credence.screening").joinpath(DEFAULT_LEXICON).read_text("utf-8")
    return parse_lexicon(text, f"(default) {DEFAULT_LEXICON}")
