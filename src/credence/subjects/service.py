"""Resolution as the registry runs it: the model's pairs become judgements, and clerks judge the rest.

`resolve(new)` links the subjects an ingest added against the registry (the model's `match`); `resolve()`
re-resolves the whole registry (its `pairs`). Each pair the model returns is proposed as a judgement:
- a shared identifier: `same`, always (the same organisation, without a model);
- a probability at or above `link_auto_threshold`: `same` by the model, which joins the two files when
  neither subject has an identifier; with an identified organisation it waits for a clerk;
- at or above `link_review_threshold`: `unsure` by the model, in the review queue.
A pair a clerk has judged keeps the clerk's judgement; a pair whose judgement would not change is left
alone, so running it again changes nothing. A whole run also takes back the model's judgements on pairs it
no longer finds (`not_same` by the model), so after it every pair stands as the model now sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Connection, Engine, Table, select

from credence.clock import Clock
from credence.log.events import flush
from credence.settings import Settings
from credence.store.models import Organisation, SubjectLink
from credence.subjects import clusters, links
from credence.subjects.candidates import candidates
from credence.subjects.links import Judged, Judgement
from credence.subjects.model import Model, Pair, identifier_pairs
from credence.subjects.prepared import prepared

_orgs: Table = Organisation.__table__  # type: ignore[assignment]
_links: Table = SubjectLink.__table__  # type: ignore[assignment]
MODEL_ACTOR = "the linkage model"
IDENTIFIER_ACTOR = "a shared identifier"


@dataclass
class LinkReport:
    subjects: int = 0
    pairs: int = 0
    joined: int = 0  # new `same` judgements (identifier or model)
    queued: int = 0  # new `unsure` judgements, and model `same` with an identified organisation
    withdrawn: int = 0  # the model's judgements a whole run no longer supports
    files_changed: int = 0  # subjects whose file changed
    judgements: list[Judged] = field(default_factory=list)


@dataclass(frozen=True)
class Waiting:
    """A pair in the review queue: the model's latest judgement on it, and the two subjects' keys."""

    link: Any  # the subject_links row
    left_key: str
    right_key: str


class LinkService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        auto: float,
        review: float,
        model: Model | None = None,
        model_path: Path | None = None,
    ):
        if not 0 < review <= auto <= 1:
            raise ValueError(f"the thresholds need 0 < review ({review}) <= auto ({auto}) <= 1")
        self.engine = engine
        self.clock = clock
        self.auto = auto
        self.review = review
        self._model = model
        self._model_path = model_path  # the model to load on first use (None: the shipped one)

    @classmethod
    def from_settings(cls, engine: Engine, clock: Clock, settings: Settings) -> LinkService:
        """The service with the settings' thresholds and model (the shipped one unless link_model_path)."""
        return cls(
            engine,
            clock,
            settings.link_auto_threshold,
            settings.link_review_threshold,
            model_path=settings.link_model_path,
        )

    @property
    def model(self) -> Model:
        if self._model is None:
            self._model = Model.load(self._model_path)
        return self._model

    def resolve(
        self, new: Sequence[int] | None = None, progress: Callable[[str], None] | None = None
    ) -> LinkReport:
        """Link `new` subjects against the registry, or (None) re-resolve the whole registry."""
        say = progress or (lambda _: None)
        report = LinkReport()
        with self.engine.begin() as conn:
            say("reading the subjects")
            everyone = candidates(conn)
            report.subjects = len(everyone)
            say("preparing their names and addresses")
            inputs = prepared(conn, everyone)  # kept forms; only new or changed subjects are prepared
            if new is None:
                say(f"comparing {len(everyone):,} subjects")
                pairs = identifier_pairs(everyone) + self.model.pairs(inputs, self.review)
            else:
                added = set(new)
                is_new = pc.is_in(inputs.column("unique_id"), pa.array(sorted(added), pa.int64()))
                fresh = inputs.filter(is_new)
                existing = inputs.filter(pc.invert(is_new))
                say(f"comparing {fresh.num_rows:,} new subjects with {existing.num_rows:,}")
                pairs = [p for p in identifier_pairs(everyone) if p.left in added or p.right in added]
                pairs += self.model.match(fresh, existing, self.review) if fresh.num_rows else []
            found = _best(pairs)
            report.pairs = len(found)
            say(f"judging {len(found):,} pairs")
            for pair in found.values():
                self._propose(conn, pair, report)
            if new is None:
                self._withdraw(conn, set(found), report)
            flush(conn, self.clock.now())
        report.files_changed = len({i for j in report.judgements for i in j.changed})
        return report

    def after_ingest(self, touched: Collection[int]) -> set[int]:
        """Link the subjects an ingest added or changed against the registry, before their records are
        rated; the subjects whose file changed, and the heads of their files (to rate). Nothing is compared
        when no judgement could come of it: every subject has an identifier, and two identifiers are two
        organisations (a registry of USCCs alone is never read for this)."""
        if not touched:
            return set()
        with self.engine.connect() as conn:
            if not _any_unresolved(conn):
                return set()
        report = self.resolve(sorted(touched))
        changed = {i for j in report.judgements for i in j.changed}
        return changed | {f for j in report.judgements for f in j.changed.values() if f is not None}

    def _propose(self, conn: Connection, pair: Pair, report: LinkReport) -> None:
        held = links.current(conn, pair.left, pair.right)
        if pair.basis == "model" and _same_scheme_identified(conn, pair.left, pair.right):
            return  # two USCCs (or two LEIs) are two organisations, however alike their names
        if held is not None and held.basis == "clerk":
            return  # a clerk's judgement stands until a clerk changes it
        identifier = pair.basis.startswith("identifier")
        judgement = "same" if identifier or pair.probability >= self.auto else "unsure"
        if held is not None and held.basis == pair.basis and held.judgement == judgement:
            return
        if identifier:
            reason = f"both carry the same {pair.basis.split(':', 1)[1]}"
        else:
            reason = f"match probability {pair.probability:.4f} (weight {pair.weight:.2f})"
        judged = links.judge(
            conn,
            Judgement(
                pair.left,
                pair.right,
                judgement,
                pair.basis,
                IDENTIFIER_ACTOR if identifier else MODEL_ACTOR,
                reason,
                probability=None if identifier else pair.probability,
                weight=None if identifier else pair.weight,
                comparisons=() if identifier else pair.comparisons,
            ),
            self.clock.now(),
        )
        report.judgements.append(judged)
        if judgement == "same" and (identifier or _both_unidentified(conn, pair.left, pair.right)):
            report.joined += 1
        else:
            report.queued += 1

    def _withdraw(self, conn: Connection, found: set[tuple[int, int]], report: LinkReport) -> None:
        """The model's standing judgements on pairs a whole run no longer finds: `not_same` by the model."""
        c = _links.c
        rows = conn.execute(select(c.id, c.left_id, c.right_id, c.judgement, c.basis)).all()
        for (left, right), (judgement, basis) in sorted(clusters.latest(rows).items()):
            if basis != "model" or judgement == "not_same" or (left, right) in found:
                continue
            judged = links.judge(
                conn,
                Judgement(left, right, "not_same", "model", MODEL_ACTOR, "below the review threshold now"),
                self.clock.now(),
            )
            report.judgements.append(judged)
            report.withdrawn += 1

    def judge(
        self, left: int, right: int, judgement: str, department: str, actor: str, reason: str
    ) -> Judged:
        """A clerk's judgement on two subjects; the clerk's department answers an objection to it."""
        with self.engine.begin() as conn:
            j = Judgement(left, right, judgement, "clerk", actor, reason, department=department)
            judged = links.judge(conn, j, self.clock.now())
            flush(conn, self.clock.now())
        return judged

    def subject(self, text: str) -> Any:
        """A subject by its key (uscc:…, lei:…, unresolved:…) or its USCC or LEI; LookupError if none."""
        text = text.strip()
        o = _orgs.c
        with self.engine.connect() as conn:
            found = conn.execute(
                select(_orgs).where((o.key == text) | (o.code == text.upper())).order_by(o.id).limit(1)
            ).first()
        if found is None:
            # what was typed is not repeated: it may be a person's identity number or telephone
            raise LookupError("no such subject: give its key (uscc:…, lei:…, unresolved:…), USCC or LEI")
        return found

    def file(self, organisation_id: int) -> tuple[list[Any], list[Any]]:
        """The subjects of the file a subject is in (head first), and every judgement on any of them."""
        with self.engine.connect() as conn:
            ids = clusters.members(conn, organisation_id)
            subjects = {r.id: r for r in conn.execute(select(_orgs).where(_orgs.c.id.in_(ids)))}
            judged = {row.id: row for i in ids for row in links.history(conn, i)}
        return [subjects[i] for i in ids], [judged[k] for k in sorted(judged)]

    def queue(self, limit: int = 50, offset: int = 0) -> list[Waiting]:
        """The pairs waiting for a clerk, likeliest first: the model's latest judgement on them is `unsure`,
        or `same` with an identified organisation (which only a clerk joins)."""
        with self.engine.connect() as conn:
            c = _links.c
            rows = conn.execute(select(_links).where(c.basis == "model").order_by(c.id)).all()
            latest: dict[tuple[int, int], Any] = {}
            for row in rows:
                latest[(row.left_id, row.right_id)] = row
            clerks = {
                (r.left_id, r.right_id)
                for r in conn.execute(select(c.left_id, c.right_id).where(c.basis == "clerk"))
            }
            waiting = [
                row
                for pair, row in latest.items()
                if pair not in clerks
                and (
                    row.judgement == "unsure"
                    or (row.judgement == "same" and not _both_unidentified(conn, *pair))
                )
            ]
            waiting.sort(key=lambda r: (-(r.probability or 0), r.left_id, r.right_id))
            page = waiting[offset : offset + limit]
            ids = sorted({i for r in page for i in (r.left_id, r.right_id)})
            keys = dict(conn.execute(select(_orgs.c.id, _orgs.c.key).where(_orgs.c.id.in_(ids))).all())
        return [Waiting(r, keys[r.left_id], keys[r.right_id]) for r in page]


def _best(pairs: Sequence[Pair]) -> dict[tuple[int, int], Pair]:
    """One pair per two subjects: an identifier's over the model's."""
    found: dict[tuple[int, int], Pair] = {}
    for pair in sorted(pairs, key=lambda p: (p.left, p.right, not p.basis.startswith("identifier"))):
        found.setdefault((pair.left, pair.right), pair)
    return found


def _same_scheme_identified(conn: Connection, left: int, right: int) -> bool:
    schemes = conn.execute(select(_orgs.c.scheme).where(_orgs.c.id.in_([left, right]))).scalars().all()
    return len(schemes) == 2 and schemes[0] == schemes[1] != "unresolved"


def _any_unresolved(conn: Connection) -> bool:
    query = select(_orgs.c.id).where(_orgs.c.scheme == "unresolved").limit(1)
    return conn.execute(query).first() is not None


def _both_unidentified(conn: Connection, left: int, right: int) -> bool:
    schemes = conn.execute(select(_orgs.c.scheme).where(_orgs.c.id.in_([left, right]))).scalars().all()
    return all(s == "unresolved" for s in schemes)
