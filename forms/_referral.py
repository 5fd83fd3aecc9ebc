"""The referral builder: a case, one or more submitted forms, consent and lawful basis -> an immutable document.

Consent and lawful basis are always read from the (first) concern or referral form's answers: the document can
only say what the worker answered, and the hub's check (``referral_record_issues``) reads them again from the forms
inside the document and refuses a referral whose recorded consent, lawful basis, level of need or summary lines
differ from those answers.

``build_referral`` checks everything first and raises ReferralError listing every reason if the inputs do not make a
referral (use ``referral_issues`` to show them without raising). The document carries its own plain-language summary
and is hashed (``content_hash``) so the hub's receipt proves exactly what was shared. Changing anything in the
document changes the hash; the hub re-checks the hash (``validate_record("referral", ...)``).

Local authority: chosen by the caller (the user picked one), else routed from the case's postcode, else from the
first child's postcode on the forms; when that gives none or several, the caller must ask the user to choose
(``route`` says whom to offer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator

from forms._checkers import parse_date, parse_datetime
from forms._consent import Consent, LawfulBasis, consent_from_answers, consent_lines, lawful_basis_from_answers
from forms._engine import england_today, validate_submission
from forms._errors import ReferralError, UnknownForm
from forms._identifiers import format_nhs_number, normalise_postcode
from forms._issues import IssueCode, ValidationIssue, error, model_issue
from forms._registry import load_spec, spec_hash_matches
from forms._routing import LocalAuthority, RoutingTable, route
from forms._spec import FormSpec
from forms._summary import summary_lines
from protocol import content_hash

DOCUMENT_SCHEMA: Final = "mash-referral/1"
LEVEL_WORDS: Final = {1: "universal", 2: "early help", 3: "early help (complex needs)", 4: "child protection"}
REFERRAL_FORMS: Final = frozenset({"hv_concern", "sn_referral"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubmittedForm(_Model):
    """A form record as synced: its record id and its fields."""

    record_id: Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    form_id: Annotated[str, Field(max_length=64)]
    form_version: Annotated[int, Field(ge=1, le=10_000)]
    spec_hash: Annotated[str, Field(max_length=64)]
    answers: dict[str, JsonValue]
    submitted_at: str | None = None
    overrides: dict[str, str] = Field(default_factory=dict)


class AuthorityRef(_Model):
    code: str
    key: str
    name: str


class Referral(_Model):
    """An assembled referral, exactly as stored in a ``referral`` record (``model_dump(mode="json")``)."""

    case_id: str
    form_record_ids: tuple[str, ...] = Field(min_length=1)
    local_authority: AuthorityRef
    level_of_need: Annotated[int, Field(ge=1, le=4)]
    consent: Consent
    lawful_basis: LawfulBasis
    summary: Annotated[str, Field(min_length=1, max_length=20_000)]
    document: dict[str, JsonValue]
    content_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    created_by: Annotated[str, Field(min_length=1, max_length=200)]
    created_at: str

    @model_validator(mode="after")
    def _consistent(self) -> Referral:
        if content_hash(self.document) != self.content_hash:
            raise ValueError("content_hash does not match the document")
        doc = self.document
        same = (
            doc.get("schema") == DOCUMENT_SCHEMA
            and doc.get("case_id") == self.case_id
            and doc.get("summary") == self.summary
            and doc.get("level_of_need") == self.level_of_need
            and doc.get("local_authority") == self.local_authority.model_dump(mode="json")
            and doc.get("consent") == self.consent.model_dump(mode="json")
            and doc.get("lawful_basis") == self.lawful_basis.model_dump(mode="json")
            and _record_ids(doc.get("forms")) == list(self.form_record_ids)
            and doc.get("created_by") == self.created_by
            and doc.get("created_at") == self.created_at
        )
        if not same:
            raise ValueError("the referral's fields differ from its document")
        return self


def _record_ids(forms: object) -> list[object]:
    return [f.get("record_id") for f in forms if isinstance(f, dict)] if isinstance(forms, list) else []


def _spec_of(form: SubmittedForm, index: int, issues: list[ValidationIssue]) -> FormSpec | None:
    try:
        spec = load_spec(form.form_id, form.form_version)
    except UnknownForm:
        issues.append(
            error(f"forms[{index}]", IssueCode.UNKNOWN_FORM, f"No form {form.form_id!r} v{form.form_version}.")
        )
        return None
    if not spec_hash_matches(spec, form.spec_hash):
        issues.append(
            error(f"forms[{index}]", IssueCode.SPEC_MISMATCH, "Filled in against a different copy of the form.")
        )
        return None
    return spec


def _plan(
    *,
    case: Mapping[str, object],
    forms: Sequence[SubmittedForm | Mapping[str, Any]],
    local_authority: LocalAuthority | None,
    table: RoutingTable | None,
    today: dt.date,
) -> tuple[list[ValidationIssue], dict[str, Any]]:
    issues: list[ValidationIssue] = []
    plan: dict[str, Any] = {"forms": []}
    if not forms:
        issues.append(
            error("forms", IssueCode.NO_FORMS, "A referral needs at least one submitted concern or referral form.")
        )
    for i, raw in enumerate(forms):
        try:
            form = raw if isinstance(raw, SubmittedForm) else SubmittedForm.model_validate(raw)
        except ValidationError as exc:
            issues.append(error(f"forms[{i}]", IssueCode.BAD_FORM_RECORD, str(exc.errors(include_url=False)[0]["msg"])))
            continue
        spec = _spec_of(form, i, issues)
        if spec is None:
            continue
        for issue in validate_submission(spec, form.answers, overrides=form.overrides, today=today):
            if issue.severity == "error":
                issues.append(issue.model_copy(update={"path": f"forms[{i}].{issue.path}".rstrip(".")}))
        plan["forms"].append((form, spec))
    referral_forms = [(f, s) for f, s in plan["forms"] if s.id in REFERRAL_FORMS]
    if plan["forms"] and not referral_forms:
        issues.append(error("forms", IssueCode.NO_REFERRAL_FORM, "Include the concern or referral form itself."))
    plan["level"] = _level([f.answers for f, _ in referral_forms])
    if referral_forms and plan["level"] < 2:
        issues.append(
            error("level_of_need", IssueCode.NO_REFERRAL_AT_LEVEL_1, "Level 1 needs are met by universal services.")
        )
    if any(f.answers.get("referral_decision") == "advice_only" for f, _ in referral_forms):
        issues.append(
            error("referral_decision", IssueCode.DECIDED_NOT_TO_REFER, "A form here records a decision not to refer.")
        )
    first = referral_forms[0][0].answers if referral_forms else {}
    try:
        plan["consent"] = consent_from_answers(first)
    except ValidationError:
        issues.append(error("consent", IssueCode.CONSENT_MISSING, "Record whether the family was told and consented."))
    try:
        plan["basis"] = lawful_basis_from_answers(first)
    except ValidationError:
        issues.append(error("lawful_basis", IssueCode.LAWFUL_BASIS_MISSING, "Record the lawful basis for sharing."))
    chosen = plan.get("consent")
    if plan["level"] in (2, 3) and chosen is not None and chosen.consent != "given":
        issues.append(
            error(
                "consent",
                IssueCode.CONSENT_REQUIRED_FOR_EARLY_HELP,
                "An early-help referral needs the family's consent.",
            )
        )
    plan["authority"] = local_authority or _routed(case, first, table)
    if plan["authority"] is None:
        issues.append(
            error(
                "local_authority",
                IssueCode.CHOOSE_LOCAL_AUTHORITY,
                "Choose the local authority: the postcode does not decide it.",
            )
        )
    return issues, plan


def _level(answers: Sequence[Mapping[str, Any]]) -> int:
    """The referral's level of need: the highest the referral forms give (0 when none does)."""
    levels = [int(lv) for a in answers if isinstance(lv := a.get("level_of_need"), str) and lv.isdigit()]
    return max(levels, default=0)


