"""Legal citations: read a record's `legal_basis`, match it against a category's closed list of laws and
articles, and refuse laws whose subject is a prohibited ground (denied_laws.yaml).

A citation is read the way clerks write it, in English or Chinese: 《》 brackets, "of the People's Republic
of China" / 中华人民共和国, "Art." / "Article" / "Section" / 第…条 with Arabic or Chinese numerals,
full-width characters and any spacing.

>>> [(c.law, c.articles) for c in parse_citations("《中华人民共和国食品安全法》第一百二十四条")]
[('食品安全法', (124,))]
>>> [(c.law, c.articles) for c in parse_citations("Food Safety Law of the PRC, Art. 124")]
[('foodsafetylaw', (124,))]
>>> [(c.law, c.articles) for c in parse_citations("Article 55 of the Advertising Law; 产品质量法第49条")]
[('advertisinglaw', (55,)), ('产品质量法', (49,))]
>>> parse_articles("122-150, 152")
((122, 150), (152, 152))
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

__all__ = [
    "Citation",
    "DeniedLaw",
    "DeniedLaws",
    "LawRef",
    "default_denied_laws",
    "law_key",
    "parse_articles",
    "parse_citations",
]

_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_ARTICLE = re.compile(r"第\s*([0-9零〇一二两三四五六七八九十百千]+)\s*[条條]")
_EN_ARTICLE = re.compile(
    r"\b(?:arts?\.?|articles?|sections?|secs?\.?|§|para(?:graph)?s?\.?|rules?)\s*(\d+)(?:\.\d+)*"
    r"((?:\s*(?:,|，|、|and|&)\s*\d+(?![\d.]*\s*(?:para|item|款|项)))*)",
    re.IGNORECASE,
)
_ARTICLE_FIRST = re.compile(
    r"^\s*(?:arts?\.?|articles?|sections?|secs?\.?|§)\s*\d+[\d.,\s]*(?:and\s*\d+\s*)?of\s+(?:the\s+)?(.+)$",
    re.IGNORECASE,
)
_SEGMENTS = re.compile(r"[;；\n]+")
_COUNTRY = re.compile(r"(?:\bof\s+the\s+)?(?:people'?s\s+republic\s+of\s+china|\bprc\b)|中华人民共和国")
_LEADING = re.compile(r"^(?:the|prc)\s+")
_STRIP_CHARS = re.compile(r"[\s,，.。、:：'\"“”‘’()（）《》〈〉「」\[\]]+")
_RANGE = re.compile(r"^\s*(\d+)\s*(?:[-–~]|to)\s*(\d+)\s*$")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")


def law_key(name: str) -> str:
    """A law's name as compared: folded, without 《》, punctuation, spaces or "of the People's Republic of
    China" / 中华人民共和国.

    >>> law_key("《中华人民共和国 食品安全法》") == law_key("食品安全法")
    True
    >>> law_key("The Advertising Law of the People's Republic of China")
    'advertisinglaw'
    """
    text = _STRIP_CHARS.sub(" ", _COUNTRY.sub(" ", _fold(name))).strip()
    return _LEADING.sub("", _LEADING.sub("", text)).replace(" ", "")


def _zh_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            total += (current or 1) * _ZH_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True, slots=True)
class Citation:
    """One law cited, by its key, with the article numbers cited from it (empty: no article given)."""

    law: str
    articles: tuple[int, ...]


def parse_citations(text: str) -> list[Citation]:
    """The laws and articles a legal basis cites; one per segment separated by ';' or a line break."""
    out = []
    for segment in _SEGMENTS.split(unicodedata.normalize("NFKC", text)):
        if not segment.strip():
            continue
        zh = list(_ZH_ARTICLE.finditer(segment))
        if zh:
            law = segment[: zh[0].start()]
            numbers = [_zh_number(m.group(1)) for m in zh]
            out.append(Citation(law_key(law), tuple(n for n in numbers if n is not None)))
            continue
        first = _ARTICLE_FIRST.match(segment)
        en = list(_EN_ARTICLE.finditer(segment))
        if first is not None:
            law = first.group(1)
        elif en:
            law = segment[: en[0].start()]
        else:
            out.append(Citation(law_key(segment), ()))
            continue
        articles: list[int] = []
        for m in en:
            articles.append(int(m.group(1)))
            articles.extend(int(n) for n in re.findall(r"\d+", m.group(2) or ""))
            if first is None:
                break  # "Art. 124, para. 2": the paragraph is not another article
        out.append(Citation(law_key(law), tuple(articles)))
    return out


def parse_articles(text: str) -> tuple[tuple[int, int], ...]:
    """Article ranges as written in a catalog: "122-150, 152" → ((122, 150), (152, 152))."""
    ranges = []
    for part in re.split(r"[,，、]", text):
        if not part.strip():
            continue
        found = _RANGE.match(part)
        if found:
            low, high = int(found.group(1)), int(found.group(2))
        elif part.strip().isdigit():
            low = high = int(part)
        else:
            raise ValueError(f"articles {text!r}: {part.strip()!r} is not a number or a range like 122-150")
        if high < low:
            raise ValueError(f"articles {text!r}: the range {low}-{high} runs backwards")
        ranges.append((low, high))
    if not ranges:
        raise ValueError("articles: give the article numbers, e.g. 122-150")
    return tuple(ranges)


class LawRef(BaseModel):
    """A law and the articles of it that a category may rest on (or, in denied_laws.yaml, that are
    refused), in English and Chinese."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    law: str = Field(min_length=1)
    law_zh: str = Field(min_length=1)
    articles: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()  # other names the law goes by, e.g. other translations
    # Computed once: a legal basis is compared with every law of a list, on every row checked.
    _keys: frozenset[str] = PrivateAttr(default=frozenset())
    _ranges: tuple[tuple[int, int], ...] | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        self._keys = frozenset({law_key(self.law), law_key(self.law_zh), *(law_key(a) for a in self.aliases)})
        self._ranges = None if self.articles.strip() == "all" else parse_articles(self.articles)

    @field_validator("articles", mode="before")
    @classmethod
    def _articles(cls, value: object) -> object:
        if isinstance(value, int):
            value = str(value)
        if isinstance(value, str) and value.strip() != "all":
            parse_articles(value)
        return value

    @property
    def ranges(self) -> tuple[tuple[int, int], ...] | None:
        """The article ranges, or None for every article."""
        return self._ranges

    @property
    def keys(self) -> frozenset[str]:
        return self._keys

    def covers(self, citation: Citation) -> bool:
        """Whether the citation is this law and every article it cites is in range (it must cite one,
        unless every article is meant)."""
        if citation.law not in self.keys:
            return False
        ranges = self.ranges
        if ranges is None:
            return True
        return bool(citation.articles) and all(
            any(lo <= a <= hi for lo, hi in ranges) for a in citation.articles
        )

    def overlaps(self, other: LawRef) -> bool:
        """Whether the two name the same law and share an article."""
        if not self.keys & other.keys:
            return False
        mine, theirs = self.ranges, other.ranges
        if mine is None or theirs is None:
            return True
        return any(a <= d and c <= b for a, b in mine for c, d in theirs)

    def __str__(self) -> str:
        arts = "every article" if self.articles.strip() == "all" else f"Arts. {self.articles}"
        return f"{self.law} ({self.law_zh}), {arts}"


