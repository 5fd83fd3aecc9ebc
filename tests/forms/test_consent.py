"""Consent and lawful basis, every combination both ways: the model, the stored record, the summary line and the
hub's check (forms._consent, forms._referral.referral_record_issues). The rules are written out again here, apart
from the code under test, as the law (docs/forms.md, the project guide's domain.md) states them."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pydantic import ValidationError

from forms import (
    Consent,
    LawfulBasis,
    ReferralError,
    consent_from_answers,
    content_hash,
    lawful_basis_from_answers,
    validate_record,
)
from forms._consent import NOT_INFORMED_WORDS, consent_lines
from tests.forms.test_referral import build, submitted

REASONS = [None, *NOT_INFORMED_WORDS]
TEXTS = [None, "", "   ", "Jo Hughes"]


def problem(data: dict[str, Any], model: type[Consent] | type[LawfulBasis] = Consent) -> str | None:
    """The one message a model gives for ``data`` (exactly: a mutant that changes a message is caught), or None."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        [e] = exc.errors(include_url=False)
        return str(e["msg"]).removeprefix("Value error, ") if e["type"] == "value_error" else e["type"]
    return None


def blank(text: str | None) -> bool:
    return text is None or text.strip() == ""


def expected_consent_problem(c: dict[str, Any]) -> str | None:
    """The law, written out: who was told, who approved not telling, who consented and why sharing goes ahead."""
    told, reason, manager = c["parent_informed"], c["not_informed_reason"], c["approving_manager"]
    if told and (reason is not None or manager is not None):
        return "the family was told: there is no reason or manager for not telling them"
    if not told and (reason is None or blank(manager)):
        return "not telling the family needs a reason and an approving manager"
    if c["consent"] == "given":
        if blank(c["given_by"]):
            return "say who gave consent"
        if c["reason_if_not_given"] is not None:
            return "consent was given: there is no reason for sharing without it"
        return None
    if blank(c["reason_if_not_given"]):
        return "say why consent was refused or not sought, and why you are sharing anyway"
    if c["given_by"] is not None or c["covers"] is not None:
        return "consent was not given: nobody gave it and it covers no one"
    return None


CONSENT_CASES = [
    {"parent_informed": told, "not_informed_reason": reason, "approving_manager": manager, "consent": consent,
     "given_by": by, "covers": covers, "reason_if_not_given": why}
    for told, reason, manager, consent, by, covers, why in itertools.product(
        [True, False], [None, "undue_delay", "prejudice_police"], TEXTS, ["given", "refused", "not_sought"],
        [None, " ", "Mother"], [None, "Both children"], [None, "  ", "Level 4: protecting the children."],
    )
]  # fmt: skip


def test_every_combination_of_consent_answers_is_judged_by_the_rules() -> None:
    basis = LawfulBasis(article6="6(1)(e)", article9="9(2)(g)", dpa_2018="Sch 1 para 18")
    valid = 0
    for case in CONSENT_CASES:
        want = expected_consent_problem(case)
        assert problem(case) == want, case
        if want is None:
            valid += 1
            told, agreed = consent_lines(Consent.model_validate(case), basis)
            if case["parent_informed"]:
                assert told == "The parents or carers have been told about this referral."
            else:
                why = NOT_INFORMED_WORDS[case["not_informed_reason"]]
                assert told == f"The parents or carers have NOT been told: {why} (approved by Jo Hughes)."
            word = {"given": "given by Mother", "refused": "refused", "not_sought": "not sought"}[case["consent"]]
            if case["consent"] != "given":
                word += " (Level 4: protecting the children.)"
            assert agreed == f"Consent to share: {word}. Lawful basis: {basis.words()}."
    assert 0 < valid < len(CONSENT_CASES)  # the table holds both ways


@pytest.mark.parametrize("reason", list(NOT_INFORMED_WORDS))
def test_each_reason_for_not_telling_the_family_has_its_words(reason: str) -> None:
    consent = Consent(parent_informed=False, not_informed_reason=reason, approving_manager="Jo", consent="refused",
                      reason_if_not_given="Risk to the child.")  # fmt: skip
    told = consent_lines(consent, lawful_basis_from_answers(_answers("art6_1_e", "art9_2_h")))[0]
    assert told == f"The parents or carers have NOT been told: {NOT_INFORMED_WORDS[reason]} (approved by Jo)."


