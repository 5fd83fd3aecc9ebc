"""Consent and lawful basis: the two separate questions every share answers (see domain.md).

Consent to share is a common-law question (was the family told; did they agree); the lawful basis is the UK GDPR
one (Art 6, and Art 9 with DPA 2018 Sch 1 para 18 for health data about safeguarding children).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NOT_INFORMED_WORDS: Final = {
    "significant_harm": "telling them would put a child at risk of significant harm",
    "risk_to_others": "telling them would put others at risk",
    "prejudice_police": "telling them would prejudice a police investigation",
    "undue_delay": "telling them would cause undue delay",
    "not_contactable": "they could not be contacted",
}
ARTICLE6_WORDS: Final = {"6(1)(e)": "public task", "6(1)(c)": "legal obligation", "6(1)(d)": "vital interests"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Consent(_Model):
    """Whether the family knows, and whether they consented to sharing (a common-law question, apart from the
    lawful basis)."""

    parent_informed: bool
    not_informed_reason: Literal[tuple(NOT_INFORMED_WORDS)] | None = None  # type: ignore[valid-type]
    approving_manager: Annotated[str, Field(max_length=200)] | None = None
    consent: Literal["given", "refused", "not_sought"]
    given_by: Annotated[str, Field(max_length=200)] | None = None
    covers: Annotated[str, Field(max_length=500)] | None = None
    reason_if_not_given: Annotated[str, Field(max_length=10_000)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Consent:
        if not self.parent_informed and not (self.not_informed_reason and self.approving_manager):
            raise ValueError("not telling the family needs a reason and an approving manager")
        if self.consent == "given" and not self.given_by:
            raise ValueError("say who gave consent")
        return self


class LawfulBasis(_Model):
    """UK GDPR Art 6 basis, and for health data the Art 9 condition (with DPA 2018 Sch 1 para 18 for 9(2)(g))."""

    article6: Literal["6(1)(e)", "6(1)(c)", "6(1)(d)"] = "6(1)(e)"
    article9: Literal["9(2)(g)", "9(2)(h)"] | None = "9(2)(g)"
    dpa_2018: Literal["Sch 1 para 18"] | None = "Sch 1 para 18"

    @model_validator(mode="after")
    def _schedule(self) -> LawfulBasis:
        if self.article9 == "9(2)(g)" and self.dpa_2018 is None:
            raise ValueError("9(2)(g) needs its DPA 2018 Schedule 1 condition (para 18, safeguarding of children)")
        return self

    def words(self) -> str:
        text = f"UK GDPR Art {self.article6} ({ARTICLE6_WORDS[self.article6]})"
        if self.article9:
            text += f"; Art {self.article9}" + (f" with DPA 2018 {self.dpa_2018}" if self.dpa_2018 else "")
        return text


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
    art6 = {"art6_1_e": "6(1)(e)", "art6_1_c": "6(1)(c)", "art6_1_d": "6(1)(d)"}.get(
        str(answers.get("lawful_basis_art6"))
    )
    art9 = answers.get("lawful_basis_art9")
    return LawfulBasis.model_validate(
        {
            "article6": art6 or "6(1)(e)",
            "article9": "9(2)(h)" if art9 == "art9_2_h" else "9(2)(g)",
            "dpa_2018": None if art9 == "art9_2_h" else "Sch 1 para 18",
        }
    )
