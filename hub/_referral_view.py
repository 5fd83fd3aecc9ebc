"""A referral record read for people: the child, the authority, the referrer, level and categories, in words.

Pure: it reads the stored fields (the document the device's referral builder made, ``forms.Referral``) and never
raises on odd content (a missing or strange value reads as "Not given"). Labels come from the form specs.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import forms

# The referral builder's words for each level (forms._referral.LEVEL_WORDS), and its referral forms.
LEVEL_WORDS: Final = {1: "universal", 2: "early help", 3: "early help (complex needs)", 4: "child protection"}
REFERRAL_FORMS: Final = frozenset({"hv_concern", "sn_referral"})

NOT_GIVEN: Final = "Not given"


@dataclass(frozen=True)
class ReferralView:
    child_name: str
    date_of_birth: dt.date | None
    nhs_number: str  # written 943 476 5919, or "Not known"
    authority: str
    referrer_name: str
    referrer_role: str
    referrer_agency: str
    level_of_need: int | None
    level_words: str
    categories: tuple[str, ...] = field(default_factory=tuple)
    form_ids: tuple[str, ...] = field(default_factory=tuple)
    gp_practice_ods: str = ""  # the child's registered GP practice, if the referrer gave it

    def age(self, today: dt.date) -> str:
        born = self.date_of_birth
        if born is None:
            return NOT_GIVEN
        if born > today:
            return "Unborn"
        years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if years >= 2:
            return f"{years} years"
        months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
        return f"{months} month{'s' if months != 1 else ''}"


def _text(value: object, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        return NOT_GIVEN
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _labels(form: Mapping[str, Any], name: str, codes: object) -> list[str]:
    if not isinstance(codes, list):
        return []
    version = form.get("form_version")
    options = _options(str(form.get("form_id")), version if isinstance(version, int) else 0, name)
    return [options.get(c, str(c)) for c in codes if isinstance(c, str)]


@functools.lru_cache(maxsize=256)
def _options(form_id: str, version: int, name: str) -> dict[str, str]:
    """A field's option labels by code (specs never change, so this is cached)."""
    try:
        spec = forms.load_spec(form_id, version or None)
    except (forms.FormsError, ValueError, TypeError):
        return {}
    return {o.code: o.label for f in _fields(spec.items) if f.id == name for o in f.options}


def _fields(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if getattr(item, "kind", "") in ("group", "repeat"):
            out.extend(_fields(item.items))
        else:
            out.append(item)
    return out


def view(fields: Mapping[str, Any]) -> ReferralView:
    doc = fields.get("document")
    doc = doc if isinstance(doc, Mapping) else {}
    child = doc.get("child")
    child = child if isinstance(child, Mapping) else {}
    authority = fields.get("local_authority")
    authority_name = authority.get("name") if isinstance(authority, Mapping) else None
    form_list = [f for f in doc.get("forms") or [] if isinstance(f, Mapping)]
    first = next((f for f in form_list if f.get("form_id") in REFERRAL_FORMS), None)
    first = first or (form_list[0] if form_list else {})
    answers = first.get("answers")
    answers = answers if isinstance(answers, Mapping) else {}
    nhs = child.get("nhs_number")
    level = fields.get("level_of_need")
    level_number = level if isinstance(level, int) and level in LEVEL_WORDS else None
    categories: list[str] = []
    for form in form_list:
        form_answers = form.get("answers")
        if isinstance(form_answers, Mapping):
            categories += [
                c for c in _labels(form, "categories", form_answers.get("categories")) if c not in categories
            ]
    children = answers.get("children")
    first_child = children[0] if isinstance(children, list) and children and isinstance(children[0], Mapping) else {}
    ods = child.get("gp_practice_ods") or first_child.get("gp_practice_ods")
    return ReferralView(
        gp_practice_ods=ods if isinstance(ods, str) and len(ods) <= 10 else "",
        child_name=_text(child.get("child_name")),
        date_of_birth=_date(child.get("date_of_birth")),
        nhs_number=forms.format_nhs_number(nhs) if isinstance(nhs, str) and nhs.isdigit() else "Not known",
        authority=_text(authority_name),
        referrer_name=_text(answers.get("referrer_name") or fields.get("created_by")),
        referrer_role=_text(answers.get("referrer_role")),
        referrer_agency=_text(answers.get("referrer_agency")),
        level_of_need=level_number,
        level_words=f"Level {level_number}: {LEVEL_WORDS[level_number]}" if level_number else NOT_GIVEN,
        categories=tuple(categories),
        form_ids=tuple(str(f.get("form_id")) for f in form_list),
    )