@pytest.mark.parametrize("value", ["no", "false", 0, 1, None, "yes"])
def test_told_or_not_is_a_real_yes_or_no(value: object) -> None:
    case = {"parent_informed": value, "consent": "given", "given_by": "Mother"}
    assert problem(case) in ("bool_type", "missing")


def test_an_unknown_reason_or_consent_word_is_refused() -> None:
    base = {"parent_informed": False, "approving_manager": "Jo", "consent": "refused", "reason_if_not_given": "x"}
    assert problem({**base, "not_informed_reason": "busy"}) == "literal_error"
    assert problem({**base, "not_informed_reason": "undue_delay", "consent": "yes"}) == "literal_error"
    assert problem({**base, "not_informed_reason": "undue_delay", "note": "x"}) == "extra_forbidden"


def test_the_consent_answers_land_in_their_own_fields() -> None:
    answers = {"parent_informed": False, "not_informed_reason": "undue_delay", "approving_manager": "Jo",
               "consent": "given", "consent_given_by": "Mother", "consent_covers": "Both children"}  # fmt: skip
    assert consent_from_answers(answers) == Consent(
        parent_informed=False, not_informed_reason="undue_delay", approving_manager="Jo", consent="given",
        given_by="Mother", covers="Both children",
    )  # fmt: skip
    refused = {"parent_informed": True, "consent": "refused", "consent_not_given_reason": "Risk to the child."}
    assert consent_from_answers(refused).reason_if_not_given == "Risk to the child."
    with pytest.raises(ValidationError, match="parent_informed"):
        consent_from_answers({"consent": "refused", "consent_not_given_reason": "x"})


ART6 = {"art6_1_e": ("6(1)(e)", "public task"), "art6_1_c": ("6(1)(c)", "legal obligation"),
        "art6_1_d": ("6(1)(d)", "vital interests")}  # fmt: skip
ART9 = {"art9_2_g_dpa_s1_p18": ("9(2)(g)", "Sch 1 para 18"), "art9_2_h": ("9(2)(h)", None)}


def _answers(art6: object, art9: object) -> dict[str, object]:
    return {"lawful_basis_art6": art6, "lawful_basis_art9": art9}


def expected_words(art6: str, art9: str) -> str:
    article6, name = ART6[art6]
    article9, schedule = ART9[art9]
    return f"UK GDPR Art {article6} ({name}); Art {article9}" + (f" with DPA 2018 {schedule}" if schedule else "")


@pytest.mark.parametrize(
    ("art6", "art9"),
    list(itertools.product([*ART6, None, "", "6(1)(c)", "legal_obligation", "art6_1_f"],
                           [*ART9, None, "", "9(2)(g)", "art9_2_g"])),
)  # fmt: skip
def test_every_lawful_basis_answer_is_recorded_as_given_or_refused(art6: object, art9: object) -> None:
    answers = _answers(art6, art9)
    if art6 in ART6 and art9 in ART9:
        basis = lawful_basis_from_answers(answers)
        assert (basis.article6, basis.article9, basis.dpa_2018) == (ART6[art6][0], *ART9[art9])  # type: ignore[index]
        assert basis.words() == expected_words(art6, art9)  # type: ignore[arg-type]
    else:  # never read as public task, or as 9(2)(g): an answer that is not one of the form's codes is refused
        field = "article6" if art6 not in ART6 else "article9"
        with pytest.raises(ValidationError, match=f"\n{field}\n  Input should be "):
            lawful_basis_from_answers(answers)


