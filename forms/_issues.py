"""ValidationIssue: what every check in this package returns instead of raising; IssueCode: the codes it uses."""

from __future__ import annotations

from enum import StrEnum, unique
from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning"]


@unique
class IssueCode(StrEnum):
    """Every issue code this package raises itself, in one place. A StrEnum, so each is also its plain string: the
    wire, the app and the tests see the same text as before. Two kinds of code come from elsewhere and are not here:
    a spec's own constraint and rule codes (data, in specs/*.json), and pydantic's error types for a record that does
    not fit its model (``string_type``, ``missing``...)."""

    # Any answer or record.
    WRONG_TYPE = "wrong_type"
    TOO_DEEP = "too_deep"
    UNKNOWN_FIELD = "unknown_field"
    # The form's structure (forms/_engine.py).
    REQUIRED = "required"
    HIDDEN_ANSWER = "hidden_answer"
    CALCULATED_MISMATCH = "calculated_mismatch"
    TOO_FEW = "too_few"
    TOO_MANY = "too_many"
    # One answer, by its field kind (forms/_checkers.py).
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    BAD_FORMAT = "bad_format"
    OUT_OF_RANGE = "out_of_range"
    BAD_DATE = "bad_date"
    BAD_DATETIME = "bad_datetime"
    UNKNOWN_OPTION = "unknown_option"
    INVALID_NHS_NUMBER = "invalid_nhs_number"
    INVALID_POSTCODE = "invalid_postcode"
    INVALID_ODS_CODE = "invalid_ods_code"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    BAD_REFERENCE = "bad_reference"
    BAD_ATTACHMENT = "bad_attachment"
    BAD_SIGNATURE = "bad_signature"
    NOT_ANSWERABLE = "not_answerable"
    # A body map answer and its marks.
    BAD_POSITION = "bad_position"
    NO_MARKS = "no_marks"
    TOO_MANY_MARKS = "too_many_marks"
    BAD_FIGURE = "bad_figure"
    BAD_VIEW = "bad_view"
    NO_POINT = "no_point"
    NO_REGION = "no_region"
    UNKNOWN_REGION = "unknown_region"
    OUTSIDE_FIGURE = "outside_figure"
    REGION_MISMATCH = "region_mismatch"
    BAD_SIZE = "bad_size"
    BAD_SHAPE = "bad_shape"
    # Records (forms/_records.py).
    UNKNOWN_RECORD_TYPE = "unknown_record_type"
    APPEND_ONLY = "append_only"
    UNKNOWN_FORM = "unknown_form"
    WRONG_RECORD_TYPE = "wrong_record_type"
    SPEC_MISMATCH = "spec_mismatch"
    # Referrals (forms/_referral.py).
    NO_FORMS = "no_forms"
    BAD_FORM_RECORD = "bad_form_record"
    NO_REFERRAL_FORM = "no_referral_form"
    NO_REFERRAL_AT_LEVEL_1 = "no_referral_at_level_1"
    DECIDED_NOT_TO_REFER = "decided_not_to_refer"
    CONSENT_MISSING = "consent_missing"
    LAWFUL_BASIS_MISSING = "lawful_basis_missing"
    CONSENT_REQUIRED_FOR_EARLY_HELP = "consent_required_for_early_help"
    CHOOSE_LOCAL_AUTHORITY = "choose_local_authority"
    CONSENT_NOT_AS_ANSWERED = "consent_not_as_answered"
    LAWFUL_BASIS_NOT_AS_ANSWERED = "lawful_basis_not_as_answered"
    LEVEL_NOT_AS_ANSWERED = "level_not_as_answered"
    SUMMARY_NOT_AS_ANSWERED = "summary_not_as_answered"
    # The written follow-up to a phone call to the MASH (forms/_follow_up.py).
    MASH_FOLLOW_UP_LATE = "mash_follow_up_late"
    # A response's copy of its request (forms/_echo.py).
    NOT_AS_REQUESTED = "not_as_requested"


class ValidationIssue(BaseModel):
    """One problem with an answer or a record.

    ``path`` names the answer (``"children[0].nhs_number"``; ``""`` for the whole form), ``code`` is stable (tests and
    the app match on it): an ``IssueCode``, a spec's own constraint or rule code, or pydantic's error type for a
    record. ``message`` is plain English for the user. Errors block submission; warnings do not, but a *soft* warning
    must be overridden with a reason (see ``validate(..., overrides=)``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    code: str
    message: str
    severity: Severity = "error"


def error(path: str, code: IssueCode, message: str) -> ValidationIssue:
    return ValidationIssue(path=path, code=code, message=message, severity="error")


def warning(path: str, code: IssueCode, message: str) -> ValidationIssue:
    return ValidationIssue(path=path, code=code, message=message, severity="warning")


def model_issue(path: str, error_type: str, message: str) -> ValidationIssue:
    """A record that does not fit its pydantic model: pydantic's error type is the code, except that a key the model
    does not know is ``unknown_field``, as everywhere else."""
    code = IssueCode.UNKNOWN_FIELD if error_type == "extra_forbidden" else error_type
    return ValidationIssue(path=path, code=code, message=message, severity="error")
