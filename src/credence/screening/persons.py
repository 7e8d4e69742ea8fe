"""Natural persons known only by name: a subject without an identifier must be named as an organisation.

Debarment and sanctions lists publish people and firms side by side, often without an identifier and
without saying which is which. A name is taken for an organisation when it carries a sign of one:

- what rigour's name analysis tags in an organisation's name (OpenSanctions' data in many languages): a
  legal form (Ltd, S.A., GmbH, S. de R.L. de C.V., 有限公司 …), an organisation word (Group, Brothers,
  Trading, Federation …), a field of business (Construction, Engineering, Consulting …) or a place;
- or one of the few forms rigour does not know, listed below (SURL, S. de R.L., "& Sons" …), or a Chinese
  organisation suffix (公司, 集团, 厂, 院, 局, 所, 中心, 社, 会, 店, 部), or, at the end of a name of four
  characters or more, an institution's (学校, 中学, 大学, 幼儿园, 银行, 农场, 博物馆 …).

A name with none of them, or one that starts with a personal title and has none of them, is a person's
name, and the row is refused as `natural_person`. The registry refuses a firm it cannot tell from a
person rather than record a person (docs/sources.md has the measured cost on the shipped lists).

>>> person_name("MR. KHUDA DAD")
'a personal title'
>>> person_name("PIERRE SAVIGNAC")
'no sign of an organisation'
>>> [person_name(n) for n in ("ACME S. A.", "Foo S. de R.L.", "Groupement Bar SURL",
...                           "Muhammad Ayub and Brothers", "T.E. Australia", "Dr. Reddy's Laboratories Ltd")]
[None, None, None, None, None, None]
>>> person_name("张伟"), person_name("深圳市示例电子有限公司")
('no sign of an organisation', None)
"""

from __future__ import annotations

import re
import unicodedata

from rigour.names import NameTypeTag, SymbolCategory, analyze_names

__all__ = ["has_organisation_sign", "person_name"]

_ORG_CATEGORIES = frozenset(
    {SymbolCategory.ORG_CLASS, SymbolCategory.SYMBOL, SymbolCategory.DOMAIN, SymbolCategory.LOCATION}
)
# Words of organisational form in the languages of the development banks' lists, kept from the source
# mappings that first used them: rigour's data covers most, not all ("ooo", "şirketi", "intreprinderea").
_LIST_WORDS = (
    "co",
    "corp",
    "corporation",
    "company",
    "companies",
    "compania",
    "compañia",
    "companhia",
    "cia",
    "ltd",
    "ltda",
    "limited",
    "limitada",
    "llc",
    "l\\.l\\.c",
    "llp",
    "lp",
    "l\\.p",
    "inc",
    "incorporated",
    "plc",
    "pvt",
    "pte",
    "pty",
    "gmbh",
    "ges\\.m\\.b\\.h",
    "ag",
    "kg",
    "sa",
    "s\\.a",
    "sas",
    "s\\.a\\.s",
    "sarl",
    "s\\.a\\.r\\.l",
    "srl",
    "s\\.r\\.l",
    "spa",
    "s\\.p\\.a",
    "sl",
    "s\\.l",
    "slu",
    "s\\.l\\.u",
    "bv",
    "b\\.v",
    "nv",
    "n\\.v",
    "ab",
    "oy",
    "as",
    "a\\.s",
    "ad",
    "jsc",
    "ojsc",
    "cjsc",
    "ooo",
    "oao",
    "zao",
    "too",
    "tov",
    "mchj",
    "mmc",
    "eood",
    "ood",
    "sh\\.p\\.k",
    "sdn",
    "bhd",
    "tbk",
    "pt",
    "cv",
    "c\\.a",
    "sac",
    "s\\.a\\.c",
    "eirl",
    "eireli",
    "e\\.i\\.r\\.l",
    "pkf",
    "group",
    "grupo",
    "holding",
    "holdings",
    "enterprise",
    "enterprises",
    "empresa",
    "international",
    "industries",
    "industrial",
    "industria",
    "engineering",
    "engenharia",
    "ingenieria",
    "ingeniería",
    "lngeneering",
    "construction",
    "constructions",
    "constructora",
    "construtora",
    "construcciones",
    "construccion",
    "construya",
    "consult",
    "consulting",
    "consultants",
    "consultores",
    "consultoria",
    "associates",
    "asociados",
    "partners",
    "services",
    "servicios",
    "serviços",
    "servis",
    "service",
    "solutions",
    "systems",
    "sistemas",
    "technologies",
    "technology",
    "tecnologia",
    "trading",
    "traders",
    "trade",
    "contractors",
    "contractor",
    "contracting",
    "builders",
    "development",
    "desarrollo",
    "developers",
    "bureau",
    "institute",
    "agency",
    "agencies",
    "foundation",
    "association",
    "cooperative",
    "firm",
    "baufirma",
    "factory",
    "works",
    "center",
    "centre",
    "office",
    "branch",
    "joint",
    "venture",
    "jv",
    "establishment",
    "ventures",
    "investments",
    "invest",
    "logistics",
    "supplies",
    "supplier",
    "suppliers",
    "equipment",
    "electric",
    "energy",
    "power",
    "pharma",
    "pharmaceuticals",
    "medical",
    "médica",
    "laboratories",
    "labs",
    "motors",
    "studio",
    "design",
    "dizayn",
    "architects",
    "project",
    "projects",
    "proyectos",
    "proekt",
    "management",
    "import",
    "export",
    "sociedad",
    "société",
    "societe",
    "sociedade",
    "university",
    "school",
    "college",
    "hospital",
    "ministry",
    "department",
    "authority",
    "council",
    "bank",
    "consorcio",
    "cabinet",
    "central",
    "travel",
    "resources",
    "commerce",
    "comercio",
    "comércio",
    "distribuidora",
    "distribuciones",
    "proveedora",
    "proveeduría",
    "ferretera",
    "tiendas",
    "agro",
    "gold",
    "teksil",
    "montaj",
    "loyiha",
    "travaux",
    "maritime",
    "aviation",
    "softwares",
    "software",
    "initiative",
    "health",
    "care",
    "sangha",
    "sangstha",
    "cəmiyyəti",
    "cemiyyeti",
    "məsuliyyətli",
    "prefabricados",
    "plan",
    "negocios",
    "anonim",
    "şirketi",
    "sirketi",
    "sanayi",
    "ticaret",
    "intreprinderea",
    "kb",
    "universal",
    "auto",
)
_LIST_FORMS = re.compile(r"(?<![\w])(" + "|".join(_LIST_WORDS) + r")(?![\w])", re.IGNORECASE)
# Forms rigour's data lacks, seen on the development banks' lists.
_MORE_FORMS = re.compile(
    r"(?<![\w])(?:s\.?\s*de\s*r\.?\s*l\.?|s\.?\s*r\.?\s*l\.?|surl|eurl|sarlu|sasu|s\.?\s*a\.?\s*s\.?|"
    r"s\.?\s*a\.?|s\.?\s*p\.?\s*a\.?|ltda|pvt|pte|pty|jsc|llp|plc|gie|groupement|consortium|joint\s+venture|"
    r"jv|associates|partners|sons|brothers|bros|enterprises?|establishments?|ets|sarl)(?![\w])|&|\bm/s\b",
    re.IGNORECASE,
)
_CHINESE_ORGANISATION = re.compile("公司|集团|厂|院|局|所|中心|社|会|店|部")
# Institutions named without a legal form (found screening bidders by name: schools were refused as people).
# At the end of a name of four characters or more: a person's name is two to four, and 王大学 is one.
_CHINESE_INSTITUTION = re.compile("(?:学校|中学|小学|大学|幼儿园|银行|农场|林场|博物馆|图书馆|体育馆)$")
# Personal titles at the start of a name (as the lists write them); "MS" in capitals without a dot is
# M/S, Messrs, a firm, so it is not among them.
_TITLE = re.compile(
    r"^(?:mr|mrs|mx|miss|madam|mme|dr|sir|eng|engr|md|prof|sheikh|hon)\.?\s+|^(?:ms\.|Ms)\s+|^\S+\s*(?:先生|女士)$",
    re.IGNORECASE,
)


