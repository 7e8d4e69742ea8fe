"""What a credit report says, as a plain dict built from the registry's services: the organisation's
identity, grade and reasons, its public records, list entries and measures in force. Only what anyone may
see on the site goes in, so a report never publishes more than the profile does.

The same builder runs when a report is issued and when it is verified: a report is still current when
today's content equals the stored one, apart from the fields that only date it (VOLATILE).

The builder writes its sentences (reasons, what would change, category titles) in the current language; the
report service builds in the language the report is issued in, and records it. The differences between two
contents are told in the reader's language."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine

from credence import i18n
from credence.catalog import Catalog
from credence.catalog.model import ListKind
from credence.checks.service import CheckService
from credence.i18n import N_, _
from credence.lists import repository as lists_repo
from credence.lists.exports import public_row
from credence.measures.catalog import DOMAINS
from credence.process import repository as process_repo
from credence.rating.service import RatingService
from credence.records import publicity

# Fields that say when a report was made, not what it says: left out when two reports are compared.
VOLATILE = ("as_of", "issued_at", "code")
MAX_RECORDS = 10_000


def build(
    engine: Engine, catalog: Catalog, rating: RatingService, checks: CheckService, org: Any, today: date
) -> dict[str, Any]:
    """The content of a report on this organisation (an organisations row) as of today."""
    found = rating.explain_row(org, today, with_history=False)
    r = found.rating
    reasons = found.public_reason_lines(catalog)
    changes = found.public_change_lines(catalog)
    with engine.connect() as conn:
        _total, records = publicity.public_records(conn, catalog, org.id, today, 1, MAX_RECORDS)
        contested = process_repo.under_objection(conn, [x.id for x in records])
        entries = lists_repo.current_of(conn, org.id, today)
    eligibility: dict[str, str] = {}
    measures: list[dict[str, Any]] = []
    for domain, title in DOMAINS.items():
        check = checks.check(org.code, domain)
        eligibility[domain] = check.result
        for a in check.applied:
            measures.append({"domain_title": title, **a.to_json()})
    return {
        "as_of": today.isoformat(),
        "organisation": {
            "key": org.key,
            "identifier": org.code,
            "name": org.name,
            "alt_name": org.alt_name,
            "kind": org.kind,
        },
        "rating": {
            "grade": r.grade,
            "score": r.score,
            "policy_version": r.policy_version,
            "grade_limited_by": r.grade_limited_by,
            "reasons": reasons,
            "what_would_change": changes,
        },
        "public_records": [
            {
                "department": x.department,
                "source_record_id": x.source_record_id,
                "category": x.category,
                "category_title": _category_title(catalog, x.category),
                "severity": x.severity,
                "status": x.status,
                "decided_on": x.decided_on.isoformat(),
                "legal_basis": x.legal_basis,
                "published_until": publicity.published_until(catalog, x).isoformat(),
                "under_objection": x.id in contested,
            }
            for x in records
        ],
        "list_entries": [_entry(checks, e, catalog) for e in entries],
        "eligibility": eligibility,
        "measures": measures,
    }


def _category_title(catalog: Catalog, category: str) -> str:
    c = catalog.categories[category]
    return str(c.title_zh) if i18n.current() == "zh" and c.title_zh else c.title


def _entry(checks: CheckService, entry: Any, catalog: Catalog) -> dict[str, Any]:
    row = public_row(entry, catalog)
    rule = checks.lists.criterion(ListKind(entry.list), entry.criterion)
    row["criterion_text"] = i18n.pick(rule.text, rule.text_zh) if rule is not None else None
    del row["identifier"], row["organisation"]  # the report's identity says whose entries these are
    return row


def canonical(content: dict[str, Any]) -> str:
    """The one text of a content: sorted keys, no spaces, UTF-8 as is. Its SHA-256 is the fingerprint."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def comparable(content: dict[str, Any]) -> str:
    return canonical({k: v for k, v in content.items() if k not in VOLATILE})


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two contents, one line per change, at the level of a report's lines: which
    field of the identity or the rating, which record, entry or measure came or went (in the current
    language)."""
    out: list[str] = []
    old_org, new_org = before.get("organisation", {}), after.get("organisation", {})
    for name in sorted(set(old_org) | set(new_org)):
        if old_org.get(name) != new_org.get(name):
            out.append(
                _(
                    "identity: %(field)s was %(old)s, now %(new)s",
                    field=_field(name),
                    old=old_org.get(name),
                    new=new_org.get(name),
                )
            )
    old_r, new_r = before.get("rating", {}), after.get("rating", {})
    for name in ("grade", "score", "policy_version", "grade_limited_by"):
        if old_r.get(name) != new_r.get(name):
            out.append(
                _(
                    "%(field)s was %(old)s, now %(new)s",
                    field=_field(name),
                    old=old_r.get(name),
                    new=new_r.get(name),
                )
            )
    for name, words in (
        ("reasons", N_("the reasons for the grade changed")),
        ("what_would_change", N_("what would change it changed")),
    ):
        if old_r.get(name) != new_r.get(name):
            out.append(_(words))
    out += _keyed(
        before.get("public_records", []),
        after.get("public_records", []),
        lambda x: _("record %(record)s", record=x["department"] + "/" + x["source_record_id"]),
        (N_("%(what)s is no longer published"), N_("%(what)s is newly published")),
    )
    out += _keyed(
        before.get("list_entries", []),
        after.get("list_entries", []),
        lambda x: _("%(list)s list entry %(entry)s", list=x["list"].replace("_", "-"), entry=x["entry"]),
        (N_("%(what)s is no longer in force"), N_("%(what)s is newly in force")),
    )
    old_e, new_e = before.get("eligibility", {}), after.get("eligibility", {})
    for domain in sorted(set(old_e) | set(new_e)):
        if old_e.get(domain) != new_e.get(domain):
            out.append(
                _(
                    "eligibility in %(domain)s was %(old)s, now %(new)s",
                    domain=domain,
                    old=old_e.get(domain),
                    new=new_e.get(domain),
                )
            )
    out += _keyed(
        before.get("measures", []),
        after.get("measures", []),
        lambda x: _(
            "measure %(code)s in %(domain)s (%(because)s)",
            code=x["code"],
            domain=x["domain"],
            because=x["because"],
        ),
        (N_("%(what)s is lifted"), N_("%(what)s newly applies")),
    )
    return out


# The fields a difference names, as a reader reads them.
FIELDS = {
    "key": N_("key"),
    "identifier": N_("identifier"),
    "name": N_("name"),
    "alt_name": N_("alt name"),
    "kind": N_("kind"),
    "grade": N_("grade"),
    "score": N_("score"),
    "policy_version": N_("policy version"),
    "grade_limited_by": N_("grade limited by"),
}


def _field(name: str) -> str:
    return _(FIELDS[name]) if name in FIELDS else name.replace("_", " ")


def _keyed(
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    name: Callable[[dict[str, Any]], str],
    verbs: tuple[str, str],
) -> list[str]:
    old = {name(x): x for x in before}
    new = {name(x): x for x in after}
    out = [_(verbs[0], what=key) for key in old if key not in new]
    out += [_(verbs[1], what=key) for key in new if key not in old]
    for key in (k for k in old if k in new):  # in the report's order
        fields = sorted(f for f in set(old[key]) | set(new[key]) if old[key].get(f) != new[key].get(f))
        if fields:
            out.append(
                _("%(what)s changed: %(fields)s", what=key, fields=_(", ").join(_field(f) for f in fields))
            )
    return out
