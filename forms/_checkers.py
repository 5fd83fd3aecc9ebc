"""The checkers of the field kinds: how a raw answer is checked and turned into the value logic works with.

A checker takes the field and the raw JSON answer (never None: unanswered is handled before) and returns
``(value, problem)``: the normalised value (a date for a date, digits for an NHS number...) and None, or None and a
``(code, message)`` pair. Checkers never raise. Which kind uses which checker is the table in forms/_kinds.py.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, TypeAdapter, ValidationError

from forms import _body_regions as body
from forms import _identifiers as ids
from forms._dates import missing_part
from forms._issues import IssueCode
from forms._messages import not_real_message
from forms._values import (
    MARK_SHAPES,
    MARK_SIZE_MAX_CM,
    MARKS_MAX,
    AttachmentRef,
    BodyMap,
    BodyMapPosition,
    BodyMark,
    Signature,
)

if TYPE_CHECKING:  # the spec's models import the kinds table, which imports these: annotations only
    from forms._spec import FormField

Problem = tuple[IssueCode, str]
Checked = tuple[Any, Problem | None]
Checker = Callable[["FormField", object], Checked]

SHORT_TEXT_MAX: Final = 500
LONG_TEXT_MAX: Final = 50_000
_REF: Final = re.compile(r"([a-z][a-z0-9_]{0,62})\[([0-9]{1,4})\]")
_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

_BODY: Final = TypeAdapter(BodyMapPosition)
_ATTACHMENT: Final = TypeAdapter(AttachmentRef)
_SIGNATURE: Final = TypeAdapter(Signature)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def parse_date(raw: object) -> dt.date | None:
    if not isinstance(raw, str) or len(raw) != 10:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def parse_datetime(raw: object) -> dt.datetime | None:
    """An ISO 8601 date-time; one without an offset is taken as UTC so that comparisons never mix the two."""
    if not isinstance(raw, str) or not 16 <= len(raw) <= 40 or "T" not in raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@lru_cache(maxsize=512)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _text(default_max: int) -> Checker:
    def check(f: FormField, raw: object) -> Checked:
        if not isinstance(raw, str):
            return None, (IssueCode.WRONG_TYPE, "Enter text.")
        text = raw.strip()
        limit = f.max_length or default_max
        if len(text) > limit:
            return None, (IssueCode.TOO_LONG, f"Keep this to {limit:,} characters or fewer.")
        if f.min_length is not None and len(text) < f.min_length:
            return None, (IssueCode.TOO_SHORT, f"Enter at least {f.min_length} characters.")
        if f.pattern is not None and not _pattern(f.pattern).fullmatch(text):
            return None, (IssueCode.BAD_FORMAT, f.pattern_message or "This is not in the expected format.")
        return (text or None), None

    return check


def _bounded(f: FormField, value: float) -> Problem | None:
    if f.min is not None and value < f.min:
        return IssueCode.OUT_OF_RANGE, f"Enter {_num(f.min)} or more."
    if f.max is not None and value > f.max:
        return IssueCode.OUT_OF_RANGE, f"Enter {_num(f.max)} or less."
    return None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _integer(f: FormField, raw: object) -> Checked:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool) or abs(raw) > 10**15:
        return None, (IssueCode.WRONG_TYPE, "Enter a whole number.")
    problem = _bounded(f, raw)
    return (None, problem) if problem else (raw, None)


def _decimal(f: FormField, raw: object) -> Checked:
    if not isinstance(raw, int | float) or isinstance(raw, bool) or not math.isfinite(raw) or abs(raw) > 1e15:
        return None, (IssueCode.WRONG_TYPE, "Enter a number.")
    problem = _bounded(f, raw)
    return (None, problem) if problem else (raw, None)


def _unwrap_estimated(f: FormField, raw: object) -> tuple[object, bool]:
    if f.allow_estimated and isinstance(raw, Mapping) and set(raw) <= {"value", "estimated"} and "value" in raw:
        return raw["value"], raw.get("estimated") is True
    return raw, False


def _date(f: FormField, raw: object) -> Checked:
    inner, _ = _unwrap_estimated(f, raw)
    value = parse_date(inner)
    return (value, None) if value else (None, (IssueCode.BAD_DATE, not_real_message(f, missing_part(inner))))


def _datetime(f: FormField, raw: object) -> Checked:
    inner, _ = _unwrap_estimated(f, raw)
    value = parse_datetime(inner)
    return (value, None) if value else (None, (IssueCode.BAD_DATETIME, not_real_message(f)))


def _yes_no(f: FormField, raw: object) -> Checked:
    return (raw, None) if isinstance(raw, bool) else (None, (IssueCode.WRONG_TYPE, "Choose yes or no."))


def _single(f: FormField, raw: object) -> Checked:
    if isinstance(raw, str) and any(o.code == raw for o in f.options):
        return raw, None
    return None, (IssueCode.UNKNOWN_OPTION, "Choose one of the options given.")


def _multi(f: FormField, raw: object) -> Checked:
    if not isinstance(raw, list | tuple) or len(raw) > len(f.options):
        return None, (IssueCode.WRONG_TYPE, "Choose from the options given.")
    codes = {o.code for o in f.options}
    if not all(isinstance(c, str) and c in codes for c in raw) or len(set(raw)) != len(raw):
        return None, (IssueCode.UNKNOWN_OPTION, "Choose only from the options given, each once.")
    return tuple(raw), None


def _identifier(normalise: Callable[[object], str | None], code: IssueCode, message: str) -> Checker:
    def check(f: FormField, raw: object) -> Checked:
        value = normalise(raw)
        return (value, None) if value else (None, (code, message))

    return check


def _person_ref(f: FormField, raw: object) -> Checked:
    if isinstance(raw, str) and (_UUID.fullmatch(raw) or ((m := _REF.fullmatch(raw)) and m.group(1) in f.sources)):
        return raw, None
    return None, (IssueCode.BAD_REFERENCE, "Choose a person from the list.")


def _model(adapter: TypeAdapter[Any], code: IssueCode) -> Checker:
    def check(f: FormField, raw: object) -> Checked:
        try:
            return adapter.validate_python(raw), None
        except ValidationError as exc:
            return None, (code, _first_error(exc))

    return check


def _signature(f: FormField, raw: object) -> Checked:
    value, problem = _model(_SIGNATURE, IssueCode.BAD_SIGNATURE)(f, raw)
    if problem is None and parse_datetime(value.signed_at) is None:
        return None, (IssueCode.BAD_SIGNATURE, "signed_at: not a date and time")
    return value, problem


def _body_map(f: FormField, raw: object) -> Checked:
    if isinstance(raw, Mapping) and "marks" in raw:
        return _body_marks(raw)
    value, problem = _model(_BODY, IssueCode.BAD_POSITION)(f, raw)
    if problem is None and value.region is None and (value.x is None or value.y is None):
        return None, (IssueCode.BAD_POSITION, "Mark the place on the body map or choose a body region.")
    return value, problem


_MARK_KEYS: Final = frozenset(BodyMark.model_fields)


def _body_marks(raw: Mapping[str, object]) -> Checked:
    """The marks, each checked in plain words: the first problem names its mark ("Mark 2: ...")."""
    marks = raw.get("marks")
    if set(raw) != {"marks"} or not isinstance(marks, list | tuple):
        return None, (IssueCode.BAD_POSITION, "Mark the place on the body map.")
    if not marks:
        return None, (IssueCode.NO_MARKS, "Mark at least one place on the body map.")
    if len(marks) > MARKS_MAX:
        return None, (
            IssueCode.TOO_MANY_MARKS,
            f"Keep to {MARKS_MAX} marks for one injury: add another injury instead.",
        )
    checked = []
    for n, mark in enumerate(marks, start=1):
        value, problem = _body_mark(mark)
        if problem is not None:
            return None, (problem[0], f"Mark {n}: {problem[1]}")
        checked.append(value)
    return BodyMap(marks=tuple(checked)), None


def _number(raw: object) -> float | None:
    ok = isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw)
    return float(raw) if ok else None  # type: ignore[arg-type]


def _body_mark(raw: object) -> Checked:
    if not isinstance(raw, Mapping) or not set(raw) <= _MARK_KEYS:
        return None, (IssueCode.BAD_POSITION, "this is not a mark on the body map.")
    figure, view = raw.get("figure"), raw.get("view")
    if figure not in body.FIGURES:
        return None, (IssueCode.BAD_FIGURE, "choose the baby or the child figure.")
    if view not in body.VIEWS:
        return None, (IssueCode.BAD_VIEW, "choose the front or the back of the figure.")
    x, y = _number(raw.get("x")), _number(raw.get("y"))
    if x is None or y is None:
        return None, (IssueCode.NO_POINT, "mark the place on the figure, or choose a body part and a position in it.")
    code = raw.get("region")
    if code is None or code == "":
        return None, (IssueCode.NO_REGION, "name the body part the mark is on.")
    if not isinstance(code, str) or body.region(str(figure), str(view), code) is None:
        return None, (IssueCode.UNKNOWN_REGION, "choose a body part from the list.")
    landed = body.region_at(str(figure), str(view), x, y) if 0 <= x <= 1 and 0 <= y <= 1 else None
    if landed is None:
        return None, (IssueCode.OUTSIDE_FIGURE, "the mark is outside the figure: put it on the body.")
    if landed.code != code:
        named = body.region_label(str(figure), str(view), code)
        return None, (IssueCode.REGION_MISMATCH, f"the mark is on the {landed.label.lower()}, not the {named.lower()}.")
    size = raw.get("size_cm")
    if size is not None and ((s := _number(size)) is None or not 0 < s <= MARK_SIZE_MAX_CM):
        return None, (IssueCode.BAD_SIZE, f"enter the size in cm, more than 0 and up to {MARK_SIZE_MAX_CM}.")
    shape = raw.get("shape")
    if shape is not None and shape not in MARK_SHAPES:
        return None, (IssueCode.BAD_SHAPE, "choose a shape from the list.")
    try:
        return BodyMark.model_validate(
            {**raw, "x": x, "y": y, **({"size_cm": float(size)} if size is not None else {})}
        ), None
    except ValidationError as exc:  # not expected after the checks above; kept so that nothing raises
        return None, (IssueCode.BAD_POSITION, _first_error(exc))


def _display(f: FormField, raw: object) -> Checked:
    return None, (IssueCode.NOT_ANSWERABLE, "This is text to read, not a question.")


# One checker per field kind, named as the kind (the table in forms/_kinds.py says which kind uses which).
short_text: Final[Checker] = _text(SHORT_TEXT_MAX)
long_text: Final[Checker] = _text(LONG_TEXT_MAX)
integer: Final[Checker] = _integer
decimal: Final[Checker] = _decimal
date: Final[Checker] = _date
datetime: Final[Checker] = _datetime
yes_no: Final[Checker] = _yes_no
single_choice: Final[Checker] = _single
multi_choice: Final[Checker] = _multi
nhs_number: Final[Checker] = _identifier(
    ids.normalise_nhs_number, IssueCode.INVALID_NHS_NUMBER, "This is not a valid NHS number: check the 10 digits."
)
postcode: Final[Checker] = _identifier(
    ids.normalise_postcode, IssueCode.INVALID_POSTCODE, "Enter a real UK postcode, like TQ1 2AB."
)
ods_code: Final[Checker] = _identifier(
    ids.normalise_ods_code,
    IssueCode.INVALID_ODS_CODE,
    "Enter the practice code: one letter and five digits, like A81001.",
)
phone: Final[Checker] = _identifier(
    ids.normalise_phone, IssueCode.INVALID_PHONE, "Enter a UK phone number, like 01392 123456."
)
email: Final[Checker] = _identifier(
    ids.normalise_email, IssueCode.INVALID_EMAIL, "Enter an email address, like name@nhs.net."
)
person_ref: Final[Checker] = _person_ref
body_map: Final[Checker] = _body_map
attachment: Final[Checker] = _model(_ATTACHMENT, IssueCode.BAD_ATTACHMENT)
signature: Final[Checker] = _signature
display: Final[Checker] = _display


def to_json(value: Any, raw: object) -> Any:
    """The JSON form of a checked value, for clean answers (identifiers normalised, estimated dates kept as given)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dt.date | dt.datetime):
        return raw  # already the ISO string (or the {"value", "estimated"} object) the user gave
    if isinstance(value, tuple):
        return list(value)
    return value
