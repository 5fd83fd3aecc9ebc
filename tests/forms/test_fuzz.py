"""Hypothesis against every spec: validation never raises, and never accepts a form missing a required answer."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import (
    EXAMPLE_TODAY,
    FormSpec,
    Group,
    Repeat,
    ValidationIssue,
    clean_answers,
    evaluate,
    example_answers,
    list_specs,
    spec_hash,
    to_fhir_questionnaire_response,
    validate,
    validate_record,
    validate_submission,
)
from tests.support.fuzz import examples

SPECS = {s.id: s for s in list_specs()}
FUZZ = settings(max_examples=examples(ci=60, deep=2000), deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "   ", "x" * 60_000, "9434765919", "TQ1 2AB", "2026-11-30", "2026-11-30T10:00:00Z", "4",
                     "children[0]", "children[99]", "yes", "\x00", "💥" * 100]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)


def _names(items: tuple[Any, ...]) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, Group):
            out.extend(_names(item.items))
        else:
            out.append(item.id)
    return out


def _all_names(spec: FormSpec) -> list[str]:
    names: list[str] = []

    def walk(items: tuple[Any, ...]) -> None:
        for item in items:
            names.append(item.id)
            if isinstance(item, Group | Repeat):
                walk(item.items)

    walk(spec.items)
    return sorted(set(names))


@st.composite
def random_answers(draw: st.DrawFn, spec: FormSpec) -> dict[str, Any]:
    """Answers built from the spec's own names (so logic is exercised) mixed with junk keys and wrong types."""
    names = _all_names(spec)
    keys = st.one_of(st.sampled_from(names), st.text(max_size=12))
    items = st.dictionaries(keys, json_values, max_size=8)
    values = st.one_of(json_values, st.lists(items, max_size=3))
    return draw(st.dictionaries(keys, values, max_size=25))


@st.composite
def mutated_example(draw: st.DrawFn, form_id: str) -> dict[str, Any]:
    """A complete example with a few answers deleted or replaced by anything at all, at any depth."""
    answers = example_answers(form_id)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        target: Any = answers
        while True:
            if isinstance(target, dict) and target:
                key = draw(st.sampled_from(sorted(target)))
                child = target[key]
                if isinstance(child, dict | list) and child and draw(st.booleans()):
                    target = child
                    continue
                if draw(st.booleans()):
                    del target[key]
                else:
                    target[key] = draw(json_values)
            elif isinstance(target, list) and target:
                index = draw(st.integers(min_value=0, max_value=len(target) - 1))
                if isinstance(target[index], dict) and draw(st.booleans()):
                    target = target[index]
                    continue
                target[index] = draw(json_values)
            break
    return answers


def _never_raises(spec: FormSpec, answers: Any) -> list[ValidationIssue]:
    issues = validate(spec, answers, today=EXAMPLE_TODAY)
    assert all(isinstance(i, ValidationIssue) and i.code for i in issues)
    state = evaluate(spec, answers, today=EXAMPLE_TODAY)
    assert {(i.path, i.code) for i in state.issues} == {(i.path, i.code) for i in issues}
    clean = clean_answers(spec, answers, today=EXAMPLE_TODAY)
    assert isinstance(clean, dict)
    assert clean_answers(spec, clean, today=EXAMPLE_TODAY) == clean  # cleaning is idempotent
    validate_submission(spec, answers, overrides={"x": 1}, today=EXAMPLE_TODAY)
    to_fhir_questionnaire_response(spec, answers, today=EXAMPLE_TODAY)
    record = {
        "form_id": spec.id,
        "form_version": spec.version,
        "spec_hash": spec_hash(spec),
        "answers": answers,
        "submitted_at": "2026-11-30T10:00:00Z",
    }
    if spec.record_type == "response":
        record["request_id"] = "0193c1f4-3b5e-7cc2-8a1b-6f2d3e4a5b6c"
    validate_record("response" if spec.record_type == "response" else "form", record)
    return issues


def _required_are_answered(spec: FormSpec, answers: dict[str, Any]) -> None:
    """The oracle: a form with no errors has every unconditionally required answer and repeat entry, at every depth
    (inside each entry of an unconditional repeat too)."""

    def walk(items: tuple[Any, ...], scope: dict[str, Any]) -> None:
        for item in items:
            if item.show_if is not None:
                continue
            if isinstance(item, Group):
                walk(item.items, scope)
            elif isinstance(item, Repeat):
                entries = scope.get(item.id)
                if item.min and item.required_if is None:
                    assert isinstance(entries, list)
                    assert len(entries) >= item.min
                for entry in entries if isinstance(entries, list) else []:
                    assert isinstance(entry, dict)
                    walk(item.items, entry)
            elif item.required and item.calculate is None:
                value = scope.get(item.id)
                assert value not in (None, "", [], {}), item.id
                assert not (isinstance(value, str) and not value.strip()), item.id

    walk(spec.items, answers)


@pytest.mark.parametrize("form_id", sorted(SPECS))
@FUZZ
@given(data=st.data())
def test_random_answers_never_raise(form_id: str, data: st.DataObject) -> None:
    spec = SPECS[form_id]
    answers = data.draw(random_answers(spec))
    issues = _never_raises(spec, answers)
    if not any(i.severity == "error" for i in issues):
        _required_are_answered(spec, answers)


@pytest.mark.parametrize("form_id", sorted(SPECS))
@FUZZ
@given(data=st.data())
def test_mutated_examples_never_raise_and_never_pass_incomplete(form_id: str, data: st.DataObject) -> None:
    spec = SPECS[form_id]
    answers = data.draw(mutated_example(form_id))
    issues = _never_raises(spec, answers)
    if not any(i.severity == "error" for i in issues):
        _required_are_answered(spec, answers)


@pytest.mark.parametrize("form_id", sorted(SPECS))
def test_deep_nesting_and_huge_inputs_never_raise(form_id: str) -> None:
    spec = SPECS[form_id]
    deep: Any = "bottom"
    for _ in range(5_000):
        deep = [deep]
    deep_dict: Any = {}
    for _ in range(5_000):
        deep_dict = {"a": deep_dict}
    answers = copy.deepcopy(example_answers(form_id))
    for key in list(answers)[::2]:
        answers[key] = deep if len(key) % 2 else deep_dict
    answers["children"] = [deep_dict, deep]
    answers.update({f"junk_{i}": i for i in range(10_000)})
    issues = _never_raises(spec, answers)
    assert any(i.severity == "error" for i in issues)
    assert 0 < len([i for i in issues if i.path.startswith("junk_")]) <= 20  # a flood of junk: a bounded answer
