"""The catalog's data model: departments, categories and their rules, validated by pydantic."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credence import i18n
from credence.screening.laws import LawRef, accepts


class InformationClass(StrEnum):
    """The 13 classes of the national public credit information catalog (2024 edition)."""

    registration = "registration"
    judicial = "judicial"  # court judgments and enforcement
    administrative_management = "administrative_management"  # licences, penalties, inspections
    professional_qualification = "professional_qualification"
    abnormal_operation = "abnormal_operation"
    serious_dishonesty = "serious_dishonesty"
    contract_performance = "contract_performance"
    credit_commitment = "credit_commitment"
    credit_evaluation = "credit_evaluation"
    legal_compliance = "legal_compliance"  # tax, social insurance
    honour = "honour"
    intellectual_property = "intellectual_property"
    voluntary = "voluntary"  # supplied by the organisation itself


class Publicity(StrEnum):
    public = "public"
    shared = "shared"  # with public bodies, for a stated purpose
    private = "private"  # to the organisation itself


class Polarity(StrEnum):
    adverse = "adverse"
    neutral = "neutral"
    favourable = "favourable"


class Severity(StrEnum):
    minor = "minor"
    general = "general"
    serious = "serious"


class ListKind(StrEnum):
    """The lists with a procedure of their own: a category that is one is never submitted as a record;
    its entries are proposed or made, noticed and ended through `credence.lists`."""

    serious_dishonesty = "serious_dishonesty"
    abnormal_operation = "abnormal_operation"
    honour = "honour"


# The grades a rating gives, best first: the rating policy's grades (credence.rating.policy) and the grade
# triggers of the measures catalog (credence.measures) are checked against this one list.
GRADES = ("A", "B", "C", "D")

# What each list is called in a sentence ("the honours list").
LIST_NAMES = {
    ListKind.serious_dishonesty: "serious-dishonesty",
    ListKind.abnormal_operation: "abnormal-operation",
    ListKind.honour: "honours",
}

# What each list's category must be: its information class and polarity.
LIST_SHAPES = {
    ListKind.serious_dishonesty: (InformationClass.serious_dishonesty, Polarity.adverse),
    ListKind.abnormal_operation: (InformationClass.abnormal_operation, Polarity.adverse),
    ListKind.honour: (InformationClass.honour, Polarity.favourable),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LegalBasis(_Strict):
    """A law and article the registry's own files cite, in English (`law`, `article`: the citation as it is
    compared and stored) and, for Chinese readers, in Chinese (`law_zh`, `article_zh`)."""

    law: str = Field(min_length=1)
    article: str = Field(min_length=1)
    law_zh: str | None = None  # the law's Chinese title, without 《》 (added when cited)
    article_zh: str | None = None  # the article in Chinese: 第十条, 第二部分

    @model_validator(mode="after")
    def _zh_pair(self) -> LegalBasis:
        if self.article_zh and not self.law_zh:
            raise ValueError("article_zh is given without law_zh")
        return self

    def __str__(self) -> str:
        return f"{self.law}, {self.article}"

    def screened(self) -> str:
        """Every word of the citation, in both languages, for the screen: a denied law is refused whether
        the English or the Chinese title names it."""
        return " ".join(filter(None, (str(self), self.law_zh, self.article_zh)))

    def law_cited(self) -> str:
        """The law alone, as a sentence in the reader's language names it: its English title, or
        《市场监督管理严重违法失信名单管理办法》."""
        if i18n.current() == "zh" and self.law_zh:
            return self.law_zh if "《" in self.law_zh else f"《{self.law_zh}》"
        return self.law

    def cited(self) -> str:
        """The citation in the reader's language: str(self) in English (or where no Chinese is given),
        《市场监督管理严重违法失信名单管理办法》第十条 in Chinese."""
        if i18n.current() == "zh" and self.law_zh:
            return f"{self.law_cited()}{self.article_zh or self.article}"
        return str(self)


class Citations:
    """The registry's own legal bases (a category's, a list criterion's, a measure's) by their English
    citation, so that a citation stored as text (a list entry keeps its criterion's `str(legal_basis)`) is
    shown in the reader's language. Text it does not know (a record's own legal basis, typed by its
    department) is shown as it is."""

    def __init__(self, bases: Iterable[LegalBasis]) -> None:
        self._by_text = {str(b): b for b in bases}

    def __call__(self, basis: LegalBasis | str | None) -> str:
        if basis is None:
            return ""
        if isinstance(basis, LegalBasis):
            return basis.cited()
        known = self._by_text.get(basis)
        return known.cited() if known is not None else basis


class Period(_Strict):
    """How long a record is published, in days. Every period is finite: nothing is published forever."""

    min_days: int = Field(ge=0)
    max_days: int = Field(ge=0, le=3650)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.max_days < self.min_days:
            raise ValueError(f"max_days ({self.max_days}) is shorter than min_days ({self.min_days})")
        return self


DEFAULT_SEVERITY_PERIODS = {
    Severity.minor: Period(min_days=0, max_days=0),
    Severity.general: Period(min_days=90, max_days=365),
    Severity.serious: Period(min_days=365, max_days=1095),
}


class Publication(_Strict):
    minor: Period | None = None
    general: Period | None = None
    serious: Period | None = None
    any: Period | None = None  # for categories where severity does not apply


class Department(_Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    name: str = Field(min_length=1)
    name_zh: str | None = None
    domain: str = Field(min_length=1)
    # For a publisher of lists abroad (a development bank, a sanctions authority): the list it publishes,
    # and where its decisions are contested. A check that applies one of its decisions names both: a
    # decision is contested with whoever made it, never with Credence, which only republishes it.
    publishes: str | None = None
    contest: str | None = None


class Category(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    title: str = Field(min_length=1)
    title_zh: str | None = None
    description: str = ""
    information_class: InformationClass
    legal_basis: LegalBasis
    # The closed list of laws and articles a record of this category may rest on (its `legal_basis`).
    bases: tuple[LawRef, ...] = Field(min_length=1)
    departments: tuple[str, ...] = Field(min_length=1)
    severity_applies: bool
    requires_identifier: bool = True
    publicity: Publicity
    polarity: Polarity
    publication: Publication = Publication()
    criteria: tuple[str, ...] = ()
    list: ListKind | None = None  # entries of this list are made through the list procedure only

    @field_validator("information_class", mode="before")
    @classmethod
    def _known_class(cls, value: object) -> object:
        if isinstance(value, str) and value not in InformationClass.__members__:
            known = ", ".join(InformationClass)
            raise ValueError(f"information class '{value}' is not one of the national classes ({known})")
        return value

    @model_validator(mode="after")
    def _periods(self) -> Category:
        pub = self.publication
        if self.severity_applies:
            if pub.any is not None:
                raise ValueError(
                    "publication.any is for categories without severity; give minor/general/serious"
                )
            filled = {s: getattr(pub, s.value) or DEFAULT_SEVERITY_PERIODS[s] for s in Severity}
            object.__setattr__(self, "publication", Publication(**{s.value: p for s, p in filled.items()}))
        elif pub.any is None:
            raise ValueError("publication.any (min_days, max_days) is required when severity does not apply")
        elif any(getattr(pub, s.value) is not None for s in Severity):
            raise ValueError("publication per severity given, but severity_applies is false")
        if self.list is not None:
            information_class, polarity = LIST_SHAPES[self.list]
            if (self.information_class, self.polarity) != (information_class, polarity):
                raise ValueError(
                    f"the {self.list.value} list is of information class '{information_class.value}' "
                    f"and {polarity.value}"
                )
        return self

    def accepts_basis(self, text: str) -> bool:
        """Whether a record's legal basis cites only laws and articles of this category's closed list."""
        return accepts(self.bases, text)

    def bases_text(self) -> str:
        """The closed list, for a message: "Food Safety Law (食品安全法), Arts. 122-150; …"."""
        return "; ".join(str(b) for b in self.bases)

    def period(self, severity: Severity | None) -> Period:
        """The publication period that applies to a record of this category."""
        if self.severity_applies:
            if severity is None:
                raise ValueError(f"category {self.code} needs a severity")
            period: Period | None = getattr(self.publication, severity.value)
        else:
            period = self.publication.any
        assert period is not None  # guaranteed by _periods
        return period


class CatalogDocument(_Strict):
    """The YAML file as written."""

    version: str = Field(min_length=1)
    title: str = ""
    departments: tuple[Department, ...] = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)
