"""Complete, valid example answers for every bundled form: for demos, the other packages' tests, and the benchmark.

All people are invented; NHS numbers are in the 999 test range. The answers were written on EXAMPLE_TODAY and stay
valid on any later day (no age-dependent question flips), so other packages' tests may use them with today's clock.
For that reason no example answers a question shown only below an age (a nursery for a child under 4): the child
would grow out of it. ``example_answers(form_id, version)`` also gives an earlier version's answers (the migration
tests start from a full v1 draft).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Final

EXAMPLE_TODAY: Final = dt.date(2026, 11, 30)

_SIGNED: Final = {"signed_by": "Sam Carter", "signed_at": "2026-11-30T10:15:00+00:00", "attested": True}
_PHOTO: Final = {"sha256": "ab" * 32, "name": "arm.jpg", "media_type": "image/jpeg", "size": 123456}


def _injury(n: int, kind: str = "abrasion") -> dict[str, Any]:
    return {
        "position": {"view": "front" if n % 2 else "back", "x": 0.3 + n / 20, "y": 0.5, "region": "arm_left"},
        "injury_type": kind,
        "size_cm": 2.5,
        "shape": "oval",
        "colour": "red",
        "skin_broken": False,
        "explanation_given": True,
        "explanation": "Fell over in the garden.",
        "explained_by": "Mother",
        "explanation_fits": "yes",
        "observed_at": "2026-11-30T09:40:00+00:00",
        "recorded_by": "Sam Carter",
        "photo": _PHOTO,
    }


def _child(name: str, dob: str, nhs: str, injuries: int, **extra: Any) -> dict[str, Any]:
    child: dict[str, Any] = {
        "child_name": name,
        "date_of_birth": dob,
        "gender": "female",
        "nhs_number": nhs,
        "address": "12 Sea View Road, Torquay",
        "postcode": "TQ1 2AB",
        "ethnicity": "white",
        "language": "English",
        "interpreter_needed": False,
        "disability_sen": "None known",
        "gp_practice_ods": "L83001",
        "gp_practice_name": "Harbour Surgery",
        "injury_seen": injuries > 0,
        **extra,
    }
    if injuries:
        child["injuries"] = [_injury(i) for i in range(injuries)]
    return child


def _adult(name: str, role: str, risks: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "relationship": "Mother" if role == "parent" else "Mother's partner",
        "date_of_birth": "1994-05-02",
        "parental_responsibility": role == "parent",
        "role": role,
        "risk_factors": risks,
        "lives_with_child": True,
    }


def _common_tail(agency: str) -> dict[str, Any]:
    return {
        "categories": ["physical", "neglect"],
        "worry": "Bruising and scratches on the children's arms; the home was cold and there was little food.",
        "facts": "I saw grazes on both arms of each child. The fridge was empty.",
        "opinion": "The explanations given are plausible but the pattern is worrying.",
        "disclosures": [
            {
                "who": "children[0]",
                "when": "2026-11-30T09:45:00+00:00",
                "said_to": "Sam Carter",
                "words": "Mummy's friend shouts.",
            }
        ],
        "history": "Two previous concerns about home conditions in 2025.",
        "support_offered": "Food bank voucher; referral to the family hub.",
        "going_well": "The mother engages with the health visiting service.",
        "child_views": "The eldest says she likes school.",
        "parents_views": "The mother says money is tight since her partner moved in.",
        "level_of_need": "4",
        "threshold_rationale": "Injuries with a worrying pattern and neglect of basic needs.",
        "referral_decision": "refer_to_mash",
        "parent_informed": True,
        "consent": "not_sought",
        "consent_not_given_reason": "Level 4: sharing without consent to protect the children.",
        "gillick": "not_applicable",
        "lawful_basis_art6": "art6_1_e",
        "lawful_basis_art9": "art9_2_g_dpa_s1_p18",
        "referrer_name": "Sam Carter",
        "referrer_role": "Health visitor",
        "referrer_agency": agency,
        "registration": "12A3456E",
        "referrer_email": "sam.carter@nhs.net",
        "referrer_phone": "01803123456",
        "referred_at": "2026-11-30T10:15:00+00:00",
        "safeguarding_lead_consulted": True,
        "safeguarding_lead_name": "Jo Hughes",
        "attestation": _SIGNED,
        "professionals": [
            {"name": "Dr Priya Shah", "agency": "Harbour Surgery", "role": "GP", "phone": "01803654321"},
        ],
    }


def _hv_concern() -> dict[str, Any]:
    return {
        "immediate_danger": False,
        "visit_date": "2026-11-30",
        "visit_type": "home_visit",
        "present": "Mother, her partner and the three children.",
        "child_seen": True,
        "child_seen_alone": False,
        "access": "none",
        "children": [
            _child("Amy Example", "2021-03-14", "9990000018", 2, school="Harbour Primary", unborn=False),
            _child("Ben Example", "2023-06-01", "9990000026", 2, unborn=False, growth="On the 25th centile."),
            _child("Cara Example", "2025-09-20", "9990000034", 0, unborn=False, feeding="Bottle fed."),
        ],
        "adults": [
            _adult("Dana Example", "parent", ["mental_health"]),
            _adult("Eli Sample", "partner", ["substance_misuse"]),
        ],
        "home_conditions": "Cold; little food; otherwise tidy.",
        "safe_sleep": "discussed_safe",
        "perinatal_mental_health": "concern",
        "perinatal_mental_health_detail": "Low mood since the youngest was born; known to the GP.",
        "substance_misuse": "no_concern",
        "da_safe_to_ask": True,
        "da_disclosed": False,
        **_common_tail("Health visiting"),
    }


def _sn_referral() -> dict[str, Any]:
    answers = {
        "immediate_danger": False,
        "school_name": "Harbour Academy",
        "dsl_informed": True,
        "dsl_name": "Mr Lee",
        "children": [
            _child(
                "Fay Example",
                "2013-02-11",
                "9990000042",
                0,
                school="Harbour Academy",
                upn="A12345678901B",
                year_group="year_8",
                ehcp=False,
                sexual_activity=False,
            ),
        ],
        "adults": [_adult("Gail Example", "parent", ["mental_health"])],
        "disclosure_made": True,
        "pupil_words": "I don't want to go home because he hits me.",
        "disclosure_time": "2026-11-30T11:00:00+00:00",
        "disclosure_present": "School nurse only.",
        "pupil_wishes": "To stay with her aunt.",
        "gillick_fraser": "Understands and agrees to the referral.",
        "screen_exploitation": "no_concern",
        "screen_missing": "no_concern",
        "screen_self_harm": "no_concern",
        "attendance_percent": 91.5,
        "screen_online": "no_concern",
        "screen_peer": "no_concern",
        **_common_tail("School nursing"),
    }
    answers["categories"] = ["physical"]
    answers["referrer_role"] = "School nurse"
    return answers


def _gp_response() -> dict[str, Any]:
    return {
        "request_reference": "MASH-2026-0042",
        "request_rag": "amber",
        "request_deadline": "2026-12-01T10:00:00+00:00",
        "request_child": "Amy Example",
        "request_child_dob": "2021-03-14",
        "request_child_nhs": "9990000018",
        "request_adults": "Dana Example, 1994-05-02, mother",
        "request_questions": "Any injuries or A&E attendances?\nAny concerns about the mother's mental health?",
        "nothing_known": False,
        "conditions": "Eczema.",
        "immunisations": "up_to_date",
        "last_seen": "2026-10-02",
        "ae_attendances": 1,
        "ae_detail": "Wrist sprain, August 2026.",
        "was_not_brought": 0,
        "safeguarding_codes": ["previous_referrals"],
        "adults": [{"name": "Dana Example", "bearing_on_parenting": "Postnatal depression, treated, engaging well."}],
        "gp_analysis": "No health concerns beyond those known; the mother's depression is treated.",
        "health_rag": "amber",
        "info_withheld": False,
        "shared_without_consent": True,
        "basis_without_consent": "Safeguarding of a child (DPA 2018 Sch 1 para 18).",
        "approved_by": "safeguarding_lead",
        "approver_name": "Dr Priya Shah",
        "responder_name": "Dr Priya Shah",
        "gmc_number": "7012345",
        "practice_ods": "L83001",
        "responded_at": "2026-11-30T15:00:00+00:00",
        "lawful_basis_art6": "art6_1_e",
        "lawful_basis_art9": "art9_2_g_dpa_s1_p18",
        "signature": {"signed_by": "Dr Priya Shah", "signed_at": "2026-11-30T15:00:00+00:00", "attested": True},
    }


def _team_response() -> dict[str, Any]:
    return {
        "request_reference": "MASH-2026-0043",
        "request_rag": "amber",
        "request_deadline": "2026-12-01T10:00:00+00:00",
        "request_child": "Amy Example",
        "request_child_dob": "2021-03-14",
        "request_child_nhs": "9990000018",
        "request_adults": "Dana Example, 1994-05-02, mother",
        "request_questions": "When did the team last see Amy?\nAny concerns about the home?",
        "nothing_known": False,
        "last_contact": "2026-10-20",
        "child_seen": "seen",
        "contacts": "Two-year review in October 2026; clinic in June 2026.",
        "missed_contacts": 1,
        "missed_detail": "A home visit in September 2026: nobody answered.",
        "concerns_seen": "Speech a little behind; the home was cold and short of food in October.",
        "family_circumstances": "Mother and Amy; the mother's partner stays some nights.",
        "other_agencies": ["gp", "early_help"],
        "other_agencies_detail": "Early help worker since November 2026.",
        "team_analysis": "Neglect indicators rising since the autumn; the mother engages when visited.",
        "team_rag": "amber",
        "info_withheld": False,
        "shared_without_consent": False,
        "responder_name": "Sam Carter",
        "team_code": "RA9HV1",
        "responded_at": "2026-11-30T15:00:00+00:00",
        "lawful_basis_art6": "art6_1_e",
        "lawful_basis_art9": "art9_2_g_dpa_s1_p18",
        "signature": {"signed_by": "Sam Carter", "signed_at": "2026-11-30T15:00:00+00:00", "attested": True},
    }


def _case_note() -> dict[str, Any]:
    return {
        "is_addendum": False,
        "note_kind": "visit",
        "happened_at": "2026-11-30T09:30:00+00:00",
        "visit": "HV-2026-11-30-01",
        "child_seen": True,
        "child_seen_alone": False,
        "text": "Home visit. All three children seen. See the concern form raised today.",
        "attachments": [{"file": _PHOTO, "caption": "Kitchen"}],
        "author": "Sam Carter",
    }


_EARLY_HELP_FILE: Final = {
    "sha256": "cd" * 32,
    "name": "early-help.pdf",
    "media_type": "application/pdf",
    "size": 81234,
}
_RIGHT_NOW: Final = {
    "child_location_now": "At home with their mother, 12 Sea View Road, Torquay.",
    "child_safe_now": True,
    "action_taken": "I spoke to the mother about the injuries and the food; the GP has been told by phone.",
    "mash_call_made": True,
    "mash_call_at": "2026-11-30T09:55:00+00:00",
    "mash_call_taken_by": "Alex Morgan, screening officer",
    "mash_call_reference": "MASH-CALL-0917",
    "csc_open_case": "no",
    "police_involved": False,
    "eh_assessment": "in_progress",
    "eh_lead_name": "Chris Lane",
    "eh_lead_agency": "Torbay Family Hub",
    "eh_assessment_file": _EARLY_HELP_FILE,
    "expected_outcome": "assessment",
    "expected_outcome_detail": "An assessment of the children's needs, and help with food and heating.",
}

_CHILD_V2: Final = {
    "ethnicity_white": "english_welsh_scottish_ni_british",
    "religion": "No religion",
    "previous_addresses": [
        {
            "address_kind": "previous",
            "address": "4 Mill Lane, Paignton",
            "postcode": "TQ3 1AA",
            "lived_from": "2021-03-14",
            "lived_to": "2024-08-31",
        }
    ],
}

_ADULT_V2: Final = {
    "gender": "female",
    "phone": "07700900123",
    "ethnicity": "white",
    "ethnicity_white": "irish",
    "language": "English",
    "interpreter_needed": False,
}


def _v2_referral(answers: dict[str, Any]) -> dict[str, Any]:
    """A v1 referral's answers with the questions version 2 adds."""
    answers.update(copy.deepcopy(_RIGHT_NOW))
    for child in answers["children"]:
        child.update(copy.deepcopy(_CHILD_V2))
    for adult in answers["adults"]:
        adult.update(copy.deepcopy(_ADULT_V2))
    answers["adults"][-1]["gender"] = "male" if len(answers["adults"]) > 1 else "female"
    return answers


