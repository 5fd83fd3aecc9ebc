"""Consent and lawful basis: the two separate questions every share answers (see domain.md).

Consent to share is a common-law question (was the family told; did they agree); the lawful basis is the UK GDPR
one (Art 6, and Art 9 with DPA 2018 Sch 1 para 18 for health data about safeguarding children).

Nothing here has a default: a basis or a consent answer that is missing, blank or not one of the form's codes is
refused, never read as "public task" or "given". The rules live in plain functions (``consent_problem``,
``basis_problem``) that the models' validators call, so that each rule is tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

NOT_INFORMED_WORDS: Final = {
    "significant_harm": "telling them would put a child at risk of significant harm",
    "risk_to_others": "telling them would put others at risk",
    "prejudice_police": "telling them would prejudice a police investigation",
    "undue_delay": "telling them would cause undue delay",
    "not_contactable": "they could not be contacted",
}
ARTICLE6_WORDS: Final = {"6(1)(e)": "public task", "6(1)(c)": "legal obligation", "6(1)(d)": "vital interests"}
#: The forms' answer codes (hv_concern, sn_referral: ``lawful_basis_art6`` / ``lawful_basis_art9``).
ART6_CODES: Final = {"art6_1_e": "6(1)(e)", "art6_1_c": "6(1)(c)", "art6_1_d": "6(1)(d)"}
ART9_CODES: Final = {"art9_2_g_dpa_s1_p18": ("9(2)(g)", "Sch 1 para 18"), "art9_2_h": ("9(2)(h)", None)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


class Consent(_Model):
    """Whether the family knows, and whether they consented to sharing (a common-law question, apart from the
    lawful basis). See ``consent_problem`` for what must go together."""

    parent_informed: StrictBool
    not_informed_reason: Literal[tuple(NOT_INFORMED_WORDS)] | None = None  # type: ignore[valid-type]
    approving_manager: Annotated[str, Field(max_length=200)] | None = None
    consent: Literal["given", "refused", "not_sought"]
    given_by: Annotated[str, Field(max_length=200)] | None = None
    covers: Annotated[str, Field(max_length=500)] | None = None
    reason_if_not_given: Annotated[str, Field(max_length=10_000)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Consent:
        problem = consent_problem(self)
        if problem:
            raise ValueError(problem)
        return self


def consent_problem(c: Consent) -> str | None:
    """Why this consent record is incomplete or contradicts itself, or None when it is whole.

    Not telling the family needs a reason and an approving manager (and a family that was told has neither);
    consent given says by whom; consent refused or not sought says why the share goes ahead anyway.
    """
    if c.parent_informed:
        if c.not_informed_reason is not None or c.approving_manager is not None:
            return "the family was told: there is no reason or manager for not telling them"
    elif c.not_informed_reason is None or _blank(c.approving_manager):
        return "not telling the family needs a reason and an approving manager"
    if c.consent == "given":
        if _blank(c.given_by):
            return "say who gave consent"
        if c.reason_if_not_given is not None:
            return "consent was given: there is no reason for sharing without it"
    elif _blank(c.reason_if_not_given):
        return "say why consent was refused or not sought, and why you are sharing anyway"
    elif c.given_by is not None or c.covers is not None:
        return "consent was not given: nobody gave it and it covers no one"
    return None


class LawfulBasis(_Model):
    """UK GDPR Art 6 basis, and for health data the Art 9 condition (with DPA 2018 Sch 1 para 18 for 9(2)(g))."""

    article6: Literal["6(1)(e)", "6(1)(c)", "6(1)(d)"]
    article9: Literal["9(2)(g)", "9(2)(h)"]
    dpa_2018: Literal["Sch 1 para 18"] | None = None

    @model_validator(mode="after")
    def _schedule(self) -> LawfulBasis:
        problem = basis_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    def words(self) -> str:
        """``UK GDPR Art 6(1)(c) (legal obligation); Art 9(2)(g) with DPA 2018 Sch 1 para 18``."""
        text = f"UK GDPR Art {self.article6} ({ARTICLE6_WORDS[self.article6]}); Art {self.article9}"
        return text + (f" with DPA 2018 {self.dpa_2018}" if self.dpa_2018 else "")


def basis_problem(b: LawfulBasis) -> str | None:
    """9(2)(g) needs its DPA 2018 Schedule 1 condition (para 18); para 18 belongs to 9(2)(g) alone."""
    if b.article9 == "9(2)(g)" and b.dpa_2018 is None:
        return "9(2)(g) needs its DPA 2018 Schedule 1 condition (para 18, safeguarding of children)"
    if b.article9 != "9(2)(g)" and b.dpa_2018 is not None:
        return "DPA 2018 Sch 1 para 18 is the condition for Art 9(2)(g) only"
    return None


def consent_from_answers(answers: Mapping[str, object]) -> Consent:
    """The consent section of a concern or referral form, as a Consent (raises ValidationError if incomplete)."""
    return Consent.model_validate(
        {
            "parent_informed": answers.get("parent_informed"),
            "not_informed_reason": answers.get("not_informed_reason"),
            "approving_manager": answers.get("approving_manager"),
            "consent": answers.get("consent"),
            "given_by": answers.get("consent_given_by"),
            "covers": answers.get("consent_covers"),
            "reason_if_not_given": answers.get("consent_not_given_reason"),
        }
    )


def lawful_basis_from_answers(answers: Mapping[str, object]) -> LawfulBasis:
    """The form's lawful basis answers as a LawfulBasis; a missing or unknown code raises ValidationError."""
    article6 = ART6_CODES.get(str(answers.get("lawful_basis_art6")))
    article9, schedule = ART9_CODES.get(str(answers.get("lawful_basis_art9")), (None, None))
    return LawfulBasis.model_validate({"article6": article6, "article9": article9, "dpa_2018": schedule})


def consent_lines(consent: Consent, basis: LawfulBasis) -> list[str]:
    """The referral summary's lines about telling the family, consent and the lawful basis."""
    if consent.parent_informed:
        told = "The parents or carers have been told about this referral."
    else:
        reason = NOT_INFORMED_WORDS[str(consent.not_informed_reason)]
        told = f"The parents or carers have NOT been told: {reason} (approved by {consent.approving_manager})."
    if consent.consent == "given":
        agreed = f"given by {consent.given_by}"
    else:
        why = " ".join(str(consent.reason_if_not_given).split())
        agreed = f"{'refused' if consent.consent == 'refused' else 'not sought'} ({why})"
    return [told, f"Consent to share: {agreed}. Lawful basis: {basis.words()}."]
