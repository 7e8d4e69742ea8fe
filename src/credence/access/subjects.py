"""What a role acts for: a department (a code of the catalog) or an organisation (a USCC or LEI)."""

from __future__ import annotations

from credence.access.principal import Role
from credence.i18n import _
from credence.identity import SubjectError, resolve_subject


def check_subject(
    role: Role | str, department: str | None, organisation_code: str | None
) -> tuple[Role, str | None, str | None]:
    """The role with exactly what it needs: a department for department, an organisation for
    organisation, neither for the others. Refusals name the option."""
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role if r is not Role.PUBLIC)
        raise ValueError(
            _("role: '%(role)s' is not a role; one of %(allowed)s", role=role, allowed=allowed)
        ) from None
    if role is Role.PUBLIC:
        raise ValueError(_("role: public is everyone without credentials; it needs no token or account"))
    if role is Role.DEPARTMENT:
        if not department:
            raise ValueError(_("department: a department role needs the department's code"))
        if organisation_code:
            raise ValueError(_("organisation: a department role acts for a department, not an organisation"))
        return role, department.strip().upper(), None
    if department:
        raise ValueError(
            _(
                "department: only the department role acts for a department, not %(role)s",
                role=role.value,
            )
        )
    if role is Role.ORGANISATION:
        if not organisation_code:
            raise ValueError(_("organisation: an organisation role needs the organisation's USCC or LEI"))
        try:
            subject = resolve_subject(organisation_code)
        except SubjectError as exc:
            raise ValueError(f"organisation: {exc.message}") from None
        return role, None, subject.code
    if organisation_code:
        raise ValueError(
            _(
                "organisation: only the organisation role acts for an organisation, not %(role)s",
                role=role.value,
            )
        )
    return role, None, None