def _routed(
    case: Mapping[str, object], answers: Mapping[str, Any], table: RoutingTable | None
) -> LocalAuthority | None:
    postcode = case.get("postcode")
    children = answers.get("children")
    if postcode is None and isinstance(children, list) and children and isinstance(children[0], Mapping):
        postcode = children[0].get("postcode")
    routing = route(postcode, table)
    return routing.authority


def referral_issues(
    *,
    case: Mapping[str, object],
    forms: Sequence[SubmittedForm | Mapping[str, Any]],
    local_authority: LocalAuthority | None = None,
    table: RoutingTable | None = None,
    today: dt.date | None = None,
) -> list[ValidationIssue]:
    """Every reason these inputs do not (yet) make a referral; empty when ``build_referral`` will succeed."""
    issues, _ = _plan(
        case=case,
        forms=forms,
        local_authority=local_authority,
        table=table,
        today=today or england_today(),
    )
    return issues


def build_referral(
    *,
    case_id: str,
    case: Mapping[str, object],
    forms: Sequence[SubmittedForm | Mapping[str, Any]],
    created_by: str,
    created_at: dt.datetime,
    local_authority: LocalAuthority | None = None,
    table: RoutingTable | None = None,
) -> Referral:
    """Assemble a referral. Consent and lawful basis are what the referral form recorded; the local authority is
    the caller's choice, else the one the case's postcode routes to. Raises ReferralError (with ``issues``) if
    anything is missing or wrong."""
    today = created_at.date()
    issues, plan = _plan(
        case=case,
        forms=forms,
        local_authority=local_authority,
        table=table,
        today=today,
    )
    if issues:
        raise ReferralError(issues)
    authority = AuthorityRef.model_validate(plan["authority"].model_dump(include={"code", "key", "name"}))
    stamp = created_at.isoformat()
    summary = _summary(case, plan, authority, created_by, stamp, today)
    document: dict[str, Any] = {
        "schema": DOCUMENT_SCHEMA,
        "case_id": case_id,
        "child": {k: v for k, v in case.items() if k in _CHILD_FIELDS},
        "local_authority": authority.model_dump(mode="json"),
        "level_of_need": plan["level"],
        "consent": plan["consent"].model_dump(mode="json"),
        "lawful_basis": plan["basis"].model_dump(mode="json"),
        "forms": [
            {
                "record_id": f.record_id,
                "form_id": f.form_id,
                "form_version": f.form_version,
                "spec_hash": f.spec_hash,
                "title": s.title,
                "answers": f.answers,
                "overrides": f.overrides,
            }
            for f, s in plan["forms"]
        ],
        "summary": summary,
        "created_by": created_by,
        "created_at": stamp,
    }
    return Referral(
        case_id=case_id,
        form_record_ids=tuple(f.record_id for f, _ in plan["forms"]),
        local_authority=authority,
        level_of_need=plan["level"],
        consent=plan["consent"],
        lawful_basis=plan["basis"],
        summary=summary,
        document=document,
        content_hash=content_hash(document),
        created_by=created_by,
        created_at=stamp,
    )