@pytest.mark.parametrize(
    ("data", "want"),
    [
        ({"article6": "6(1)(c)", "article9": "9(2)(g)", "dpa_2018": "Sch 1 para 18"}, None),
        ({"article6": "6(1)(d)", "article9": "9(2)(h)"}, None),
        ({"article6": "6(1)(d)", "article9": "9(2)(h)", "dpa_2018": None}, None),
        ({"article6": "6(1)(e)", "article9": "9(2)(g)"},
         "9(2)(g) needs its DPA 2018 Schedule 1 condition (para 18, safeguarding of children)"),
        ({"article6": "6(1)(e)", "article9": "9(2)(h)", "dpa_2018": "Sch 1 para 18"},
         "DPA 2018 Sch 1 para 18 is the condition for Art 9(2)(g) only"),
        ({"article9": "9(2)(g)", "dpa_2018": "Sch 1 para 18"}, "missing"),  # no silent "public task"
        ({"article6": "6(1)(e)", "dpa_2018": "Sch 1 para 18"}, "missing"),
        ({"article6": "6(1)(a)", "article9": "9(2)(h)"}, "literal_error"),  # consent is not a basis here
        ({"article6": "6(1)(e)", "article9": None}, "literal_error"),
        ({"article6": "6(1)(e)", "article9": "9(2)(h)", "dpa_2018": "Sch 1 para 2"}, "literal_error"),
    ],
)  # fmt: skip
def test_the_lawful_basis_model(data: dict[str, Any], want: str | None) -> None:
    assert problem(data, LawfulBasis) == want


# Through the referral builder and the hub's check, from each referral form.


