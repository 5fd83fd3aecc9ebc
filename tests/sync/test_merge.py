"""Properties of the three-way field merge both sides use (sync.merge.merge_fields)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sync.merge import merge_fields

names = st.sampled_from(["a", "b", "c", "d", "e"])
values = st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["x", "y"]))
bodies = st.dictionaries(names, values, max_size=5)


@given(base=bodies, mine=bodies, theirs=bodies)
def test_merge_rules(base: dict[str, object], mine: dict[str, object], theirs: dict[str, object]) -> None:
    result = merge_fields(base, mine, theirs)  # type: ignore[arg-type]
    conflicted = {c.field for c in result.conflicts}
    assert not conflicted & result.apply.keys()
    for name, my_value in mine.items():
        before, their_value = base.get(name), theirs.get(name)
        if name in conflicted:
            # both sides changed it, to different values: reported with all three, theirs kept
            assert my_value not in (before, their_value)
            assert their_value != before
        elif name in result.apply:
            assert result.apply[name] == my_value
            assert their_value == before  # they did not touch it
        else:
            assert my_value == before or my_value == their_value  # nothing left to do
    merged = {**theirs, **result.apply}
    for name, my_value in mine.items():
        if name not in conflicted and my_value != base.get(name):
            assert merged.get(name) == my_value  # every non-clashing edit survives


def test_disjoint_edits_merge_and_same_field_clashes() -> None:
    result = merge_fields({"a": 1, "b": 1}, {"a": 2, "b": 5}, {"a": 1, "b": 3})
    assert result.apply == {"a": 2}
    assert [(c.field, c.base, c.mine, c.theirs) for c in result.conflicts] == [("b", 1, 5, 3)]
    assert not result.clean