_CHILD_FIELDS: Final = frozenset(
    {"child_name", "aliases", "date_of_birth", "dob_estimated", "unborn_expected_date", "nhs_number",
     "nhs_number_not_known", "gender", "address", "postcode", "gp_practice_ods", "school", "ethnicity", "language",
     "interpreter_needed", "disability_sen"}
)  # fmt: skip


def _child_line(case: Mapping[str, object], today: dt.date) -> str:
    parts = [str(case.get("child_name") or "Name not given")]
    born = parse_date(case.get("date_of_birth"))
    if born is not None:
        years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        age = f"{years} years" if years >= 2 else f"{(today - born).days // 30} months"
        parts.append(f"born {born.day} {born:%B %Y} ({age}{', estimated' if case.get('dob_estimated') else ''})")
    elif parse_date(case.get("unborn_expected_date")) is not None:
        parts.append(f"unborn, due {case.get('unborn_expected_date')}")
    nhs = case.get("nhs_number")
    parts.append(f"NHS number {format_nhs_number(nhs)}" if isinstance(nhs, str) else "NHS number not known")
    postcode = normalise_postcode(case.get("postcode"))
    if postcode:
        parts.append(postcode)
    return "Child: " + ", ".join(parts) + "."


def _summary(
    case: Mapping[str, object],
    plan: Mapping[str, Any],
    authority: AuthorityRef,
    created_by: str,
    stamp: str,
    today: dt.date,
) -> str:
    consent: Consent = plan["consent"]
    basis: LawfulBasis = plan["basis"]
    level: int = plan["level"]
    lines = [
        f"Referral to {authority.name}: level {level} ({LEVEL_WORDS[level]}).",
        _child_line(case, today),
    ]
    lines.extend(consent_lines(consent, basis))
    for form, spec in plan["forms"]:
        lines.append(f"From the {spec.title.lower()}:")
        lines.extend(f"  {line}" for line in summary_lines(spec, form.answers, today))
    when = parse_datetime(stamp)
    lines.append(f"Built by {created_by} at {when:%H:%M on %d %B %Y}." if when else f"Built by {created_by}.")
    return "\n".join(lines)


