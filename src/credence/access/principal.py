"""Roles, the principal a request acts as, and the fixed list of purposes for reading non-public data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from credence.i18n import N_


class Role(StrEnum):
    PUBLIC = "public"  # anyone, anonymous
    ORGANISATION = "organisation"  # an organisation: its own file
    DEPARTMENT = "department"  # submits in its categories; reads what is shared with public bodies
    OPERATOR = "operator"  # the catalog, the policy, accounts and tokens
    AUDITOR = "auditor"  # reads the logs, nothing else


# Why a public body reads an organisation's non-public data. A fixed list: a read names one of these. The
# titles are marked for the catalogs and translated where they are shown (`_(title)`).
PURPOSES: dict[str, str] = {
    "licensing_review": N_("Licensing review: deciding an application for a licence or permit"),
    "procurement_check": N_("Procurement check: deciding whether a bidder or supplier is eligible"),
    "enforcement": N_("Enforcement: carrying out a decision, a measure or a court judgment"),
    "supervision": N_("Supervision: an inspection or the grading of supervision"),
    "audit": N_("Audit: reviewing how the registry's data was used"),
}


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a role and what it acts for, and how it was identified (a token, a web
    session, the demo sign-in), for the access log."""

    role: Role
    department: str | None = None  # a department's code, for Role.DEPARTMENT
    organisation_code: str | None = None  # a USCC or LEI, for Role.ORGANISATION
    via: str = ""  # e.g. "token 'MR licensing' (#3)", "account wang.li", "demo sign-in"
    token_id: int | None = None  # for per-token rate limits and feed consumers

    @property
    def actor(self) -> str:
        """Who acts, as the services record it (department code, organisation:CODE, operator ...)."""
        if self.role is Role.DEPARTMENT:
            return f"{self.department} ({self.via})" if self.via else str(self.department)
        if self.role is Role.ORGANISATION:
            return f"organisation:{self.organisation_code}"
        return f"{self.role.value} ({self.via})" if self.via else self.role.value

    @property
    def rate_key(self) -> str:
        return f"token:{self.token_id}" if self.token_id is not None else f"{self.role.value}:{self.via}"


ANONYMOUS = Principal(Role.PUBLIC)