def accepts(bases: Iterable[LawRef], text: str) -> bool:
    """Whether every law a legal basis cites is one of `bases`, at an article in range."""
    citations = parse_citations(text)
    bases = tuple(bases)
    return bool(citations) and all(any(b.covers(c) for b in bases) for c in citations)


class DeniedLaw(LawRef):
    ground: str = Field(min_length=1)
    why: str = Field(min_length=1)


class _DeniedDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(min_length=1)
    laws: list[DeniedLaw] = Field(min_length=1)


@dataclass(frozen=True)
class DeniedLaws:
    """Laws whose subject is a prohibited ground: no category may list them, no record may rest on them."""

    version: str
    laws: tuple[DeniedLaw, ...]
    _by_key: dict[str, list[DeniedLaw]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for law in self.laws:
            for key in law.keys:
                self._by_key.setdefault(key, []).append(law)

    def cited_in(self, text: str) -> DeniedLaw | None:
        """The first denied law a legal basis cites (at a denied article), or None."""
        for citation in parse_citations(text):
            for law in self._by_key.get(citation.law, ()):
                if law.ranges is None or not citation.articles or law.covers(citation):
                    return law
        return None

    def overlapping(self, ref: LawRef) -> DeniedLaw | None:
        return next((law for law in self.laws if law.overlaps(ref)), None)


def parse_denied_laws(text: str, source: str) -> DeniedLaws:
    try:
        doc = _DeniedDoc.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"denied laws {source} cannot be used: {exc}") from exc
    return DeniedLaws(doc.version, tuple(doc.laws))


@functools.cache
def default_denied_laws() -> DeniedLaws:
    text = resources.files("credence.screening").joinpath("denied_laws.yaml").read_text("utf-8")
    return parse_denied_laws(text, "(default) denied_laws.yaml")
