"""The "Check your answers before sending" page as data (the NHS service manual's pattern), for every form.

One section per top-level group (fields outside any group go into a section named after the form), in the order
of the spec; one row per visible, answered question with its value in words (``say``: labels for codes, dates
written out, NHS numbers spaced; "Not known" where that was the answer). A repeat's entries are numbered
("Child 1: Child's full name"). Each row carries the answer's path, so the app's "Change" link goes back to that
very field; read-only and calculated answers are shown without one. Hidden, blank and display-only items are left
out: the page shows what will be sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms._engine import Scope, england_today
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
