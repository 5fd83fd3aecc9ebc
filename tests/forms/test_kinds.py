"""The kinds table (forms/_kinds.py) is the one list of field kinds: every kind has every column, and everything that
depends on a kind (the spec format, the checkers, FHIR, the app's input) reads it from there."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, get_args

import pytest

import forms
from forms import (
    FIELD_KINDS,
    KINDS,
    Family,
    FormField,
    IssueCode,
    load_spec,
    to_fhir_questionnaire,
    typed_answer,
    typed_text,
)

#: The item types of a FHIR R4 Questionnaire (http://hl7.org/fhir/R4/valueset-item-type.html).
FHIR_ITEM_TYPES = {
    "group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string", "text", "url",
    "choice", "open-choice", "attachment", "reference", "quantity",
}  # fmt: skip
#: Raw answers no checker may raise on.
ODD_ANSWERS: tuple[Any, ...] = (
    "", "x", " ", "2024-02-30", 3, -1.5, 1e300, True, [], ["a", "a"], {}, {"marks": []}, {"value": "x"}, "\x00",
)  # fmt: skip


def test_every_kind_has_a_row_with_every_column() -> None:
    assert tuple(KINDS) == FIELD_KINDS
    for name, row in KINDS.items():
        assert row.name == name
        for column in dataclasses.fields(row):
            if column.name != "entry":
                assert getattr(row, column.name) is not None, (name, column.name)
        assert callable(row.check), name
        assert row.fhir in FHIR_ITEM_TYPES, name
        assert isinstance(row.family, Family), name
        # the typed-answer column is filled exactly for the kinds the app takes as typed text
        assert (row.entry is not None) == (row.family is Family.TEXT), name


def test_every_family_is_some_kinds_and_every_text_entry_parses() -> None:
    assert {row.family for row in KINDS.values()} == set(Family)
    for name, row in KINDS.items():
        if row.entry is not None:
            assert callable(row.entry.parse), name
            assert callable(row.entry.show), name
            assert typed_answer(name, "   ") is None
            assert typed_text(name, None) == ""


def test_the_spec_format_accepts_exactly_the_kinds_of_the_table() -> None:
    assert get_args(FormField.model_fields["kind"].annotation) == FIELD_KINDS
    with pytest.raises(ValueError, match="kind"):
        FormField.model_validate({"kind": "colour", "id": "a", "label": "A"})


def test_every_checker_answers_odd_input_with_a_value_or_an_issue_code() -> None:
    for name, row in KINDS.items():
        options = [{"code": "a", "label": "A"}] if row.has_options else []
        text = "Read this." if name == "display" else None
        field = FormField.model_validate(
            {"kind": name, "id": "f", "label": "F", "options": options, "text": text, "sources": ["children"]}
        )
        for raw in ODD_ANSWERS:
            value, problem = row.check(field, raw)
            if problem is not None:
                assert value is None, (name, raw)
                assert isinstance(problem[0], IssueCode), (name, raw, problem)


def test_typed_text_is_read_as_the_kind_wants_and_shown_back() -> None:
    assert typed_answer("integer", " 12 ") == 12
    assert typed_answer("integer", "twelve") == "twelve"  # kept as typed: the checker explains
    assert typed_answer("decimal", "2.5") == 2.5
    for word in ("nan", "inf", "-Infinity"):  # floats to Python, not numbers to anyone filling in a form
        assert typed_answer("decimal", word) == word
    assert typed_answer("datetime", "2026-11-30 09:40") == "2026-11-30T09:40"
    assert typed_answer("date", "2026-11-30") == "2026-11-30"
    assert typed_text("datetime", "2026-11-30T09:40:00+00:00") == "2026-11-30 09:40"
    assert typed_text("integer", 12) == "12"
    for name, row in KINDS.items():
        if row.entry is not None and row.entry.stamp is not None:  # the "Today"/"Now" button fills a valid answer
            stamp = dt.datetime(2026, 11, 30, 9, 40).strftime(row.entry.stamp.format)
            field = FormField(kind=name, id="f", label="F")
            assert row.check(field, typed_answer(name, stamp))[1] is None, name


def test_each_questionnaire_item_has_its_kinds_fhir_type() -> None:
    seen: set[str] = set()
    for form_id in ("hv_concern", "gp_response", "sn_referral", "case_note"):
        spec = load_spec(form_id)
        items = {i["linkId"]: i for i in _walk(to_fhir_questionnaire(spec)["item"])}
        for link, field in _fields(spec.items, ""):
            assert items[link]["type"] == KINDS[field.kind].fhir, link
            seen.add(field.kind)
    assert seen <= set(KINDS)


def _walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for i in items for x in (i, *_walk(i.get("item", [])))]


def _fields(items: tuple[Any, ...], prefix: str) -> list[tuple[str, FormField]]:
    found: list[tuple[str, FormField]] = []
    for item in items:
        if isinstance(item, FormField):
            found.append((prefix + item.id, item))
        else:
            found += _fields(item.items, prefix + item.id + "." if item.kind == "repeat" else prefix)
    return found


def test_issue_codes_are_the_enum_and_keep_their_wire_values() -> None:
    assert IssueCode.REQUIRED == "required"
    assert f"{IssueCode.TOO_DEEP}" == "too_deep"
    issue = forms.ValidationIssue(path="a", code=IssueCode.WRONG_TYPE, message="m")
    assert issue.model_dump(mode="json")["code"] == "wrong_type"
    assert type(issue.code) is str


def test_no_issue_code_is_written_as_a_bare_string_in_forms() -> None:
    """error(path, "code", ...) or a checker's ("code", message) outside the enum would start a second list."""
    offenders = []
    for path in sorted(Path(forms.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("error", "warning"):
                code = node.args[1] if len(node.args) > 1 else None
                if isinstance(code, ast.Constant):
                    offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Tuple) and len(node.elts) == 2 and isinstance(node.elts[0], ast.Constant):
                first = node.elts[0].value
                if isinstance(first, str) and first in IssueCode._value2member_map_:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
