"""What a credit report says, as a plain dict built from the registry's services: the organisation's
identity, grade and reasons, its public records, list entries and measures in force. Only what anyone may
see on the site goes in, so a report never publishes more than the profile does.

The same builder runs when a report is issued and when it is verified: a report is still current when
today's content equals the stored one, apart from the fields that only date it (VOLATILE)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine

from credence.catalog import Catalog
from credence.catalog.model import ListKind
from credence.checks.service import CheckService
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
        _, records = publicity.public_records(conn, catalog, org.id, today, 1, MAX_RECORDS)
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
                "category_title": catalog.categories[x.category].title,
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


def _entry(checks: CheckService, entry: Any, catalog: Catalog) -> dict[str, Any]:
    row = public_row(entry, catalog)
    rule = checks.lists.criterion(ListKind(entry.list), entry.criterion)
    row["criterion_text"] = rule.text if rule is not None else None
    del row["identifier"], row["organisation"]  # the report's identity says whose entries these are
    return row


def canonical(content: dict[str, Any]) -> str:
    """The one text of a content: sorted keys, no spaces, UTF-8 as is. Its SHA-256 is the fingerprint."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def comparable(content: dict[str, Any]) -> str:
    return canonical({k: v for k, v in content.items() if k not in VOLATILE})


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two contents, one line per change, at the level of a report's lines: which
    field of the identity or the rating, which record, entry or measure came or went."""
    out: list[str] = []
    old_org, new_org = before.get("organisation", {}), after.get("organisation", {})
    for field in sorted(set(old_org) | set(new_org)):
        if old_org.get(field) != new_org.get(field):
            out.append(f"identity: {field} was {old_org.get(field)}, now {new_org.get(field)}")
    old_r, new_r = before.get("rating", {}), after.get("rating", {})
    for field in ("grade", "score", "policy_version", "grade_limited_by"):
        if old_r.get(field) != new_r.get(field):
            out.append(f"{field.replace('_', ' ')} was {old_r.get(field)}, now {new_r.get(field)}")
    for field, words in (
        ("reasons", "the reasons for the grade"),
        ("what_would_change", "what would change it"),
    ):
        if old_r.get(field) != new_r.get(field):
            out.append(f"{words} changed")
    out += _keyed(
        before.get("public_records", []),
        after.get("public_records", []),
        lambda x: f"record {x['department']}/{x['source_record_id']}",
        ("is no longer published", "is newly published"),
    )
    out += _keyed(
        before.get("list_entries", []),
        after.get("list_entries", []),
        lambda x: f"{x['list'].replace('_', '-')} list entry {x['entry']}",
        ("is no longer in force", "is newly in force"),
    )
    old_e, new_e = before.get("eligibility", {}), after.get("eligibility", {})
    for domain in sorted(set(old_e) | set(new_e)):
        if old_e.get(domain) != new_e.get(domain):
            out.append(f"eligibility in {domain} was {old_e.get(domain)}, now {new_e.get(domain)}")
    out += _keyed(
        before.get("measures", []),
        after.get("measures", []),
        lambda x: f"measure {x['code']} in {x['domain']} ({x['because']})",
        ("is lifted", "newly applies"),
    )
    return out


def _keyed(
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    name: Callable[[dict[str, Any]], str],
    verbs: tuple[str, str],
) -> list[str]:
    old = {name(x): x for x in before}
    new = {name(x): x for x in after}
    out = [f"{key} {verbs[0]}" for key in old if key not in new]
    out += [f"{key} {verbs[1]}" for key in new if key not in old]
    for key in (k for k in old if k in new):  # in the report's order
        fields = sorted(f for f in set(old[key]) | set(new[key]) if old[key].get(f) != new[key].get(f))
        if fields:
            out.append(f"{key} changed: {', '.join(f.replace('_', ' ') for f in fields)}")
    return out
