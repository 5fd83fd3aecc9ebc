"""Device-made ids (sync._ids): valid UUIDv7, unique, and in the order made, even within one millisecond and when
the wall clock steps back."""

from __future__ import annotations

import uuid

import pytest

from sync import _ids, new_id


def _ms(text: str) -> int:
    return uuid.UUID(text).int >> 80


def test_ids_are_uuid7_of_the_rfc_variant_carrying_the_time() -> None:
    before = _ids.time.time_ns() // 1_000_000
    made = [new_id(), *map(uuid.UUID, _ids.new_id_strings(50))]
    for value in made:
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert before <= value.int >> 80 <= before + 60_000  # drift ahead of the clock stays tiny
    assert len({*made}) == len(made)


def test_ids_made_in_one_millisecond_sort_in_the_order_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ids.time, "time_ns", lambda: 1_800_000_000_000 * 1_000_000)
    made = _ids.new_id_strings(5000) + [str(new_id()) for _ in range(100)]  # more than 4,096: the counter carries
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert _ms(made[0]) >= 1_800_000_000_000


def test_a_clock_that_steps_back_does_not_make_ids_go_back(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_900_000_000_000 * 1_000_000]
    monkeypatch.setattr(_ids.time, "time_ns", lambda: now[0])
    first = _ids.new_id_strings(3)
    now[0] -= 3_600 * 10**9  # an hour back (a laptop's clock corrected)
    later = _ids.new_id_strings(3)
    assert first + later == sorted(first + later)


def test_the_random_part_differs_between_ids() -> None:
    tails = {text[19:] for text in _ids.new_id_strings(1000)}
    assert len(tails) == 1000
