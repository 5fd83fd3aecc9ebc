"""Who raises what: for each field role, the forms it can raise, the form that answers an information request
addressed to it, and the screen it lands on. One table, so no screen hard-codes a form id.

Hub staff, MASH managers, admins and commissioners are not field roles: they work in the MASH console, and
``field_role`` says so (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from protocol import Role

Landing = Literal["caseload", "inbox"]


@dataclass(frozen=True)
class RoleForms:
    role: Role
    raises: tuple[str, ...]  # the forms this role can raise, its own concern form first
    answers_with: str  # the response form that answers an information request addressed to this role
    landing: Landing  # the screen the app opens on after unlock

    @property
    def concern_form(self) -> str | None:
        """The form "Raise a concern" opens (None: this role raises none)."""
        return self.raises[0] if self.raises else None


ROLE_FORMS: Final[dict[Role, RoleForms]] = {
    Role.HEALTH_VISITOR: RoleForms(Role.HEALTH_VISITOR, ("hv_concern",), "team_response", "caseload"),
    Role.SCHOOL_NURSE: RoleForms(Role.SCHOOL_NURSE, ("sn_referral",), "team_response", "caseload"),
    Role.GP: RoleForms(Role.GP, (), "gp_response", "inbox"),
}

#: Roles that do not enrol devices: they use the MASH console in a browser.
CONSOLE_ONLY_ROLES: Final = frozenset(Role) - frozenset(ROLE_FORMS)

#: What a device that is not enrolled yet (working offline) offers: the health visitor's way in, as before roles.
UNENROLLED: Final = ROLE_FORMS[Role.HEALTH_VISITOR]


def field_role(role: Role | str | None) -> RoleForms | None:
    """The table's row for a field role; None for a console role, an unknown role or no role at all."""
    if role is None:
        return None
    try:
        return ROLE_FORMS.get(Role(role))
    except ValueError:
        return None


def role_forms(role: Role | str | None) -> RoleForms:
    """The row for ``role``, or the unenrolled device's (a device used offline before enrolling)."""
    return field_role(role) or UNENROLLED


def is_field_role(role: Role | str) -> bool:
    return field_role(role) is not None


def raised_forms() -> frozenset[str]:
    """Every form some field role raises (a concern or referral form: submitting one leads to the referral)."""
    return frozenset(f for row in ROLE_FORMS.values() for f in row.raises)


__all__ = [
    "CONSOLE_ONLY_ROLES",
    "ROLE_FORMS",
    "UNENROLLED",
    "Landing",
    "RoleForms",
    "field_role",
    "is_field_role",
    "raised_forms",
    "role_forms",
]