def referral_record_issues(fields: Mapping[str, object]) -> list[ValidationIssue]:
    """The hub's check of a referral record: the model, the hash, what the forms inside it answered, and the
    early-help consent rule."""
    try:
        referral = Referral.model_validate(fields)
    except ValidationError as exc:
        return [
            model_issue(".".join(str(p) for p in e["loc"]), e["type"], str(e["msg"]))
            for e in exc.errors(include_url=False)
        ]
    issues = _as_answered(referral)
    if not issues and referral.level_of_need in (2, 3) and referral.consent.consent != "given":
        issues.append(
            error("consent", IssueCode.CONSENT_REQUIRED_FOR_EARLY_HELP, "An early-help referral needs consent.")
        )
    return issues


def _as_answered(referral: Referral) -> list[ValidationIssue]:
    """The recorded consent, lawful basis, level of need and summary lines are those the document's forms give."""
    forms = referral.document.get("forms")
    answers = [
        f["answers"]
        for f in (forms if isinstance(forms, list) else [])
        if isinstance(f, dict) and f.get("form_id") in REFERRAL_FORMS and isinstance(f.get("answers"), dict)
    ]
    if not answers:
        return [error("document.forms", IssueCode.NO_REFERRAL_FORM, "The referral holds no concern or referral form.")]
    first: Mapping[str, Any] = answers[0]  # type: ignore[assignment]
    try:
        consent, basis = consent_from_answers(first), lawful_basis_from_answers(first)
    except ValidationError:
        return [
            error("document.forms", IssueCode.CONSENT_MISSING, "The form does not record consent and a lawful basis.")
        ]
    issues = []
    if consent != referral.consent:
        issues.append(
            error("consent", IssueCode.CONSENT_NOT_AS_ANSWERED, "The consent differs from the form's answers.")
        )
    if basis != referral.lawful_basis:
        issues.append(
            error(
                "lawful_basis",
                IssueCode.LAWFUL_BASIS_NOT_AS_ANSWERED,
                "The lawful basis differs from the form's answers.",
            )
        )
    if _level(answers) != referral.level_of_need:  # type: ignore[arg-type]
        issues.append(
            error("level_of_need", IssueCode.LEVEL_NOT_AS_ANSWERED, "The level of need differs from the forms.")
        )
    lines = referral.summary.splitlines()
    if not set(consent_lines(consent, basis)) <= set(lines):
        issues.append(
            error("summary", IssueCode.SUMMARY_NOT_AS_ANSWERED, "The summary misstates consent or lawful basis.")
        )
    return issues
