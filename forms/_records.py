"""The bodies of sync records (the ``fields`` of a Mutation) and ``validate_record``, which the hub runs on every push.

Each record type has a pydantic model: extra fields refused, strings bounded, identifiers checked and required in
their normalised form (the device normalises; the hub refuses anything else). Submitted forms and GP responses are
also run through the full form validation of the spec they name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import cache
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from forms import _identifiers as ids
from forms._checkers import parse_date, parse_datetime
from forms._dates import Problem, birth_date_problem, expected_date_problem
from forms._engine import england_today, validate_submission
from forms._errors import UnknownForm
from forms._issues import IssueCode, ValidationIssue, error, model_issue
from forms._registry import load_spec, spec_hash_matches

MAX_NOTE_CHARS: Final = 50_000
MAX_FORM_VERSION: Final = 10_000  # a form's versions are counted one by one: no real one comes near


def _checker(code: str, message: str, ok: Callable[[str], bool]) -> AfterValidator:
    def check(value: str) -> str:
        if not ok(value):
            raise PydanticCustomError(code, message)
        return value

    return AfterValidator(check)


def _non_blank(value: str) -> bool:
    return bool(value.strip())


Short = Annotated[str, Field(max_length=500)]
Name = Annotated[str, Field(min_length=1, max_length=200), _checker("blank", "Enter a name.", _non_blank)]
Long = Annotated[str, Field(max_length=10_000)]
IsoDate = Annotated[
    str, Field(max_length=10), _checker("bad_date", "Use an ISO date (YYYY-MM-DD).", lambda v: bool(parse_date(v)))
]


def _dated(rule: Callable[[dt.date, dt.date], Problem | None]) -> AfterValidator:
    """A date checked by one of ``forms._dates``' rules against ``today`` (the validation context's, else England's)."""

    def check(value: str, info: ValidationInfo) -> str:
        context = info.context if isinstance(info.context, Mapping) else {}
        today = context.get("today") or england_today()
        parsed = parse_date(value)
        problem = rule(parsed, today) if parsed is not None else None
        if problem is not None:
            raise PydanticCustomError(*problem)
        return value

    return AfterValidator(check)


#: A date of birth: a real date, not in the future, not before 1900 (``forms._dates``).
BirthDate = Annotated[IsoDate, _dated(birth_date_problem)]
#: The expected date of delivery of a baby not yet born: at most 44 weeks ahead.
ExpectedBirthDate = Annotated[IsoDate, _dated(expected_date_problem)]
IsoDateTime = Annotated[
    str,
    Field(max_length=40),
    _checker("bad_datetime", "Use an ISO date and time.", lambda v: parse_datetime(v) is not None),
]
NhsNumber = Annotated[
    str,
    _checker("invalid_nhs_number", "Not a valid NHS number as 10 digits.", lambda v: ids.normalise_nhs_number(v) == v),
]
Postcode = Annotated[
    str,
    _checker(
        "invalid_postcode", "Not a normalised UK postcode (like TQ1 2AB).", lambda v: ids.normalise_postcode(v) == v
    ),
]
OdsCode = Annotated[
    str,
    _checker("invalid_ods_code", "Not a GP practice ODS code (like A81001).", lambda v: ids.normalise_ods_code(v) == v),
]
#: A health visiting or school nursing team's organisation code: 3 to 6 capital letters and digits (an ODS code).
TeamCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{3,6}$")]
RecordId = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Role = Literal["parent", "partner", "carer", "sibling", "alleged_perpetrator", "professional", "other"]
RiskFactor = Literal["domestic_abuse", "mental_health", "substance_misuse", "learning_disability"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CaseFields(_Record):
    """A child and their household details (mutable, merged field by field)."""

    child_name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=20)
    date_of_birth: BirthDate | None = None
    dob_estimated: bool = False
    unborn_expected_date: ExpectedBirthDate | None = None
    nhs_number: NhsNumber | None = None
    nhs_number_not_known: bool = False
    gender: Short | None = None
    address: Short | None = None
    postcode: Postcode | None = None
    gp_practice_ods: OdsCode | None = None
    school: Short | None = None
    ethnicity: Short | None = None
    language: Short | None = None
    interpreter_needed: bool = False
    disability_sen: Long | None = None
    key_worker: Short | None = None
    created_by: Short | None = None

    @model_validator(mode="after")
    def _nhs_or_not_known(self) -> CaseFields:
        if self.nhs_number is None and not self.nhs_number_not_known:
            raise PydanticCustomError("nhs_number_or_not_known", "Give the NHS number or record that it is not known.")
        return self


