"""Messages that name what is wrong (the NHS service manual's error messages), for every form, from the spec.

A required question left blank says what to do about it: "Enter the child's date of birth", "Select the kind of
contact", never "Answer this question." for every field. In order of preference:

1. the field's own ``required_message`` (a sentence the spec's author wrote);
2. the verb for the field's input family and its ``error_name`` ("the child's date of birth");
3. the verb and a name made from the label: first letter lower-cased (unless the label starts with an abbreviation,
   "NHS number"), a closing explanation in brackets left out, "the" in front unless the label starts with a word
   that does not take one ("your", "who", ...). A label that is a question ("Was the child seen?") is quoted
   whole: "Select yes or no: Was the child seen?".

Also "Not known": a question with ``allow_not_known`` may hold ``NOT_KNOWN`` (a JSON object no real answer looks
like), which satisfies ``required`` and reads "Not known" in summaries and on the check-your-answers page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from forms._kinds import Family
    from forms._spec import FormField

#: The answer "Not known", given explicitly (only where the field has ``allow_not_known``).
NOT_KNOWN: Final[Mapping[str, bool]] = {"not_known": True}
NOT_KNOWN_TEXT: Final = "Not known"

#: The verb of each input family's message, by the family's value (the kinds table imports the checkers, which
#: import this module: so no import of the table at the top here).
_VERBS: Final[Mapping[str, str]] = {
    "text": "Enter",
    "yes_no": "Select",
    "single_choice": "Select",
    "multi_choice": "Select",
    "person": "Select",
    "body_map": "Mark",
    "attachment": "Add",
    "signature": "Sign",
    "display": "Read",
}
_CHOICES: Final = frozenset({"single_choice", "multi_choice", "person"})
_NO_ARTICLE: Final = frozenset(
    {
        "a", "an", "the", "your", "my", "our", "their", "his", "her", "its", "this", "that", "these", "those",
        "who", "whom", "whose", "what", "which", "when", "where", "why", "how", "whether", "if", "any", "each",
        "every", "all", "some", "exactly", "about",
    }
)  # fmt: skip
#: A label that already says what to do ("Describe the injury") is the message itself.
_IMPERATIVES: Final = frozenset({"describe", "give", "record", "tell", "list", "explain", "enter", "select", "name"})
_TRAILING_BRACKETS: Final = re.compile(r"\s*\([^()]*\)\s*$")


def is_not_known(raw: object) -> bool:
    """Whether an answer is the explicit "Not known"."""
    return isinstance(raw, Mapping) and len(raw) == 1 and raw.get("not_known") is True


def error_name(field: FormField) -> str:
    """How an error message names the field: its ``error_name``, else a name made from its label."""
    if field.error_name:
        return field.error_name
    label = _TRAILING_BRACKETS.sub("", field.label).strip().rstrip(":").strip() or field.label.strip()
    first = label.partition(" ")[0]
    if not (len(first) > 1 and first[1].isupper()):  # "NHS number" keeps its capitals
        label = label[:1].lower() + label[1:]
        first = first.lower()
    if first.lower() not in _NO_ARTICLE:
        label = "the " + label
    return label


def required_message(field: FormField) -> str:
    """What a required field left blank says (see the module's docstring for the order)."""
    if field.required_message:
        return field.required_message
    family = _family(field.kind)
    if not field.error_name and field.label.rstrip().endswith("?"):
        question = field.label.strip()
        if family == "yes_no":
            return f"Select yes or no: {question}"
        if family in _CHOICES:
            return f"Select an answer: {question}"
        return f"Answer the question: {question}"
    if family == "signature":
        return "Tick the box to sign the form"
    first = field.label.split(" ", 1)[0].lower()
    if not field.error_name and first in _IMPERATIVES and " " in field.label.strip():
        return _TRAILING_BRACKETS.sub("", field.label).strip()
    return f"{_VERBS[family]} {error_name(field)}"


def _family(kind: str) -> Family:
    from forms._kinds import KINDS  # here, not at the top: see _VERBS

    return KINDS[kind].family


def not_real_message(field: FormField, missing: str | None = None) -> str:
    """A date (or date and time) that cannot be on a calendar: "Date of birth must be a real date"; with the part
    missing from the Day, Month and Year boxes: "Date of birth must include a month"."""
    name = field.error_name or _TRAILING_BRACKETS.sub("", field.label).strip().rstrip("?:").strip()
    name = name[:1].upper() + name[1:]
    if missing:
        return f"{name} must include a {missing}"
    what = "a real date and time" if field.kind == "datetime" else "a real date"
    return f"{name} must be {what}"
