"""The field kinds, as one table: each kind's checker, FHIR item type, input family and typed-text parsing.

Every other place that depends on a field's kind reads this table instead of listing the kinds again: the spec's
``FieldKind`` (so the spec format, its JSON Schema and the bundled specs accept exactly these names), the compiler
(which checker a field runs, which kinds take options), the FHIR Questionnaire (``fhir``) and the app's form renderer
(``family``: which control; ``entry``: for a typed answer, its hint, keyboard and how the typed text is read and
shown again). A new kind is one new row; ``tests/forms/test_kinds.py`` fails if a row leaves a column out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum, unique
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

from forms import _checkers as check
from forms._checkers import Checker


@unique
class Family(StrEnum):
    """How the app takes an answer of a kind: one control per family."""

    TEXT = "text"
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    PERSON = "person"
    BODY_MAP = "body_map"
    ATTACHMENT = "attachment"
    SIGNATURE = "signature"
    DISPLAY = "display"


#: The families whose fields list their options (and only those may).
CHOICE_FAMILIES: Final = frozenset({Family.SINGLE_CHOICE, Family.MULTI_CHOICE})

_DATE_TIME: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2})?)$")


def _as_typed(text: str) -> str:
    return text


def _as_integer(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text  # kept as typed: the checker explains what is wrong


def _as_decimal(text: str) -> float | str:
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text  # "nan" and "inf" are words here, not numbers


def _as_datetime(text: str) -> str:
    m = _DATE_TIME.match(text)
    return f"{m.group(1)}T{m.group(2)}" if m else text


def _shown(value: object) -> str:
    return str(value)


def _shown_datetime(value: object) -> str:
    return value.replace("T", " ")[:16] if isinstance(value, str) else str(value)


@dataclass(frozen=True, slots=True)
class Stamp:
    """A button beside a typed date or time that fills in the present one: its label and ``strftime`` format."""

    label: str
    format: str


@dataclass(frozen=True, slots=True)
class TextEntry:
    """A kind whose answer is typed: the hint under the box, the keyboard, one line or several, the "Today"/"Now"
    button, how the (stripped, non-empty) typed text becomes the answer and how an answer is shown in the box."""

    parse: Callable[[str], object] = _as_typed
    show: Callable[[object], str] = _shown
    hint: str | None = None
    numeric: bool = False
    multiline: bool = False
    stamp: Stamp | None = None
    #: Taken in three boxes, Day, Month and Year (UK order), instead of one (``date_from_parts`` makes the answer).
    day_month_year: bool = False


@dataclass(frozen=True, slots=True)
class Kind:
    """One row of the table. ``entry`` is set exactly when ``family`` is ``Family.TEXT``."""

    name: str
    check: Checker
    fhir: str
    family: Family
    entry: TextEntry | None = None

    @property
    def has_options(self) -> bool:
        return self.family in CHOICE_FAMILIES


_TYPED: Final = TextEntry()

_ROWS: Final = (
    Kind("short_text", check.short_text, "string", Family.TEXT, _TYPED),
    Kind("long_text", check.long_text, "text", Family.TEXT, TextEntry(multiline=True)),
    Kind("integer", check.integer, "integer", Family.TEXT, TextEntry(parse=_as_integer, numeric=True)),
    Kind("decimal", check.decimal, "decimal", Family.TEXT, TextEntry(parse=_as_decimal, numeric=True)),
    Kind(
        "date",
        check.date,
        "date",
        Family.TEXT,
        TextEntry(hint="YYYY-MM-DD", stamp=Stamp("Today", "%Y-%m-%d"), day_month_year=True),
    ),
    Kind(
        "datetime",
        check.datetime,
        "dateTime",
        Family.TEXT,
        TextEntry(_as_datetime, _shown_datetime, hint="YYYY-MM-DD HH:MM", stamp=Stamp("Now", "%Y-%m-%d %H:%M")),
    ),
    Kind("yes_no", check.yes_no, "boolean", Family.YES_NO),
    Kind("single_choice", check.single_choice, "choice", Family.SINGLE_CHOICE),
    Kind("multi_choice", check.multi_choice, "choice", Family.MULTI_CHOICE),
    Kind("nhs_number", check.nhs_number, "string", Family.TEXT, TextEntry(hint="10 digits, e.g. 943 476 5919")),
    Kind("postcode", check.postcode, "string", Family.TEXT, TextEntry(hint="e.g. TQ1 2AB")),
    Kind("ods_code", check.ods_code, "string", Family.TEXT, TextEntry(hint="e.g. A81001")),
    Kind("phone", check.phone, "string", Family.TEXT, _TYPED),
    Kind("email", check.email, "string", Family.TEXT, _TYPED),
    Kind("person_ref", check.person_ref, "string", Family.PERSON),
    # A body map and a signature are FHIR groups of their parts (forms/_fhir.py lists the parts).
    Kind("body_map", check.body_map, "group", Family.BODY_MAP),
    Kind("attachment", check.attachment, "attachment", Family.ATTACHMENT),
    Kind("signature", check.signature, "group", Family.SIGNATURE),
    Kind("display", check.display, "display", Family.DISPLAY),
)

#: The table, by kind name, in the order of the rows (which is also the order of the spec format's JSON Schema).
KINDS: Final[Mapping[str, Kind]] = MappingProxyType({row.name: row for row in _ROWS})
FIELD_KINDS: Final[tuple[str, ...]] = tuple(KINDS)

if TYPE_CHECKING:
    # A Literal cannot be built from data for a type checker; to mypy a kind is a string, to pydantic (below) it is
    # one of the table's names exactly.
    FieldKind = str
else:
    FieldKind = Literal[FIELD_KINDS]


def typed_answer(kind: str, text: str) -> object:
    """What a string typed into a field of ``kind`` becomes in the answers (None when blank): numbers for number
    kinds, ISO text for a date and time. Text that does not parse is kept as typed, for the checker to explain."""
    text = text.strip()
    if not text:
        return None
    entry = KINDS[kind].entry or _TYPED
    return entry.parse(text)


def typed_text(kind: str, value: object) -> str:
    """An answer of ``kind`` as the text in its box (the reverse of ``typed_answer``)."""
    if value is None:
        return ""
    entry = KINDS[kind].entry or _TYPED
    return entry.show(value)
