"""The role table: which forms each field role raises, which form answers a request addressed to it, where it lands."""

from __future__ import annotations

import pytest

from forms import (
    CONSOLE_ONLY_ROLES,
    ROLE_FORMS,
    UnknownForm,
    field_role,
    is_field_role,
    load_spec,
    raised_forms,
    role_forms,
)
from protocol import Role


def test_each_field_role_raises_its_own_form() -> None:
    assert role_forms(Role.HEALTH_VISITOR).concern_form == "hv_concern"
    assert role_forms(Role.SCHOOL_NURSE).concern_form == "sn_referral"
    assert role_forms(Role.GP).raises == ()
    assert role_forms(Role.GP).concern_form is None
    assert raised_forms() == {"hv_concern", "sn_referral"}


def test_each_field_role_answers_requests_with_its_own_form() -> None:
    assert role_forms(Role.GP).answers_with == "gp_response"
    assert role_forms(Role.HEALTH_VISITOR).answers_with == "team_response"
    assert role_forms(Role.SCHOOL_NURSE).answers_with == "team_response"


def test_landing_screens() -> None:
    assert role_forms(Role.GP).landing == "inbox"
    assert role_forms(Role.HEALTH_VISITOR).landing == "caseload"
    assert role_forms(Role.SCHOOL_NURSE).landing == "caseload"
    assert role_forms(None).landing == "caseload"  # not enrolled yet: the caseload, as before


def test_every_named_form_that_is_bundled_is_of_the_right_kind() -> None:
    """Each raised form is a form; each answering form whose spec is bundled is a response (team_response may not
    be bundled on every branch yet, so only the ones that load are checked)."""
    for row in ROLE_FORMS.values():
        for form_id in row.raises:
            assert load_spec(form_id).record_type == "form"
        try:
            spec = load_spec(row.answers_with)
        except UnknownForm:
            continue
        assert spec.record_type == "response"
    assert load_spec("gp_response").record_type == "response"


@pytest.mark.parametrize("role", [Role.HUB_STAFF, Role.MANAGER, Role.ADMIN, Role.COMMISSIONER])
def test_console_roles_are_not_field_roles(role: Role) -> None:
    assert role in CONSOLE_ONLY_ROLES
    assert field_role(role) is None
    assert not is_field_role(role.value)


def test_strings_and_nonsense() -> None:
    assert field_role("school_nurse") is ROLE_FORMS[Role.SCHOOL_NURSE]
    assert field_role("pilot") is None
    assert is_field_role("gp")
