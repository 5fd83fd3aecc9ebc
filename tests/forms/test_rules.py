"""Every safeguarding rule, table-driven, both ways: it fires when it should and stays quiet when it should not.

Each row: a form, edits to its complete example answers, an issue (path, code), and whether it must be present.
"""

from __future__ import annotations

from typing import Any

import pytest

from forms import NOT_KNOWN, example_answers
from tests.forms._helpers import DELETE, codes, issues_for

DASH_14 = [f"q{i:02d}" for i in range(1, 15)]
DASH_13 = DASH_14[:13]
DA = {"da_disclosed": True, "dash_completed": True}
_INJURY = example_answers("hv_concern")["children"][0]["injuries"][0]
BRUISE = {"children[2].injury_seen": True, "children[2].injuries": [{**_INJURY, "injury_type": "bruise"}]}
GRAZE = {"children[2].injury_seen": True, "children[2].injuries": [{**_INJURY, "injury_type": "abrasion"}]}
EARLY_HELP_WITH_CONSENT = {
    "level_of_need": "3",
    "referral_decision": "early_help",
    "consent": "given",
    "consent_given_by": "Mother",
    "consent_not_given_reason": DELETE,
}
FGM = {"categories": ["physical", "fgm"], "children[1].fgm_known": False, "children[2].fgm_known": False}
SIGN_OFF_ONLY = {
    "nothing_known": True,
    **dict.fromkeys(
        [
            "attendance_pattern",
            "brought_by",
            "unborn_baby",
            "question_answers",
            "chronology",
            "conditions",
            "immunisations",
            "last_seen",
            "ae_attendances",
            "ae_detail",
            "was_not_brought",
            "safeguarding_codes",
            "adults",
            "gp_analysis",
            "health_rag",
            "info_withheld",
            "shared_without_consent",
            "basis_without_consent",
            "approved_by",
            "approver_name",
        ],
        DELETE,
    ),
}
UNBORN = {
    "children[2].unborn": True,
    "children[2].nhs_number": DELETE,
    "children[2].injury_seen": DELETE,
    "children[2].date_of_birth": DELETE,
}
NO_CALL = {"mash_call_made": False, "mash_call_at": DELETE, "mash_call_taken_by": DELETE, "mash_call_reference": DELETE}
# Children's social care is asked for each child (version 3): the examples' first child is open, the others not.
OPEN_CASE = {
    "children[0].csc_open_case": "yes",
    "children[0].csc_plan": DELETE,
    "children[0].social_worker_name": DELETE,
}
NO_EARLY_HELP = {
    "eh_assessment": "none",
    "eh_lead_name": DELETE,
    "eh_lead_agency": DELETE,
    "eh_assessment_file": DELETE,
}
NOT_REGISTERED = {"registration_status": "not_registered", "registered_since": DELETE}
DEREGISTERED = {"registration_status": "deregistered", "registered_since": DELETE}
NURSE_REGISTRATION = {"registration_type": "nmc", "gmc_number": DELETE, "nmc_pin": "12A3456E"}
SEX_U13 = {"children[0].sexual_activity": True, "children[0].date_of_birth": "2014-06-01"}

