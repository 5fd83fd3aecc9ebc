"""The "Check your answers before sending" page as data (the NHS service manual's pattern), for every form.

One section per top-level group (fields outside any group go into a section named after the form), in the order
of the spec; one row per visible, answered question with its value in words (``say``: labels for codes, dates
written out, NHS numbers spaced; "Not known" where that was the answer). A repeat's entries are numbered
("Child 1: Child's full name"). Each row carries the answer's path, so the app's "Change" link goes back to that
very field; read-only and calculated answers are shown without one. Hidden, blank and display-only items are left
out: the page shows what will be sent.

Also the task list (``section_statuses``): each top-level group with its status in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from forms._engine import FormState, Scope, england_today
from forms._messages import NOT_KNOWN_TEXT, is_not_known
from forms._registry import compiled
from forms._spec import FormField, FormSpec, Group, Item, Repeat
from forms._summary import say
from forms._values import AttachmentRef, Signature


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One answer: its path (for "Change"), the question, the answer in words, whether it may be changed."""

    path: str
    label: str
    value: str
    changeable: bool = True


@dataclass(frozen=True, slots=True)
class AnswerSection:
    """A section of the page: the group's id and title, and its rows."""

    id: str
    title: str
    rows: tuple[AnswerRow, ...]


def words(field: FormField, value: Any) -> str:
    """An answer in words, for the page (``say``, with a signature and a photograph in words too)."""
    if isinstance(value, Signature):
        return f"Signed as {value.signed_by}"
    if isinstance(value, AttachmentRef):
        return value.name
    return say(field, value)


def check_answers(
    spec: FormSpec, answers: Mapping[str, object], *, today: dt.date | None = None
) -> tuple[AnswerSection, ...]:
    """The sections and rows of the page for these answers (only visible, answered questions)."""
    root = Scope(compiled(spec).root, answers, None, today or england_today())
    sections: list[AnswerSection] = []
    loose: list[AnswerRow] = []
    for item in spec.items:
        if isinstance(item, Group):
            rows: list[AnswerRow] = []
            _rows(root, item.items, "", "", rows)
            if rows:  # a hidden group hides its fields, so it has no rows and no section
                sections.append(AnswerSection(item.id, item.label, tuple(rows)))
        else:
            _rows(root, (item,), "", "", loose)
    if loose:
        sections.insert(0, AnswerSection("", spec.title, tuple(loose)))
    return tuple(sections)


def _rows(scope: Scope, items: tuple[Item, ...], prefix: str, heading: str, out: list[AnswerRow]) -> None:
    for item in items:
        path = f"{prefix}{item.id}"
        if isinstance(item, Group):
            _rows(scope, item.items, prefix, heading, out)
        elif isinstance(item, Repeat):
            if not scope.visible(item.id):
                continue
            for i, entry in enumerate(scope.items(item.id)):
                _rows(entry, item.items, f"{path}[{i}].", f"{heading}{item.item_label} {i + 1}: ", out)
        elif item.kind != "display" and scope.visible(item.id):
            row = _row(scope, item, path, heading)
            if row is not None:
                out.append(row)


def _row(scope: Scope, field: FormField, path: str, heading: str) -> AnswerRow | None:
    value = scope.get(field.id)
    label = heading + field.label
    changeable = not field.read_only and field.calculate is None
    if value is not None and value != () and value != "" and value != []:
        return AnswerRow(path, label, words(field, value), changeable)
    if field.allow_not_known and is_not_known(scope.raw.get(field.id)):
        return AnswerRow(path, label, NOT_KNOWN_TEXT, changeable)
    return None


# -- the task list ------------------------------------------------------------------------------------------------
NOT_STARTED: Final = "Not started"
IN_PROGRESS: Final = "In progress"
COMPLETED: Final = "Completed"
CANNOT_START_YET: Final = "Cannot start yet"


@dataclass(frozen=True, slots=True)
class SectionStatus:
    """One line of the task list: the section (a top-level group), its status in words, the first question's path."""

    id: str
    title: str
    status: str
    first: str


def section_statuses(spec: FormSpec, state: FormState) -> tuple[SectionStatus, ...]:
    """Each top-level group's status from an evaluated form (``evaluate``), in the spec's order (the urgency gate
    first): "Cannot start yet" while the group is hidden (its show-if waits on an earlier answer), "Completed" when
    no visible question in it has an error (a blank required one included) and one is answered, "In progress"
    when one is answered, else "Not started"."""
    out: list[SectionStatus] = []
    for item in spec.items:
        if not isinstance(item, Group):
            continue
        names = _names(item.items)
        group = state.fields.get(item.id)
        paths = [p for p in state.fields if _top(p) in names and state.fields[p].kind not in ("group", "display")]
        first = next((p for p in paths if state.fields[p].visible), paths[0] if paths else item.id)
        if group is not None and not group.visible:
            status = CANNOT_START_YET
        else:
            shown = [state.fields[p] for p in paths if state.fields[p].visible]
            answered = any(f.value not in (None, "", (), []) and f.kind != "repeat" for f in shown)
            errors = any(i.severity == "error" for f in shown for i in f.issues)
            status = COMPLETED if answered and not errors else IN_PROGRESS if answered else NOT_STARTED
        out.append(SectionStatus(item.id, item.label, status, first))
    return tuple(out)


def _names(items: tuple[Item, ...]) -> set[str]:
    """The top-level answer names a group holds (a repeat's own id: its items' paths start with it)."""
    names: set[str] = set()
    for item in items:
        if isinstance(item, Group):
            names |= _names(item.items)
        else:
            names.add(item.id)
    return names


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]