def _signs(text: str) -> tuple[bool, bool]:
    """(a legal form, any sign of an organisation) in one name."""
    institution = len(text.strip()) >= 4 and bool(_CHINESE_INSTITUTION.search(text.strip()))
    form = bool(
        _CHINESE_ORGANISATION.search(text)
        or institution
        or _MORE_FORMS.search(text)
        or _LIST_FORMS.search(text)
    )
    sign = form
    for analysed in analyze_names(NameTypeTag.ORG, [text]):
        for span in analysed.spans:
            category, symbol = span.symbol.category, str(span.symbol)
            if category == SymbolCategory.ORG_CLASS and symbol != "[ORGCLS:NGO]":  # Ngo is a surname too
                form = sign = True
            elif category in (SymbolCategory.SYMBOL, SymbolCategory.DOMAIN):
                sign = True
            elif category == SymbolCategory.LOCATION and _COUNTRY.fullmatch(symbol):
                sign = True  # a country ("T.E. Australia"), not a city that is also a first name (Geneva)
    return form, sign


_NAMED_INSIDE = re.compile(r"\b(?:Mr|Mrs|Dr|MR|MRS|DR|Ms\.|MS\.)\.?\s+[A-Z]")
_COUNTRY = re.compile(r"\[LOC:[a-z]{2}\]")


def has_organisation_sign(*names: str | None) -> bool:
    """Whether any of the names carries a sign of an organisation."""
    return person_name(*names) is None if names and names[0] else False


def person_name(name: str | None, alt_name: str | None = None) -> str | None:
    """Why a subject without an identifier is taken for a natural person ('a personal title', 'no sign
    of an organisation'), or None when the names are an organisation's. After a personal title only a
    legal form will do: "ENGR. …" is a title, not a field of engineering."""
    texts = [unicodedata.normalize("NFKC", n).strip() for n in (name, alt_name) if n and n.strip()]
    if not texts:
        return "no sign of an organisation"
    titled = _TITLE.search(texts[0])
    if titled:
        texts[0] = texts[0][titled.end() :]
    if any(_NAMED_INSIDE.search(text) for text in texts):
        return "a personal title"  # "… and any entity controlled by Mr. X": a person is named
    for text in texts:
        form, sign = _signs(text)
        if form or (sign and not titled):
            return None
    return "a personal title" if titled else "no sign of an organisation"