def _v3_referral(answers: dict[str, Any]) -> dict[str, Any]:
    """A v2 referral's answers as version 3 asks them: children's social care for each child."""
    open_case = answers.pop("csc_open_case")
    for child in answers["children"]:
        child["csc_open_case"] = open_case
    answers["children"][0].update(
        {"csc_open_case": "yes", "csc_plan": "child_in_need", "social_worker_name": "Pat Kerr"}
    )
    return answers


def _gp_response_v2() -> dict[str, Any]:
    answers = _gp_response()
    answers.update(
        {
            "registration_status": "registered",
            "registered_since": "2021-04-01",
            "attendance_pattern": "Seen about three times a year; two missed immunisation appointments in 2025.",
            "brought_by": "Usually her mother; once by the mother's partner.",
            "unborn_baby": False,
            "question_answers": [
                {
                    "question": "Any injuries or A&E attendances?",
                    "answer": "One A&E attendance in August 2026 for a wrist sprain; no other injuries recorded.",
                },
                {
                    "question": "Any concerns about the mother's mental health?",
                    "answer": "Postnatal depression in 2025, treated; she attends her reviews.",
                },
            ],
            "chronology": [
                {"event_date": "2025-11-03", "event": "Mother seen for low mood; treatment started.", "source": "GP"},
                {"event_date": "2026-08-14", "event": "A&E: sprained wrist after a fall.", "source": "A&E letter"},
            ],
            "responder_type": "gp",
            "registration_type": "gmc",
        }
    )
    return answers