class PersonFields(_Record):
    """An adult or professional linked to a case (mutable)."""

    name: Name
    relationship: Short | None = None
    date_of_birth: BirthDate | None = None
    address: Short | None = None
    postcode: Postcode | None = None
    parental_responsibility: bool | None = None
    role: Role | None = None
    risk_factors: list[RiskFactor] = Field(default_factory=list, max_length=4)
    agency: Short | None = None
    contact: Short | None = None


class NoteFields(_Record):
    """A case note or an addendum correcting one (append-only)."""

    text: Annotated[
        str, Field(min_length=1, max_length=MAX_NOTE_CHARS), _checker("blank", "A note needs some text.", _non_blank)
    ]
    written_at: IsoDateTime | None = None  # the device clock: for display only, never for ordering
    author: Short | None = None
    addendum_to: RecordId | None = None
    visit: Short | None = None


class FormFields(_Record):
    """A submitted form (append-only); ``overrides`` are the reasons given for going on past soft warnings."""

    form_id: Annotated[str, Field(max_length=64)]
    form_version: Annotated[int, Field(ge=1, le=MAX_FORM_VERSION)]
    spec_hash: Sha256
    answers: dict[str, JsonValue]
    submitted_at: IsoDateTime
    overrides: dict[Annotated[str, Field(max_length=300)], Annotated[str, Field(min_length=1, max_length=2000)]] = (
        Field(default_factory=dict)
    )


class ResponseFields(FormFields):
    """An answer to an information request: a GP's gp_response or a team's team_response, pointing at the request
    (the hub checks the form fits the request's recipient)."""

    request_id: RecordId
    form_id: Literal["gp_response", "team_response"]


class RequestChild(_Record):
    name: Name
    date_of_birth: BirthDate | None = None
    nhs_number: NhsNumber | None = None


class RequestAdult(_Record):
    name: Name
    date_of_birth: BirthDate | None = None
    relationship: Short | None = None


#: The teams a request can go to besides a GP practice, and the role of their members.
TEAM_KINDS: Final = {"health_visiting": "health_visitor", "school_nursing": "school_nurse"}


class RequestTeam(_Record):
    """A health visiting or school nursing team, by its organisation code."""

    kind: Literal["health_visiting", "school_nursing"]
    code: TeamCode


class InfoRequestFields(_Record):
    """A hub's request to a GP practice or to a health visiting or school nursing team: exactly one of
    ``practice_ods`` and ``team`` (made by hub staff; devices only read it)."""

    reference: Annotated[str, Field(min_length=1, max_length=100)]
    rag: Literal["red", "amber", "green"]
    deadline: IsoDateTime
    practice_ods: OdsCode | None = None
    team: RequestTeam | None = None
    child: RequestChild
    adults: list[RequestAdult] = Field(default_factory=list, max_length=20)
    questions: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(min_length=1, max_length=30)
    requested_by: Short
    # When the MASH chased the answer (the hub adds one each time; the addressee's devices pull the new version).
    chased_at: list[IsoDateTime] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _one_recipient(self) -> InfoRequestFields:
        if (self.practice_ods is None) == (self.team is None):
            raise PydanticCustomError("one_recipient", "A request goes to a GP practice or to a team: name one.")
        return self


#: The deadline a request's RAG rating implies (domain.md: typically red 4 h, amber 24 h, green 72 h).
RAG_HOURS: Final = {"red": 4, "amber": 24, "green": 72}


def _issues(exc: ValidationError, base: str = "") -> list[ValidationIssue]:
    out = []
    for err in exc.errors(include_url=False):
        path = ".".join([base, *(str(p) for p in err["loc"])] if base else [str(p) for p in err["loc"]])
        out.append(model_issue(path, err["type"], str(err["msg"])))
    return out


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotated: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(annotated, config=ConfigDict(strict=True))


def _partial(
    model: type[BaseModel], fields: Mapping[str, object], context: Mapping[str, object], base: str = ""
) -> list[ValidationIssue]:
    """Check only the given fields of a mutable record (an update carries the changed fields only)."""
    out: list[ValidationIssue] = []
    for name, value in fields.items():
        path = f"{base}.{name}" if base else str(name)
        if name not in model.model_fields:
            out.append(error(path[:100], IssueCode.UNKNOWN_FIELD, "This record has no such field."))
            continue
        try:
            _field_adapter(model, name).validate_python(value, context=context)
        except ValidationError as exc:
            out.extend(_issues(exc, base=path))
    return out