RULES: list[tuple[str, str, dict[str, Any], tuple[str, str], bool]] = [
    # urgency gate: immediate danger -> time of the 999 call and police reference
    ("danger_needs_999_time", "hv_concern", {"immediate_danger": True}, ("call_999_time", "required"), True),
    ("danger_needs_police_ref", "sn_referral", {"immediate_danger": True}, ("police_reference", "required"), True),
    (
        "danger_recorded",
        "hv_concern",
        {"immediate_danger": True, "call_999_time": "2026-11-30T09:50:00+00:00", "police_reference": "DC-123"},
        ("call_999_time", "required"),
        False,
    ),
    ("no_danger_no_999", "hv_concern", {"immediate_danger": False}, ("police_reference", "required"), False),
    # parent not informed -> reason and approving manager
    ("not_told_needs_reason", "hv_concern", {"parent_informed": False}, ("not_informed_reason", "required"), True),
    ("not_told_needs_manager", "sn_referral", {"parent_informed": False}, ("approving_manager", "required"), True),
    (
        "not_told_recorded",
        "hv_concern",
        {"parent_informed": False, "not_informed_reason": "significant_harm", "approving_manager": "Jo Hughes"},
        ("approving_manager", "required"),
        False,
    ),
    ("told_needs_nothing", "hv_concern", {"parent_informed": True}, ("not_informed_reason", "required"), False),
    # early help (levels 2-3) needs consent; child protection (level 4) does not
    (
        "early_help_without_consent",
        "hv_concern",
        {"level_of_need": "2", "referral_decision": "early_help"},
        ("consent", "consent_required_for_early_help"),
        True,
    ),
    (
        "early_help_refused",
        "sn_referral",
        {"level_of_need": "3", "consent": "refused"},
        ("consent", "consent_required_for_early_help"),
        True,
    ),
    (
        "early_help_with_consent",
        "hv_concern",
        EARLY_HELP_WITH_CONSENT,
        ("consent", "consent_required_for_early_help"),
        False,
    ),
    (
        "child_protection_without_consent",
        "hv_concern",
        {"level_of_need": "4", "consent": "not_sought"},
        ("consent", "consent_required_for_early_help"),
        False,
    ),
    # a bruise on a non-mobile baby requires a referral to the MASH
    (
        "bruise_non_mobile_not_referred",
        "hv_concern",
        {**BRUISE, **EARLY_HELP_WITH_CONSENT, "children[2].mobile": False},
        ("children[2].injuries", "bruise_non_mobile_needs_referral"),
        True,
    ),
    (
        "bruise_young_baby_mobility_unanswered",
        "hv_concern",
        {**BRUISE, **EARLY_HELP_WITH_CONSENT, "children[2].date_of_birth": "2026-08-01", "children[2].mobile": DELETE},
        ("children[2].injuries", "bruise_non_mobile_needs_referral"),
        True,
    ),
    (
        "bruise_non_mobile_referred",
        "hv_concern",
        {**BRUISE, "children[2].mobile": False},
        ("children[2].injuries", "bruise_non_mobile_needs_referral"),
        False,
    ),
    (
        "bruise_mobile_baby",
        "hv_concern",
        {**BRUISE, **EARLY_HELP_WITH_CONSENT, "children[2].mobile": True},
        ("children[2].injuries", "bruise_non_mobile_needs_referral"),
        False,
    ),
    (
        "graze_non_mobile",
        "hv_concern",
        {**GRAZE, **EARLY_HELP_WITH_CONSENT, "children[2].mobile": False},
        ("children[2].injuries", "bruise_non_mobile_needs_referral"),
        False,
    ),
    # known FGM in a girl under 18 -> police report date and reference
    (
        "fgm_under_18_unreported",
        "hv_concern",
        {**FGM, "children[0].fgm_known": True},
        ("children[0].fgm_police_report_date", "required"),
        True,
    ),
    (
        "fgm_under_18_no_reference",
        "sn_referral",
        {"categories": ["fgm"], "children[0].fgm_known": True, "children[0].fgm_police_report_date": "2026-11-30"},
        ("children[0].fgm_police_reference", "required"),
        True,
    ),
    (
        "fgm_under_18_reported",
        "hv_concern",
        {
            **FGM,
            "children[0].fgm_known": True,
            "children[0].fgm_police_report_date": "2026-11-30",
            "children[0].fgm_police_reference": "101-55",
        },
        ("children[0].fgm_police_report_date", "required"),
        False,
    ),
    (
        "fgm_adult_daughter",
        "hv_concern",
        {**FGM, "children[0].fgm_known": True, "children[0].date_of_birth": "2007-01-01"},
        ("children[0].fgm_police_report_date", "required"),
        False,
    ),
    (
        "fgm_not_known",
        "hv_concern",
        {**FGM, "children[0].fgm_known": False},
        ("children[0].fgm_police_report_date", "required"),
        False,
    ),
    ("fgm_ticked_needs_answer", "hv_concern", {"categories": ["fgm"]}, ("children[0].fgm_known", "required"), True),
    # sexual activity under 13 -> a child protection referral
    (
        "under_13_not_cp",
        "sn_referral",
        {**SEX_U13, **EARLY_HELP_WITH_CONSENT},
        ("children[0].sexual_activity", "under_13_needs_child_protection"),
        True,
    ),
    (
        "under_13_level4_not_referred",
        "sn_referral",
        {**SEX_U13, "referral_decision": "early_help"},
        ("children[0].sexual_activity", "under_13_needs_child_protection"),
        True,
    ),
    ("under_13_cp", "sn_referral", SEX_U13, ("children[0].sexual_activity", "under_13_needs_child_protection"), False),
    (
        "aged_14_early_help",
        "sn_referral",
        {**SEX_U13, **EARLY_HELP_WITH_CONSENT, "children[0].date_of_birth": "2012-06-01"},
        ("children[0].sexual_activity", "under_13_needs_child_protection"),
        False,
    ),
    # GP "nothing known" short-circuits but still needs sign-off
    ("nothing_known_signed", "gp_response", SIGN_OFF_ONLY, ("gp_analysis", "required"), False),
    ("nothing_known_unsigned", "gp_response", {**SIGN_OFF_ONLY, "signature": DELETE}, ("signature", "required"), True),
    ("nothing_known_no_gmc", "gp_response", {**SIGN_OFF_ONLY, "gmc_number": DELETE}, ("gmc_number", "required"), True),
    (
        "nothing_known_no_ods",
        "gp_response",
        {**SIGN_OFF_ONLY, "practice_ods": DELETE},
        ("practice_ods", "required"),
        True,
    ),
    (
        "nothing_known_untimed",
        "gp_response",
        {**SIGN_OFF_ONLY, "responded_at": DELETE},
        ("responded_at", "required"),
        True,
    ),
    ("something_known_needs_analysis", "gp_response", {"gp_analysis": DELETE}, ("gp_analysis", "required"), True),
    # information withheld needs reasons
    ("withheld_without_reasons", "gp_response", {"info_withheld": True}, ("withheld_reasons", "required"), True),
    (
        "withheld_with_reasons",
        "gp_response",
        {"info_withheld": True, "withheld_reasons": "Third-party information."},
        ("withheld_reasons", "required"),
        False,
    ),
    ("nothing_withheld", "gp_response", {"info_withheld": False}, ("withheld_reasons", "required"), False),
    ("without_consent_needs_approver", "gp_response", {"approved_by": DELETE}, ("approved_by", "required"), True),
    # DASH 14 or more -> MARAC referral
    (
        "dash_14_no_marac",
        "hv_concern",
        {**DA, "dash_yes": DASH_14, "marac_referral": False},
        ("marac_referral", "marac_referral_required"),
        True,
    ),
    (
        "dash_14_marac",
        "hv_concern",
        {**DA, "dash_yes": DASH_14, "marac_referral": True, "marac_date": "2026-11-30"},
        ("marac_referral", "marac_referral_required"),
        False,
    ),
    (
        "dash_13_no_marac",
        "hv_concern",
        {**DA, "dash_yes": DASH_13, "marac_referral": False},
        ("marac_referral", "marac_referral_required"),
        False,
    ),
    (
        "da_not_safe_to_ask",
        "hv_concern",
        {"da_safe_to_ask": False, **DA, "dash_yes": DASH_14},
        ("marac_referral", "marac_referral_required"),
        False,
    ),
    # NHS number blank needs an explicit "not known"
    ("nhs_blank", "hv_concern", {"children[1].nhs_number": DELETE}, ("children[1].nhs_number", "required"), True),
    (
        "nhs_blank_not_known",
        "sn_referral",
        {"children[0].nhs_number": DELETE, "children[0].nhs_number_not_known": True},
        ("children[0].nhs_number", "required"),
        False,
    ),
    (
        "nhs_bad_check_digit",
        "hv_concern",
        {"children[0].nhs_number": "9990000019"},
        ("children[0].nhs_number", "invalid_nhs_number"),
        True,
    ),
    (
        "nhs_spaced",
        "hv_concern",
        {"children[0].nhs_number": "999 000 0018"},
        ("children[0].nhs_number", "invalid_nhs_number"),
        False,
    ),
    # an unborn baby: an expected date instead of a date of birth; no NHS number or injury questions
    (
        "unborn_needs_no_nhs_number",
        "hv_concern",
        {**UNBORN, "children[2].expected_date": "2027-03-01"},
        ("children[2].nhs_number", "required"),
        False,
    ),
    ("unborn_needs_expected_date", "hv_concern", UNBORN, ("children[2].expected_date", "required"), True),
    (
        "born_needs_date_of_birth",
        "hv_concern",
        {"children[2].date_of_birth": DELETE},
        ("children[2].date_of_birth", "required"),
        True,
    ),
    # a decision not to refer is recorded with its reasons
    (
        "no_referral_needs_reason",
        "hv_concern",
        {"referral_decision": "advice_only", "level_of_need": "1"},
        ("decision_reason", "required"),
        True,
    ),
    ("referral_needs_no_reason", "sn_referral", {}, ("decision_reason", "required"), False),
    # body map: shown and required once an injury is seen
    (
        "injury_seen_needs_body_map",
        "hv_concern",
        {"children[0].injuries": []},
        ("children[0].injuries", "too_few"),
        True,
    ),
    ("no_injury_no_body_map", "sn_referral", {"categories": ["neglect"]}, ("children[0].injuries", "too_few"), False),
    # a non-mobile question for every baby with injuries
    (
        "mobility_needed_with_injuries",
        "hv_concern",
        {**BRUISE, "children[2].mobile": DELETE},
        ("children[2].mobile", "required"),
        True,
    ),
    (
        "no_mobility_question_without_injuries",
        "hv_concern",
        {"children[2].mobile": DELETE},
        ("children[2].mobile", "required"),
        False,
    ),
    # version 2: right now, the earlier call to the MASH, social care, police, early help, expected outcome
    ("where_now_needed", "sn_referral", {"child_location_now": DELETE}, ("child_location_now", "required"), True),
    ("safe_now_not_known", "hv_concern", {"child_safe_now": NOT_KNOWN}, ("child_safe_now", "required"), False),
    ("safe_now_needed", "hv_concern", {"child_safe_now": DELETE}, ("child_safe_now", "required"), True),
    ("call_needs_time", "hv_concern", {"mash_call_at": DELETE}, ("mash_call_at", "required"), True),
    ("call_needs_taker", "sn_referral", {"mash_call_taken_by": DELETE}, ("mash_call_taken_by", "required"), True),
    ("no_call_no_time", "hv_concern", NO_CALL, ("mash_call_at", "required"), False),
    ("open_case_needs_plan", "hv_concern", OPEN_CASE, ("children[0].csc_plan", "required"), True),
    ("open_case_needs_worker", "sn_referral", OPEN_CASE, ("children[0].social_worker_name", "required"), True),
    (
        "open_case_worker_not_known",
        "hv_concern",
        {**OPEN_CASE, "children[0].csc_plan": "child_in_need", "children[0].social_worker_name": NOT_KNOWN},
        ("children[0].social_worker_name", "required"),
        False,
    ),
    (
        "closed_case_no_plan",
        "hv_concern",
        {**OPEN_CASE, "children[0].csc_open_case": "not_known"},
        ("children[0].csc_plan", "required"),
        False,
    ),
    (
        "other_plan_described",
        "hv_concern",
        {**OPEN_CASE, "children[0].csc_plan": "other"},
        ("children[0].csc_plan_other", "required"),
        True,
    ),
    # each child answers for itself: a sibling's open case asks nothing of this child, and this child's is asked
    ("sibling_open_asks_nothing_here", "hv_concern", OPEN_CASE, ("children[1].csc_plan", "required"), False),
    (
        "second_child_open_needs_plan",
        "hv_concern",
        {"children[1].csc_open_case": "yes"},
        ("children[1].csc_plan", "required"),
        True,
    ),
    (
        "each_child_asked",
        "hv_concern",
        {"children[2].csc_open_case": DELETE},
        ("children[2].csc_open_case", "required"),
        True,
    ),
    ("police_need_crime_ref", "hv_concern", {"police_involved": True}, ("police_crime_reference", "required"), True),
    ("no_police_no_ref", "sn_referral", {"police_involved": False}, ("police_crime_reference", "required"), False),
    ("early_help_lead", "hv_concern", {"eh_lead_name": DELETE}, ("eh_lead_name", "required"), True),
    ("no_early_help_no_lead", "hv_concern", NO_EARLY_HELP, ("eh_lead_name", "required"), False),
    ("outcome_needed", "hv_concern", {"expected_outcome": DELETE}, ("expected_outcome", "required"), True),
    (
        "other_outcome_explained",
        "sn_referral",
        {"expected_outcome": "other", "expected_outcome_detail": DELETE},
        ("expected_outcome_detail", "required"),
        True,
    ),
    (
        "moved_out_before_moved_in",
        "hv_concern",
        {"children[0].previous_addresses[0].lived_to": "2020-01-01"},
        ("children[0].previous_addresses[0].lived_to", "moved_out_before_moved_in"),
        True,
    ),
    (
        "moved_out_after_moved_in",
        "sn_referral",
        {"children[0].previous_addresses[0].lived_to": "2026-01-01"},
        ("children[0].previous_addresses[0].lived_to", "moved_out_before_moved_in"),
        False,
    ),
    (
        "second_address_has_no_end",
        "hv_concern",
        {
            "children[0].previous_addresses[0].address_kind": "second",
            "children[0].previous_addresses[0].lived_to": DELETE,
        },
        ("children[0].previous_addresses[0].lived_to", "moved_out_before_moved_in"),
        False,
    ),
    # version 2 of the GP response: registration, unborn baby, question by question, the responder
    ("registered_since_when", "gp_response", {"registered_since": DELETE}, ("registered_since", "required"), True),
    (
        "registered_since_not_known",
        "gp_response",
        {"registered_since": NOT_KNOWN},
        ("registered_since", "required"),
        False,
    ),
    ("deregistered_when", "gp_response", DEREGISTERED, ("deregistered_on", "required"), True),
    ("not_registered_no_dates", "gp_response", NOT_REGISTERED, ("registered_since", "required"), False),
    ("registered_yet_nothing_known", "gp_response", SIGN_OFF_ONLY, ("registration_status", "required"), False),
    (
        "nothing_known_still_says_registration",
        "gp_response",
        {**SIGN_OFF_ONLY, "registration_status": DELETE},
        ("registration_status", "required"),
        True,
    ),
    ("unborn_needs_expected_date_gp", "gp_response", {"unborn_baby": True}, ("expected_date", "required"), True),
    ("unborn_needs_antenatal_care", "gp_response", {"unborn_baby": True}, ("antenatal_care", "required"), True),
    ("no_unborn_no_antenatal", "gp_response", {"unborn_baby": False}, ("antenatal_care", "required"), False),
    (
        "each_question_answered",
        "gp_response",
        {"question_answers[1].answer": DELETE},
        ("question_answers[1].answer", "required"),
        True,
    ),
    ("some_answer_needed", "gp_response", {"question_answers": []}, ("question_answers", "too_few"), True),
    ("nothing_known_needs_no_answers", "gp_response", SIGN_OFF_ONLY, ("question_answers", "too_few"), False),
    ("gp_with_nmc", "gp_response", NURSE_REGISTRATION, ("registration_type", "gp_needs_gmc"), True),
    (
        "nurse_with_nmc",
        "gp_response",
        {**NURSE_REGISTRATION, "responder_type": "practice_nurse"},
        ("registration_type", "gp_needs_gmc"),
        False,
    ),
    ("nurse_needs_pin", "gp_response", {**NURSE_REGISTRATION, "nmc_pin": DELETE}, ("nmc_pin", "required"), True),
    (
        "administrator_unregistered",
        "gp_response",
        {"responder_type": "safeguarding_admin", "registration_type": "none", "gmc_number": DELETE},
        ("gmc_number", "required"),
        False,
    ),
    ("other_responder_role", "gp_response", {"responder_type": "other"}, ("responder_role_other", "required"), True),
]