def reseal(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A referral record changed consistently (fields, document and hash agree): only the forms say otherwise."""
    document = {**record["document"], **changes}
    fields = {**record, **{k: v for k, v in changes.items() if k in record}, "document": document}
    fields["content_hash"] = content_hash(document)
    return fields


def codes(record: dict[str, Any]) -> list[str]:
    return [i.code for i in validate_record("referral", record)]


@pytest.mark.parametrize("form_id", ["hv_concern", "sn_referral"])
@pytest.mark.parametrize(("art6", "art9"), list(itertools.product(ART6, ART9)))
def test_the_lawful_basis_is_stored_summarised_and_checked_by_the_hub(form_id: str, art6: str, art9: str) -> None:
    referral = build(forms=[submitted(form_id, lawful_basis_art6=art6, lawful_basis_art9=art9)])
    record = referral.model_dump(mode="json")
    article6, article9, schedule = ART6[art6][0], *ART9[art9]
    stored = {"article6": article6, "article9": article9, "dpa_2018": schedule}
    assert record["lawful_basis"] == stored
    assert record["document"]["lawful_basis"] == stored
    lines = referral.summary.splitlines()
    assert [line for line in lines if "Lawful basis" in line] == [
        f"Consent to share: not sought (Level 4: sharing without consent to protect the children.)."
        f" Lawful basis: {expected_words(art6, art9)}."
    ]
    assert codes(record) == []
    # Both ways: the same referral claiming another basis is refused by the hub, however well it is resealed.
    for other6, other9 in itertools.product(ART6, ART9):
        if (other6, other9) == (art6, art9):
            continue
        claimed = lawful_basis_from_answers(_answers(other6, other9))
        forged = reseal(record, lawful_basis=claimed.model_dump(mode="json"))
        assert codes(forged) == ["lawful_basis_not_as_answered"]
        summary = referral.summary.replace(expected_words(art6, art9), claimed.words())
        assert codes(reseal(forged, summary=summary)) == ["lawful_basis_not_as_answered", "summary_not_as_answered"]


TOLD = [{"parent_informed": True}] + [
    {"parent_informed": False, "not_informed_reason": r, "approving_manager": "Jo Hughes"} for r in NOT_INFORMED_WORDS
]
AGREED = [
    {"consent": "given", "consent_given_by": "Mother", "consent_covers": "Amy"},
    {"consent": "refused", "consent_not_given_reason": "Level 4: sharing to protect the children."},
    {"consent": "not_sought", "consent_not_given_reason": "Level 4: sharing to protect the children."},
]


@pytest.mark.parametrize("form_id", ["hv_concern", "sn_referral"])
@pytest.mark.parametrize("told", TOLD)
@pytest.mark.parametrize("agreed", AGREED)
def test_the_consent_is_stored_summarised_and_checked_by_the_hub(
    form_id: str, told: dict[str, Any], agreed: dict[str, Any]
) -> None:
    answers = {**told, **agreed}
    referral = build(forms=[submitted(form_id, **answers)])
    record = referral.model_dump(mode="json")
    want = {
        "parent_informed": told["parent_informed"],
        "not_informed_reason": told.get("not_informed_reason"),
        "approving_manager": told.get("approving_manager"),
        "consent": agreed["consent"],
        "given_by": agreed.get("consent_given_by"),
        "covers": agreed.get("consent_covers"),
        "reason_if_not_given": agreed.get("consent_not_given_reason"),
    }
    assert record["consent"] == want
    assert record["document"]["consent"] == want
    lines = referral.summary.splitlines()
    if told["parent_informed"]:
        assert lines[2] == "The parents or carers have been told about this referral."
    else:
        reason = NOT_INFORMED_WORDS[told["not_informed_reason"]]
        assert lines[2] == f"The parents or carers have NOT been told: {reason} (approved by Jo Hughes)."
    words = {"given": "given by Mother", "refused": "refused", "not_sought": "not sought"}[agreed["consent"]]
    if agreed["consent"] != "given":
        words += " (Level 4: sharing to protect the children.)"
    assert lines[3].startswith(f"Consent to share: {words}. Lawful basis: ")
    assert codes(record) == []
    # Both ways: a referral that says the family was told (or not), or consented (or not), other than the form
    # answered, is refused even when its hash is recomputed.
    flipped = {**want, "parent_informed": True, "not_informed_reason": None, "approving_manager": None}
    if not told["parent_informed"]:
        assert codes(reseal(record, consent=flipped)) == ["consent_not_as_answered"]
    given = {**want, "consent": "given", "given_by": "Mother", "covers": None, "reason_if_not_given": None}
    if agreed["consent"] != "given":
        assert codes(reseal(record, consent=given)) == ["consent_not_as_answered"]
    lines[3] = lines[3].replace("Consent to share: ", "Consent to share: (changed) ")
    assert codes(reseal(record, summary="\n".join(lines))) == ["summary_not_as_answered"]


@pytest.mark.parametrize(
    ("answers", "missing"),
    [
        ({"parent_informed": False, "approving_manager": "Jo Hughes"}, "not_informed_reason"),
        ({"parent_informed": False, "not_informed_reason": "undue_delay"}, "approving_manager"),
        ({"parent_informed": False, "not_informed_reason": "undue_delay", "approving_manager": "  "},
         "approving_manager"),
        ({"consent": "given", "consent_not_given_reason": None}, "consent_given_by"),
        ({"consent": "refused", "consent_not_given_reason": None}, "consent_not_given_reason"),
    ],
)  # fmt: skip
def test_a_referral_missing_a_reason_or_a_manager_is_not_built(answers: dict[str, Any], missing: str) -> None:
    with pytest.raises(ReferralError) as caught:
        build(forms=[submitted(**answers)])
    found = [(i.path, i.code) for i in caught.value.issues]
    assert ("consent", "consent_missing") in found
    assert any(path.endswith(missing) for path, _ in found) or missing == "approving_manager"


def test_the_hub_refuses_a_referral_whose_form_gives_no_reason_for_not_telling_the_family() -> None:
    record = build().model_dump(mode="json")
    [form] = record["document"]["forms"]
    untold = {**form["answers"], "parent_informed": False, "approving_manager": "Jo Hughes"}  # and no reason
    forged = reseal(record, forms=[{**form, "answers": untold}])
    assert codes(forged) == ["consent_missing"]
    no_form = reseal(record, forms=[{**form, "form_id": "case_note"}])
    assert codes(no_form) == ["no_referral_form"]


def test_the_hub_refuses_a_level_other_than_the_forms_give_and_early_help_without_consent() -> None:
    record = build().model_dump(mode="json")
    assert record["level_of_need"] == 4
    summary = record["summary"].replace("level 4 (child protection)", "level 3 (early help (complex needs))")
    assert codes(reseal(record, level_of_need=3, summary=summary)) == ["level_not_as_answered"]
    early = build(forms=[submitted(level_of_need="2", referral_decision="early_help", consent="given",
                                   consent_given_by="Mother")]).model_dump(mode="json")  # fmt: skip
    assert codes(early) == []
    [form] = early["document"]["forms"]
    refused = {**form["answers"], "consent": "refused", "consent_not_given_reason": "x"}
    refused.pop("consent_given_by")
    consent = {**early["consent"], "consent": "refused", "given_by": None, "reason_if_not_given": "x"}
    summary = early["summary"].replace("Consent to share: given by Mother.", "Consent to share: refused (x).")
    forged = reseal(early, forms=[{**form, "answers": refused}], consent=consent, summary=summary)
    assert codes(forged) == ["consent_required_for_early_help"]
