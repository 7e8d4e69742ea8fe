"""Who may call what: the one table of every API route and web page with the roles it admits.

The app's single dependency (credence.api.auth.authorise) looks a request's route up here by method and
path template; a route without a rule is refused to everyone (fail closed), and the authorisation matrix
test (tests/access/test_matrix.py) fails for it. docs/security.md shows this table and a test holds the two
together. A role here admits the principal to the route; what it then may touch is narrower where the note
says so ("its own"), and the route checks that against the principal (credence.api.auth).

In demo mode, a request from 127.0.0.1 without credentials passes every rule and acts as its body says
(the demo principal), as the registry did before access control.
"""

from __future__ import annotations

from dataclasses import dataclass

from credence.access.principal import Role

EVERYONE = frozenset(Role)
SIGNED_IN = EVERYONE - {Role.PUBLIC}  # any token or account, whatever its role
ORGANISATION = frozenset({Role.ORGANISATION})
DEPARTMENT = frozenset({Role.DEPARTMENT})
OPERATOR = frozenset({Role.OPERATOR})
LOG_READERS = frozenset({Role.AUDITOR, Role.OPERATOR})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    note: str = ""  # what the route narrows beyond the role, for docs/security.md

    @property
    def public(self) -> bool:
        return Role.PUBLIC in self.roles

    def admits(self, role: Role) -> bool:
        return role in self.roles


def _public(note: str = "") -> Rule:
    return Rule(EVERYONE, note)


OWN_FILE = "its own code only"
OWN_DEPARTMENT = "its own department only"

