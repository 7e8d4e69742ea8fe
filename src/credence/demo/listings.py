"""Development banks' listings in the demo registry: firms debarred by the World Bank, the IDB and the EBRD,
listed by name and country without an identifier, as the banks publish them, so that the linkage model has
something to link (docs/linkage.md):

- one firm listed by two banks under one name in Latin and Chinese script, punctuated differently: the
  model joins the two listings by itself;
- two firms of the demo (enterprises with a USCC and a name of their own) listed by name in both
  scripts: the model never joins a listing to an identified organisation, it queues the pair for a clerk;
  a clerk of NDRC judges one of them the same organisation (the organisation is told, and the notice is
  delivered), so its profile shows the listing under "also listed as"; the other waits in the review queue;
- one firm listed by two banks by its Latin name alone: the model is unsure, and the pair waits too.

Deterministic: the listings follow from the demo's organisations, without drawing on the random streams of
the rest of the demo. Firms only (no person, no religious body or trade union), and every listing is
published only once its notice is delivered, like every other demo record."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from credence.dueprocess.links import LinkDecisions
from credence.dueprocess.service import DueProcess
from credence.records.readers import RawRow
from credence.records.service import IngestService
from credence.store.models import Notice, Organisation
from credence.subjects.names import name_forms
from credence.subjects.service import LinkService

if TYPE_CHECKING:
    from credence.demo.generate import DemoOrganisation

CHANNEL = "registered mail to the registered address"
CLERK = "NDRC clerk (demo)"
CLERK_REASON = "The bank's notice names the firm in both scripts, at a registered address in its city."
BASES = {
    "WB": "World Bank Sanctions Procedures, Section 9.01",
    "IDB": "IDB Sanctions Procedures, Section 9.01",
    "EBRD": "EBRD Enforcement Policy and Procedures, Section 8.1",
}
SUMMARIES = {
    "fraud": "Debarred for a fraudulent practice in a bank-financed road project.",
    "collusion": "Debarred for a collusive practice in the procurement of a bank-financed contract.",
    "cross": "Cross-debarment recognised under the 2010 mutual enforcement agreement.",
}
HEBEI = "Hebei Example Construction Co., Ltd. (河北某某建设有限公司)"
HEBEI_AGAIN = "HEBEI EXAMPLE CONSTRUCTION CO. LTD (河北某某建设有限公司)"
ROADS = "Example Roads Limited"
ROADS_AGAIN = "EXAMPLE ROADS LTD."


@dataclass(frozen=True)
class ListingCounts:
    listings: int = 0
    joined: int = 0  # listings the model joined to another listing by itself
    confirmed: int = 0  # pairs a clerk judged the same organisation
    waiting: int = 0  # pairs in the review queue

    def line(self) -> str:
        return (
            f"{self.listings:,} development-bank listings without an identifier: {self.joined:,} joined "
            f"by the model, {self.confirmed:,} by a clerk, {self.waiting:,} pairs awaiting review"
        )


def rows(
    orgs: list[DemoOrganisation], today: date, firms: list[DemoOrganisation] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The banks' listings, by bank; the two demo firms they list are `listed_firms(orgs)`."""
    firms = listed_firms(orgs) if firms is None else firms
    out: dict[str, list[dict[str, Any]]] = {}

    def add(bank: str, name: str, alt: str | None, country: str, days_ago: int, summary: str) -> None:
        decided = today - timedelta(days=days_ago)
        out.setdefault(bank, []).append(
            {
                "source_record_id": f"{bank}-DEBAR-{decided.year}-{len(out[bank]) + 1:03d}",
                "category": "development_bank_debarment",
                "subject_name": name,
                "subject_alt_name": alt,
                "subject_country": country,
                "decided_on": decided.isoformat(),
                "legal_basis": BASES[bank],
                "status": "final",
                "summary": SUMMARIES[summary],
                "effective_until": (decided + timedelta(days=3 * 365)).isoformat(),
            }
        )

    add("WB", HEBEI, None, "CN", 400, "fraud")
    add("IDB", HEBEI_AGAIN, None, "CN", 380, "cross")
    add("WB", ROADS, None, "KE", 250, "collusion")
    add("EBRD", ROADS_AGAIN, None, "KE", 230, "cross")
    for firm, bank, days_ago in zip(firms, ("WB", "EBRD"), (200, 150), strict=False):
        add(bank, firm.alt_name, firm.name, "CN", days_ago, "collusion")
    return out


