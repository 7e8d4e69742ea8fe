"""The one screening function every path calls: free text, legal bases and subjects' names, checked
against the prohibited grounds, the denied laws and people's data. A refusal names the field, the reason
and the ground or kind of data, and never repeats the text it refuses.

>>> screen = Screen.default()
>>> screen.text("summary", "Published articles criticising the Party on its website.").message
'summary touches a prohibited ground (party-organisation status); the registry never records it'
>>> screen.text("summary", "Legal representative Zhang Wei was fined personally.").reason
'personal_data'
>>> screen.legal_basis("Regulations on Religious Affairs, Art. 71").ground
'religion'
>>> screen.text("summary", "False claims in advertising.")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from credence.i18n import N_, _, pick
from credence.identity.kinds import OrgKind
from credence.screening.bodies import excluded_by_name
from credence.screening.laws import DeniedLaws, default_denied_laws
from credence.screening.lexicon import Lexicon, default_lexicon, load_lexicon
from credence.screening.personal import find_personal_data

__all__ = ["Refusal", "Screen"]

_LABELS = {OrgKind.RELIGIOUS_BODY: N_("religious bodies"), OrgKind.TRADE_UNION: N_("trade unions")}


@dataclass(frozen=True, slots=True)
class Refusal:
    field: str
    reason: str  # prohibited_ground | personal_data | religious_body | trade_union
    message: str
    ground: str | None = None  # the ground's code, for prohibited_ground


@dataclass(frozen=True)
class Screen:
    lexicon: Lexicon
    denied: DeniedLaws

    @classmethod
    def default(cls) -> Screen:
        return cls(default_lexicon(), default_denied_laws())

    @classmethod
    def load(cls, lexicon_path: Path | None = None) -> Screen:
        return cls(load_lexicon(lexicon_path), default_denied_laws())

    @property
    def version(self) -> str:
        """What a stored verdict was screened with: the lexicon's and the denied laws' versions."""
        return (
            f"lexicon {self.lexicon.version} ({self.lexicon.sha256[:12]}), denied laws {self.denied.version}"
        )

    def text(self, field: str, text: str) -> Refusal | None:
        """A free-text field: prohibited grounds first, then a person's data."""
        hit = self.lexicon.first(text)
        if hit is not None:
            return Refusal(
                field,
                "prohibited_ground",
                _(
                    "%(field)s touches a prohibited ground (%(ground)s); the registry never records it",
                    field=field,
                    ground=pick(hit.ground.label, hit.ground.label_zh),
                ),
                hit.ground.code,
            )
        kind = find_personal_data(text)
        if kind is not None:
            return Refusal(
                field,
                "personal_data",
                _(
                    "%(field)s carries a natural person's data (%(kind)s); natural persons are not recorded: "
                    "where a role matters, write the role (e.g. 'the legal representative'), not the person",
                    field=field,
                    kind=_(kind),
                ),
            )
        return None

    def legal_basis(self, text: str, field: str = "legal_basis") -> Refusal | None:
        """A legal basis: as free text, then against the denied laws."""
        refused = self.text(field, text)
        if refused is not None:
            return refused
        law = self.denied.cited_in(text)
        if law is not None:
            label = next(
                (pick(g.label, g.label_zh) for g in self.lexicon.grounds if g.code == law.ground), law.ground
            )
            return Refusal(
                field,
                "prohibited_ground",
                _(
                    "%(field)s cites a law whose subject is a prohibited ground (%(ground)s); the registry "
                    "never records a decision under it",
                    field=field,
                    ground=label,
                ),
                law.ground,
            )
        return None

    def subject_name(
        self, name: str, alt_name: str | None = None, field: str = "subject_name"
    ) -> Refusal | None:
        """The name of a subject whose identifier does not settle its kind (an LEI, or none)."""
        kind = excluded_by_name(name, alt_name)
        if kind is None:
            return None
        return Refusal(
            field,
            kind.value,
            _(
                "%(kind)s are out of scope by design, however they are identified: the name names one and "
                "carries no company form",
                kind=_(_LABELS[kind]),
            ),
        )