_BUILDERS: Final = {
    "hv_concern": _hv_concern,
    "sn_referral": _sn_referral,
    "gp_response": _gp_response,
    "team_response": _team_response,
    "case_note": _case_note,
}


#: Later versions' answers, by (form id, version); a version not here is the one in ``_BUILDERS``.
_LATER: Final = {
    ("hv_concern", 2): lambda: _v2_referral(_hv_concern()),
    ("sn_referral", 2): lambda: _v2_referral(_sn_referral()),
    ("hv_concern", 3): lambda: _v3_referral(_v2_referral(_hv_concern())),
    ("sn_referral", 3): lambda: _v3_referral(_v2_referral(_sn_referral())),
    ("gp_response", 2): _gp_response_v2,
}
_LATEST: Final = {form_id: max(v for f, v in _LATER if f == form_id) for form_id, _ in _LATER}


def example_answers(form_id: str, version: int | None = None) -> dict[str, Any]:
    """A fresh copy of complete, valid answers to ``version`` (default: the latest) of ``form_id`` (valid on
    EXAMPLE_TODAY)."""
    chosen = _LATEST.get(form_id, 1) if version is None else version
    builder = _LATER.get((form_id, chosen)) or (_BUILDERS[form_id] if chosen == 1 else None)
    if builder is None:
        raise KeyError(f"no example answers for {form_id} version {chosen}")
    return copy.deepcopy(builder())