def listed_firms(orgs: list[DemoOrganisation]) -> list[DemoOrganisation]:
    """The demo's first two enterprises whose name no other organisation of the demo shares as the model
    reads names (the number in brackets and the legal form left out): a listing of a name two demo
    organisations share would wait for a clerk with both."""
    names = Counter(name_forms(o.name).chinese for o in orgs)
    return [o for o in orgs if o.prefix == "91" and names[name_forms(o.name).chinese] == 1][:2]


def add_listings(
    service: IngestService, process: DueProcess, orgs: list[DemoOrganisation], today: date
) -> ListingCounts:
    """Ingest the banks' listings, deliver their notices, link them as every ingest does, and have a clerk
    confirm the listing of the first demo firm."""
    settings = process.settings
    listed = listed_firms(orgs)
    batches, touched, listings = [], set(), 0
    for bank, found in sorted(rows(orgs, today, listed).items()):
        raw = (RawRow(line, {k: v for k, v in r.items() if v is not None}) for line, r in enumerate(found, 1))
        result = service.ingest_rows(bank, raw, file_name=f"demo-{bank}.ndjson", fmt="demo")
        if result.batch_id is not None:
            batches.append(result.batch_id)
        touched |= result.organisation_ids
        listings += result.accepted
    process.deliver_batch_notices(batches, actor="development banks (demo)", channel=CHANNEL, rate=False)
    links = LinkService.from_settings(process.engine, process.clock, settings)
    links.after_ingest(touched)
    firms = listed[:1]
    confirmed = 0
    with process.engine.connect() as conn:
        ids = dict(
            conn.execute(
                select(Organisation.code, Organisation.id).where(
                    Organisation.code.in_([f.code for f in firms])
                )
            ).all()
        )
    for waiting in links.queue(limit=100):
        pair = {waiting.left_key, waiting.right_key}
        for firm in firms:
            if f"uscc:{firm.code}" not in pair:
                continue
            decisions = LinkDecisions(process.engine, process.clock, settings, process.rating, service)
            decisions.judge(
                waiting.link.left_id,
                waiting.link.right_id,
                "same",
                department="NDRC",
                actor=CLERK,
                reason=CLERK_REASON,
            )
            confirmed += 1
            _deliver_link_notices(process, ids[firm.code])
    joined = _joined(process)
    return ListingCounts(listings, joined, confirmed, len(links.queue(limit=100)))


def _deliver_link_notices(process: DueProcess, organisation_id: int) -> None:
    with process.engine.connect() as conn:
        pending = conn.execute(
            select(Notice.id, Notice.department).where(
                Notice.kind == "link",
                Notice.organisation_id == organisation_id,
                Notice.delivered_at.is_(None),
            )
        ).all()
    for notice_id, department in pending:
        process.deliver_notice(notice_id, actor=f"{department} (demo)", channel=CHANNEL)


def _joined(process: DueProcess) -> int:
    """Subjects the model joined by itself: listings without an identifier in another listing's file."""
    subject, head = Organisation.__table__.alias("subject"), Organisation.__table__.alias("head")
    query = (
        select(subject.c.id)
        .join(head, head.c.id == subject.c.file_id)
        .where(subject.c.scheme == "unresolved", head.c.scheme == "unresolved")
    )
    with process.engine.connect() as conn:
        return len(conn.execute(query).all())