@pytest.mark.parametrize(("form_id", "changes", "issue", "present"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule(form_id: str, changes: dict[str, Any], issue: tuple[str, str], present: bool) -> None:
    found = codes(issues_for(form_id, changes))
    assert (issue in found) is present, sorted(found)


def test_the_example_answers_raise_no_rule() -> None:
    for form_id in ("hv_concern", "sn_referral", "gp_response", "case_note"):
        assert issues_for(form_id, {}) == []


SOFT = [
    ("hv_concern", {"referred_at": "2026-12-01T10:15:00+00:00"}, "referred_at", "mash_follow_up_late"),
    ("sn_referral", {"referred_at": "2026-12-01T09:56:00+00:00"}, "referred_at", "mash_follow_up_late"),
    ("gp_response", {"responded_at": "2026-12-02T09:00:00+00:00"}, "responded_at", "after_deadline"),
    ("hv_concern", {"referral_decision": "early_help"}, "referral_decision", "level4_not_referred"),
    (
        "hv_concern",
        {
            "immediate_danger": True,
            "call_999_time": "2026-11-30T09:50:00+00:00",
            "police_reference": "DC-1",
            "level_of_need": "3",
            "consent": "given",
            "consent_given_by": "Mother",
            "consent_not_given_reason": DELETE,
        },
        "level_of_need",
        "danger_not_level4",
    ),
]


@pytest.mark.parametrize(("form_id", "changes", "path", "code"), SOFT)
def test_soft_warnings_are_overridden_only_with_a_reason(
    form_id: str, changes: dict[str, Any], path: str, code: str
) -> None:
    plain = issues_for(form_id, changes)
    assert [(i.path, i.code, i.severity) for i in plain] == [(path, code, "warning")]
    assert issues_for(form_id, changes, overrides={path: "   "}) == plain  # a blank reason is no reason
    assert issues_for(form_id, changes, overrides={"elsewhere": "reason"}) == plain
    assert issues_for(form_id, changes, overrides={path: "Seen in clinic; the GP was told by phone."}) == []


def test_an_override_never_silences_an_error() -> None:
    issues = issues_for("hv_concern", {"immediate_danger": True}, overrides={"call_999_time": "busy"})
    assert ("call_999_time", "required") in codes(issues)
