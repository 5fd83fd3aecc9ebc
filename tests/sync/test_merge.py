"""Properties of the three-way field merge both sides use (protocol.merge_fields), over every kind of JSON value."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from protocol import merge_fields, same_value

names = st.sampled_from(["a", "b", "c", "d", "e"])
# Small pools so that the three sides often share a value (and so that 0/False/None/0.0/"" meet often).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.5]),
    st.sampled_from(["", "x", "y"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["p", "q"]), inner, max_size=2),
    max_leaves=5,
)
bodies = st.dictionaries(names, values, max_size=5)


def oracle(value: Any) -> Any:
    """An independent model of JSON sameness: tag each value with its JSON type; numbers as exact fractions."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", Fraction(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(oracle(v) for v in value))
    assert isinstance(value, dict)
    return ("object", tuple(sorted((k, oracle(v)) for k, v in value.items())))


def same(a: Any, b: Any) -> bool:
    return bool(oracle(a) == oracle(b))


@given(base=bodies, mine=bodies, theirs=bodies)
@example(base={"a": 1}, mine={"a": True}, theirs={"a": 1})  # the edit True over 1 must survive
@example(base={"a": False}, mine={"a": 0}, theirs={"a": True})
@example(base={"a": [1]}, mine={"a": [True]}, theirs={"a": [1.0]})
@example(base={"a": {"p": None}}, mine={"a": {"p": 0}}, theirs={"a": {"p": None}})
def test_merge_rules(base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    result = merge_fields(base, mine, theirs)
    conflicted = {c.field for c in result.conflicts}
    assert len(conflicted) == len(result.conflicts)  # one conflict per field
    assert not conflicted & result.apply.keys()
    assert result.clean == (not conflicted)
    for name, my_value in mine.items():
        before, their_value = base.get(name), theirs.get(name)
        if not same(my_value, before) and not same(their_value, my_value) and not same(their_value, before):
            # both sides changed it, to different values: reported with all three, theirs kept
            [c] = [c for c in result.conflicts if c.field == name]
            assert (c.base, c.mine, c.theirs) == (before, my_value, their_value)
            assert name not in result.apply
        elif not same(my_value, before) and not same(their_value, my_value):
            assert name in result.apply  # they did not touch it: the edit applies, exactly as made
            assert oracle(result.apply[name]) == oracle(my_value)
            assert name not in conflicted
        else:
            assert name not in result.apply  # nothing left to do
            assert name not in conflicted
    assert set(result.apply) | conflicted <= set(mine)
    merged = {**theirs, **result.apply}
    for name, my_value in mine.items():
        if name not in conflicted:
            assert same(merged.get(name), my_value) or same(my_value, base.get(name))  # every clean edit survives


def test_disjoint_edits_merge_and_same_field_clashes() -> None:
    result = merge_fields({"a": 1, "b": 1}, {"a": 2, "b": 5}, {"a": 1, "b": 3})
    assert result.apply == {"a": 2}
    assert [(c.field, c.base, c.mine, c.theirs) for c in result.conflicts] == [("b", 1, 5, 3)]
    assert not result.clean


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "apply"),
    [
        (1, True, 1, True),  # the bug this test was written for: True is not 1
        (0, False, 0, False),
        (True, 1, True, 1),
        (None, 0, None, 0),  # null is not 0, "" or false
        (None, "", None, ""),
        (None, False, None, False),
        ([1], [True], [1], [True]),
        ({"p": 1}, {"p": True}, {"p": 1}, {"p": True}),
        ({"p": 1}, {"q": 1}, {"p": 1}, {"q": 1}),
        ([1, 2], [1], [1, 2], [1]),
    ],
)
def test_a_value_of_another_json_type_is_an_edit(base: Any, mine: Any, theirs: Any, apply: Any) -> None:
    result = merge_fields({"a": base}, {"a": mine}, {"a": theirs})
    assert result.apply == {"a": apply}
    assert type(result.apply["a"]) is type(apply)


@pytest.mark.parametrize(
    ("a", "b"), [(1, 1.0), (0, 0.0), (-2, -2.0), ([1, {"p": 2}], [1.0, {"p": 2.0}]), ({"p": [0]}, {"p": [0.0]})]
)
def test_one_and_one_point_zero_are_the_same_json_number(a: Any, b: Any) -> None:
    assert same_value(a, b)
    assert same_value(b, a)
    assert merge_fields({"a": a}, {"a": b}, {"a": a}).apply == {}  # not an edit
    assert merge_fields({"a": 5}, {"a": a}, {"a": b}).apply == {}  # they made the same change


@given(a=values, b=values)
def test_same_value_is_json_sameness(a: Any, b: Any) -> None:
    assert same_value(a, b) == same(a, b)
    assert same_value(a, a)
    assert same_value(a, json.loads(json.dumps(a)))  # a round trip through JSON text keeps a value the same
