"""The expression language: operators, safety, and compile-time errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from forms import OPERATORS, FormSpec, SpecError, evaluate

TODAY = dt.date(2026, 11, 30)


def spec_with(expr: Any, *, extra: list[dict[str, Any]] | None = None) -> FormSpec:
    items: list[dict[str, Any]] = [
        {"kind": "integer", "id": "n", "label": "N"},
        {"kind": "integer", "id": "m", "label": "M"},
        {"kind": "yes_no", "id": "flag", "label": "Flag"},
        {"kind": "date", "id": "born", "label": "Born"},
        {"kind": "short_text", "id": "word", "label": "Word"},
        {
            "kind": "multi_choice",
            "id": "picks",
            "label": "Picks",
            "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}],
        },
        {
            "kind": "repeat",
            "id": "kids",
            "label": "Kids",
            "item_label": "Kid",
            "items": [{"kind": "integer", "id": "age", "label": "Age"}],
        },
        {"kind": "integer", "id": "out", "label": "Out", "calculate": expr},
        *(extra or []),
    ]
    return FormSpec.model_validate({"id": "t", "version": 1, "title": "T", "items": items})


def calc(expr: Any, **answers: Any) -> Any:
    return evaluate(spec_with(expr), answers, today=TODAY).calculated.get("out")


V = {"var": "n"}

CASES: list[tuple[Any, dict[str, Any], Any]] = [
    ({"add": [V, 2]}, {"n": 3}, 5),
    ({"add": [V, 2]}, {}, None),  # unanswered -> null, never an exception
    ({"sub": [V, {"var": "m"}]}, {"n": 3, "m": 5}, -2),
    ({"mul": [V, 2, 3]}, {"n": 2}, 12),
    ({"max": [V, {"var": "m"}]}, {"n": 2, "m": 7}, 7),
    ({"eq": [V, 3]}, {"n": 3}, True),
    ({"eq": [{"var": "flag"}, 1]}, {"flag": True}, False),  # booleans never equal numbers
    ({"lt": [V, "x"]}, {"n": 3}, False),  # across types: false, not TypeError
    ({"lt": [{"var": "born"}, 3]}, {"born": "2020-01-01"}, False),
    ({"ge": [V, None]}, {"n": 3}, False),
    ({"and": [{"var": "flag"}, {"gt": [V, 1]}]}, {"flag": True, "n": 2}, True),
    ({"or": [{"var": "flag"}, {"gt": [V, 1]}]}, {"flag": False, "n": 0}, False),
    ({"not": [{"var": "flag"}]}, {}, True),
    ({"if": [{"var": "flag"}, 1, 2]}, {"flag": False}, 2),
    ({"in": [{"var": "word"}, ["x", "y"]]}, {"word": "y"}, True),
    ({"has": [{"var": "picks"}, "b"]}, {"picks": ["a", "b"]}, True),
    ({"has": [{"var": "picks"}, "b"]}, {"picks": ["z"]}, False),  # invalid answer counts as unanswered
    ({"has_any": [{"var": "picks"}, ["b", "c"]]}, {"picks": ["a"]}, False),
    ({"answered": [{"var": "word"}]}, {"word": "   "}, False),
    ({"count": [{"var": "kids"}]}, {"kids": [{}, {}, {}]}, 3),
    ({"count_where": [{"var": "kids"}, {"gt": [{"var": "age"}, 4]}]}, {"kids": [{"age": 5}, {"age": 3}]}, 1),
    ({"sum": [{"var": "kids"}, {"var": "age"}]}, {"kids": [{"age": 5}, {"age": 3}, {"age": "x"}]}, 8),
    ({"any": [{"var": "kids"}, {"eq": [{"var": "age"}, {"var": "n"}]}]}, {"n": 3, "kids": [{"age": 3}]}, True),
    ({"all": [{"var": "kids"}, {"gt": [{"var": "age"}, 1]}]}, {"kids": [{"age": 5}, {"age": 1}]}, False),
    ({"none": [{"var": "kids"}, {"gt": [{"var": "age"}, 9]}]}, {"kids": [{"age": 5}]}, True),
    ({"age_years": [{"var": "born"}]}, {"born": "2008-12-01"}, 17),
    ({"age_years": [{"var": "born"}]}, {"born": "2008-11-30"}, 18),
    ({"age_months": [{"var": "born"}]}, {"born": "2026-05-31"}, 5),
    ({"age_years": [{"var": "born"}]}, {"born": "2026-02-30"}, None),  # not a real date
    ({"days_since": [{"var": "born"}]}, {"born": "2026-11-20"}, 10),
    ({"len": [{"var": "word"}]}, {"word": "abc"}, 3),
    ({"coalesce": [V, 9]}, {}, 9),
    ({"lt": [{"var": "born"}, {"today": []}]}, {"born": "2026-11-29"}, True),
]


@pytest.mark.parametrize(("expr", "answers", "expected"), CASES)
def test_operator(expr: Any, answers: dict[str, Any], expected: Any) -> None:
    assert calc(expr, **answers) == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ({"var": "nope"}, "unknown name"),
        ({"frobnicate": [1]}, "unknown operator"),
        ({"eq": [1]}, "takes 2..2"),
        ({"eq": [1, 2], "ne": [1, 2]}, "one-key object"),
        ({"var": "kids"}, "repeat"),
        ({"any": [{"var": "n"}, True]}, "needs a repeat"),
        ({"var": "."}, "only meaningful"),
        ({"var": 3}, "field name"),
        ({"any": [{"var": "kids"}, {"var": "nope"}]}, "unknown name"),
    ],
)
def test_bad_expressions_fail_at_compile_time(expr: Any, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        evaluate(spec_with(expr), {})


def test_a_cycle_through_show_if_and_calculate_is_a_spec_error() -> None:
    extra = [
        {"kind": "integer", "id": "p", "label": "P", "show_if": {"gt": [{"var": "q"}, 1]}},
        {"kind": "integer", "id": "q", "label": "Q", "calculate": {"add": [{"var": "p"}, 1]}},
    ]
    with pytest.raises(SpecError, match="circle"):
        evaluate(spec_with(None, extra=extra), {})


def test_names_resolve_inside_the_item_before_the_form() -> None:
    extra = [
        {
            "kind": "repeat",
            "id": "rows",
            "label": "Rows",
            "item_label": "Row",
            "items": [
                {"kind": "integer", "id": "n", "label": "Inner n"},
                {"kind": "integer", "id": "inner", "label": "I", "calculate": {"add": [{"var": "n"}, {"var": "m"}]}},
            ],
        },
    ]
    state = evaluate(spec_with(None, extra=extra), {"n": 100, "m": 1, "rows": [{"n": 5}, {}]}, today=TODAY)
    assert state.calculated["rows[0].inner"] == 6  # inner n, outer m
    assert state.calculated["rows[1].inner"] is None


_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["a", "", "2026-01-01"]),
    st.sampled_from([{"var": n} for n in ("n", "m", "flag", "born", "word", "picks")]),
    st.just({"today": []}),
)
_OPS = sorted(OPERATORS - {"var", "today", "any", "all", "none", "count_where", "sum", "count"})


def _trees(depth: int) -> st.SearchStrategy[Any]:
    if depth == 0:
        return _LEAVES
    inner = _trees(depth - 1)
    return st.one_of(
        _LEAVES,
        st.builds(lambda op, args: {op: args}, st.sampled_from(_OPS), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda op, body: {op: [{"var": "kids"}, body]},
                  st.sampled_from(["any", "all", "none", "count_where", "sum"]),
                  st.one_of(_LEAVES, st.just({"gt": [{"var": "age"}, 2]}))),
        st.lists(inner, max_size=3),
    )  # fmt: skip


_ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "n": st.one_of(st.integers(-(10**6), 10**6), st.text(max_size=3), st.none()),
        "m": st.one_of(st.integers(), st.floats()),
        "flag": st.one_of(st.booleans(), st.integers()),
        "born": st.sampled_from(["2020-02-29", "2026-11-30", "1900-01-01", "9999-12-31", "bad", ""]),
        "word": st.text(max_size=5),
        "picks": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
        "kids": st.lists(st.fixed_dictionaries({}, optional={"age": st.integers(-3, 30)}), max_size=3),
    },
)


@settings(max_examples=150, deadline=None)
@given(expr=_trees(3), answers=_ANSWERS)
def test_any_expression_that_compiles_never_raises_at_run_time(expr: Any, answers: dict[str, Any]) -> None:
    assume(expr is not None)  # null means "not calculated"
    try:
        spec = spec_with(expr)
        evaluate(spec, {}, today=TODAY)  # compile (may rightly refuse: wrong arity, a repeat used as a value)
    except SpecError:
        assume(False)
    state = evaluate(spec, answers, today=TODAY)
    assert "out" in state.calculated