def _form(
    fields: Mapping[str, object], model: type[FormFields], kind: str, today: dt.date | None
) -> list[ValidationIssue]:
    try:
        record = model.model_validate(fields)
    except ValidationError as exc:
        return _issues(exc)
    try:
        spec = load_spec(record.form_id, record.form_version)
    except UnknownForm:
        return [error("form_id", IssueCode.UNKNOWN_FORM, f"No form {record.form_id!r} version {record.form_version}.")]
    if spec.record_type != kind and not (kind == "form" and spec.record_type == "note"):
        return [
            error("form_id", IssueCode.WRONG_RECORD_TYPE, f"{spec.id} is submitted as a {spec.record_type} record.")
        ]
    if not spec_hash_matches(spec, record.spec_hash):
        return [
            error("spec_hash", IssueCode.SPEC_MISMATCH, "The form was filled in against a different copy of this form.")
        ]
    # The hub's own date, never the device clock (which may be a year off). Ages only grow and "not in the future"
    # only loosens with time, so a form valid on the day it was written offline is not refused for arriving late.
    issues = validate_submission(spec, record.answers, overrides=record.overrides, today=today)
    return [i.model_copy(update={"path": f"answers.{i.path}".rstrip(".")}) for i in issues]


def _validate_referral(fields: Mapping[str, object], context: Mapping[str, object]) -> list[ValidationIssue]:
    from forms._referral import referral_record_issues  # the referral builder imports records: import late

    issues = referral_record_issues(fields)
    if issues:
        return issues
    # The document's child is a copy of the case's fields: the same rules (dates that cannot be true) hold there.
    document = fields.get("document")
    child = document.get("child") if isinstance(document, Mapping) else None
    return _partial(CaseFields, child, context, base="document.child") if isinstance(child, Mapping) else []


_MODELS: Final[dict[str, type[_Record]]] = {
    "case": CaseFields,
    "person": PersonFields,
    "note": NoteFields,
    "info_request": InfoRequestFields,
}
RECORD_TYPES: Final = ("case", "person", "note", "form", "referral", "info_request", "response")
MUTABLE: Final = frozenset({"case", "person"})


def validate_record(
    record_type: str, fields: Mapping[str, object], *, partial: bool = False, today: dt.date | None = None
) -> list[ValidationIssue]:
    """Check a record's fields as the hub receives them; never raises. Any issue of severity "error" means reject.

    ``partial=True`` is for an update of a mutable record (case, person): only the fields given are checked, and
    rules across fields (NHS number or "not known") are left to the check of the merged record. ``today`` (default:
    today in England, by the hub's clock) anchors age rules and date checks in submitted forms.
    """
    try:
        return _validate_record(record_type, fields, partial=partial, today=today)
    except RecursionError:
        return [error("", IssueCode.TOO_DEEP, "The record is nested too deeply to read.")]


def _validate_record(
    record_type: str, fields: Mapping[str, object], *, partial: bool, today: dt.date | None
) -> list[ValidationIssue]:
    if not isinstance(fields, Mapping):
        return [error("", IssueCode.WRONG_TYPE, "A record's fields are a JSON object.")]
    if record_type not in RECORD_TYPES:
        return [error("", IssueCode.UNKNOWN_RECORD_TYPE, f"No record type {str(record_type)[:50]!r}.")]
    if partial and record_type not in MUTABLE:
        return [error("", IssueCode.APPEND_ONLY, f"A {record_type} record is never changed: write an addendum.")]
    if record_type == "form":
        return _form(fields, FormFields, "form", today)
    if record_type == "response":
        return _form(fields, ResponseFields, "response", today)
    context = {"today": today or england_today()}
    if record_type == "referral":
        return _validate_referral(fields, context)
    model = _MODELS[record_type]
    if partial:
        return _partial(model, fields, context)
    try:
        model.model_validate(fields, context=context)
    except ValidationError as exc:
        return _issues(exc)
    return []


def deadline_for(rag: str, sent_at: dt.datetime) -> dt.datetime:
    """The answer-by time a RAG rating gives a request sent at ``sent_at``."""
    return sent_at + dt.timedelta(hours=RAG_HOURS[rag])