RULES: dict[tuple[str, str], Rule] = {
    # -- the API: public reads -------------------------------------------------------------------------
    ("GET", "/api/v1/health"): _public(),
    ("GET", "/api/v1/organisations"): _public(),
    ("GET", "/api/v1/organisations/{code}"): _public(),
    ("GET", "/api/v1/organisations/{code}/records"): _public(
        "public records to all; with a purpose, a department also sees shared records (each read logged); "
        "the organisation itself sees all its records"
    ),
    ("GET", "/api/v1/organisations/{code}/history"): _public(),
    ("GET", "/api/v1/records/{department}/{source_record_id}"): _public(),
    ("GET", "/api/v1/catalog"): _public(),
    ("GET", "/api/v1/policy"): _public(),
    ("GET", "/api/v1/departments/figures"): _public(),
    ("GET", "/api/v1/statistics"): _public(),
    ("GET", "/api/v1/lists/{kind}"): _public(),
    ("GET", "/api/v1/lists/{kind}/export"): _public(),
    ("GET", "/api/v1/exports"): _public(),
    ("GET", "/api/v1/exports/latest/{format}"): _public(),
    ("GET", "/api/v1/exports/files/{name}"): _public(),
    ("GET", "/api/v1/checks"): _public(),
    ("POST", "/api/v1/checks"): _public(),
    ("GET", "/api/v1/checks/by-name"): _public("sole proprietors never among the candidates"),
    ("POST", "/api/v1/match"): _public("sole proprietors never among the candidates"),
    ("GET", "/api/v1/commitment-templates"): _public(),
    ("GET", "/api/v1/reports/{code}"): _public(),
    # -- the API: the transparency log and the change feed ------------------------------------------------
    ("GET", "/api/v1/log/checkpoint"): _public(),
    ("GET", "/api/v1/log/checkpoints"): _public(),
    ("POST", "/api/v1/log/checkpoints"): Rule(OPERATOR, "a checkpoint on demand"),
    ("GET", "/api/v1/log/key"): _public(),
    ("GET", "/api/v1/log/entries/{index}"): _public("content only of public entries"),
    ("GET", "/api/v1/log/proofs/inclusion"): _public(),
    ("GET", "/api/v1/log/proofs/consistency"): _public(),
    ("GET", "/api/v1/changes"): _public("content only of public entries"),
    ("POST", "/api/v1/changes/ack"): Rule(SIGNED_IN, "the consumer is the token's name"),
    ("GET", "/api/v1/changes/consumers"): Rule(OPERATOR),
    # -- the API: the access log -----------------------------------------------------------------------
    ("GET", "/api/v1/organisations/{code}/reads"): Rule(
        ORGANISATION | LOG_READERS, "an organisation: its own code only"
    ),
    ("GET", "/api/v1/access/reads"): Rule(LOG_READERS, "every organisation's reads"),
    # -- the API: an organisation's own file and steps ----------------------------------------------------
    ("GET", "/api/v1/organisations/{code}/inbox"): Rule(ORGANISATION, OWN_FILE),
    ("GET", "/api/v1/organisations/{code}/objections"): Rule(ORGANISATION, OWN_FILE),
    ("GET", "/api/v1/organisations/{code}/repairs"): Rule(ORGANISATION, OWN_FILE),
    ("GET", "/api/v1/organisations/{code}/list-entries"): Rule(ORGANISATION, OWN_FILE),
    ("GET", "/api/v1/organisations/{code}/commitments"): Rule(ORGANISATION, OWN_FILE),
    ("POST", "/api/v1/objections"): Rule(
        ORGANISATION | DEPARTMENT, "filed_by is the principal: organisation:OWN or department:OWN"
    ),
    ("POST", "/api/v1/objections/{objection_id}/extension"): Rule(ORGANISATION, "filed_by is its own"),
    ("POST", "/api/v1/repairs"): Rule(ORGANISATION, "applied_by is its own"),
    ("POST", "/api/v1/list-entries/{entry_id}/answer"): Rule(ORGANISATION, "filed_by is its own"),
    ("POST", "/api/v1/commitments"): Rule(ORGANISATION, "organisation and made_by are its own"),
    # -- the API: a department's submissions and decisions -----------------------------------------------
    ("POST", "/api/v1/records"): Rule(DEPARTMENT, "department is its own; the catalog's categories"),
    ("GET", "/api/v1/outbox"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("POST", "/api/v1/notices/{notice_id}/delivery"): Rule(DEPARTMENT, "its own notices"),
    ("GET", "/api/v1/departments/{department}/inbox"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("POST", "/api/v1/objections/{objection_id}/answer"): Rule(DEPARTMENT, "objections to its records"),
    ("POST", "/api/v1/repairs/{repair_id}/decision"): Rule(DEPARTMENT, "repairs of its records"),
    ("POST", "/api/v1/lists/{kind}/entries"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("GET", "/api/v1/links"): Rule(DEPARTMENT),
    ("GET", "/api/v1/links/queue"): Rule(DEPARTMENT),
    ("GET", "/api/v1/links/{link_id}"): Rule(DEPARTMENT),
    ("POST", "/api/v1/links"): Rule(DEPARTMENT, "actor begins with its own department"),
    ("POST", "/api/v1/list-entries/{entry_id}/decision"): Rule(DEPARTMENT, "its own entries"),
    ("POST", "/api/v1/list-entries/{entry_id}/cure"): Rule(DEPARTMENT, "its own entries"),
    ("POST", "/api/v1/list-entries/{entry_id}/revocation"): Rule(DEPARTMENT, "its own entries"),
    ("POST", "/api/v1/commitments/{commitment_id}/outcome"): Rule(DEPARTMENT, "commitments made to it"),
    # -- web pages: public -------------------------------------------------------------------------------
    ("GET", "/"): _public(),
    ("GET", "/search"): _public(),
    ("GET", "/search/results"): _public(),
    ("GET", "/organisations/{code}"): _public("a department may choose a purpose to see shared records"),
    ("POST", "/organisations/{code}/report.pdf"): _public("issues a credit report; rate-limited"),
    ("GET", "/records/{department}/{source_record_id}"): _public(),
    ("GET", "/catalog"): _public(),
    ("GET", "/policy"): _public(),
    ("GET", "/how-ratings-work"): _public(),
    ("GET", "/departments"): _public(),
    ("GET", "/statistics"): _public(),
    ("GET", "/lists"): _public(),
    ("GET", "/lists/{kind}"): _public(),
    ("GET", "/checks"): _public(),
    ("POST", "/checks/file"): _public(),
    ("GET", "/checks/progress/{job}"): _public("how far a file of bidders has been checked: counts only"),
    ("GET", "/verify"): _public(),
    ("GET", "/verify/{code}"): _public(),
    ("GET", "/favicon.ico"): _public("the site's icon (static/favicon.svg)"),
    # -- web pages: signing in and out ---------------------------------------------------------------------
    ("GET", "/sign-in"): _public("the demo sign-in: demo mode only, from 127.0.0.1"),
    ("POST", "/sign-in"): _public("the demo sign-in: demo mode only, from 127.0.0.1"),
    ("GET", "/sign-in/password"): _public(),
    ("POST", "/sign-in/password"): _public("rate-limited per user name and per address"),
    ("POST", "/sign-out"): _public(),
    # -- web pages: a department reading for a purpose ---------------------------------------------------
    ("POST", "/organisations/{code}/shared"): Rule(DEPARTMENT, "with a purpose; each read logged"),
    # -- web pages: an organisation's own file -------------------------------------------------------------
    ("GET", "/me"): Rule(ORGANISATION, "its own file, with who read it and why"),
    ("GET", "/me/notices/{notice_id}"): Rule(ORGANISATION, OWN_FILE),
    ("GET", "/me/records/{department}/{source_record_id}"): Rule(ORGANISATION, OWN_FILE),
    ("POST", "/me/records/{department}/{source_record_id}/objection"): Rule(ORGANISATION, OWN_FILE),
    ("POST", "/me/records/{department}/{source_record_id}/repair"): Rule(ORGANISATION, OWN_FILE),
    ("POST", "/me/objections/{objection_id}/extension"): Rule(ORGANISATION, OWN_FILE),
    ("POST", "/me/list-entries/{entry_id}/answer"): Rule(ORGANISATION, OWN_FILE),
    # -- web pages: a department's inbox and outbox --------------------------------------------------------
    ("GET", "/inbox"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("GET", "/inbox/objections/{objection_id}"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("POST", "/inbox/objections/{objection_id}/answer"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("GET", "/inbox/repairs/{repair_id}"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("POST", "/inbox/repairs/{repair_id}/decision"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("GET", "/inbox/listings/{entry_id}"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("POST", "/inbox/listings/{entry_id}/decision"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("GET", "/review"): Rule(DEPARTMENT),
    ("GET", "/review/{link_id}"): Rule(DEPARTMENT),
    ("POST", "/review/{link_id}"): Rule(DEPARTMENT),
    ("GET", "/outbox"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("POST", "/outbox/{notice_id}/delivery"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    ("POST", "/outbox/deliveries"): Rule(DEPARTMENT, OWN_DEPARTMENT),
    # -- web pages: the operator -------------------------------------------------------------------------
    ("GET", "/operator/consumers"): Rule(OPERATOR, "change-feed consumers that lag"),
}

# Served without the rules, each for a reason: the API's own description, and the stylesheet and script.
UNGUARDED = {
    "/openapi.json": "the API's OpenAPI document, public like the routes it describes",
    "/static": "the stylesheet and the search script (files, no data)",
}


def rule_for(method: str, path: str) -> Rule | None:
    """The rule of a route (HEAD is GET's), or None: then nobody may call it."""
    return RULES.get(("GET" if method == "HEAD" else method, path))


def roles_text(rule: Rule) -> str:
    """The roles of a rule as docs/security.md writes them."""
    if rule.roles == EVERYONE:
        return "everyone"
    return ", ".join(role.value for role in Role if role in rule.roles)


def markdown_table() -> str:
    """The rules as docs/security.md shows them (a test holds the doc to this)."""
    lines = ["| method | route or page | who may call it | narrowed to |", "|---|---|---|---|"]
    for (method, path), rule in RULES.items():
        lines.append(f"| `{method}` | `{path}` | {roles_text(rule)} | {rule.note} |")
    return "\n".join(lines)
