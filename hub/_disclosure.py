"""Small-number suppression and rounding for published counts, as NHS and ONS disclosure control do it. Pure.

Primary suppression: a count of 1 to 4 shows as "<5" (0 is shown: it names nobody). Rounding: every other count shows
rounded to the nearest 5 (5, 6 and 7 as 5; 8 to 12 as 10), so two views that differ by a few referrals (Devon, and
Devon less one district) show totals whose difference could be any of several numbers: subtracting one view from
another cannot pin a small count. Secondary suppression: a reader knows that each shown cell is within 2 of what it
shows (5 to 7 for a 5), that each "<5" cell is 1 to 4, that each "hidden" cell is at least 5, and the total (shown,
or whatever every table of the view allows: the tables of one dashboard view each partition the same referrals, so
a reader can combine them). A small cell is *derivable* when those facts leave it one possible value. While any is,
the next smallest shown cell of its table is hidden too; when none is left, the total is hidden; when the total is
still pinned by another table, that table's smallest shown cell is hidden. All of it is interval arithmetic, which is
exact here (sums of runs of integers are runs of integers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

SMALL: Final = 5
#: Shown counts are rounded to the nearest multiple of this (7 shows as 5, 8 as 10).
BASE: Final = 5
LESS_THAN: Final = "<5"
HIDDEN: Final = "hidden"
#: Every count of a view too small to break down (each count small, the zeros telling which are not), zeros too.
WITHHELD: Final = "not shown"
_INF: Final = 10**12


@dataclass(frozen=True)
class Cell:
    label: str
    value: int  # the true count: for the database and tests only, never shown
    shown: str  # "10" (rounded), "<5" or "hidden"

    @property
    def is_shown(self) -> bool:
        return self.shown not in (LESS_THAN, HIDDEN, WITHHELD)


@dataclass(frozen=True)
class Table:
    cells: tuple[Cell, ...]
    total: int
    total_shown: str  # "120", "<5", "hidden", or "" when the table has no total row (its cells overlap)


def rounded(value: int) -> int:
    """A count of SMALL or more to the nearest multiple of BASE (so never below SMALL); a smaller one as it is."""
    return (value + BASE // 2) // BASE * BASE if value >= SMALL else value


def word(value: int) -> str:
    """How a count is published: "0", "<5", or rounded (``rounded``)."""
    return LESS_THAN if 0 < value < SMALL else str(rounded(value))


def bounds(shown: str) -> tuple[int, int]:
    """What a reader knows of a count from how it is shown (lowest, highest)."""
    if shown == LESS_THAN:
        return 1, SMALL - 1
    if shown == HIDDEN:
        return SMALL, _INF
    if shown == WITHHELD:
        return 0, _INF
    r = int(shown)
    if r == 0:
        return 0, 0
    return max(SMALL, r - BASE // 2), r + BASE // 2


def implied(cells: Sequence[Cell]) -> tuple[int, int]:
    """The totals a table's shown cells and marks allow (lowest, highest)."""
    every = [bounds(c.shown) for c in cells]
    return sum(lo for lo, _ in every), min(sum(hi for _, hi in every), _INF)


def derivable(cells: Sequence[Cell], t_lo: int, t_hi: int) -> list[str]:
    """The labels of the small cells a reader could work out exactly, knowing the total is in ``t_lo..t_hi``."""
    every = [(c, *bounds(c.shown)) for c in cells]
    sum_lo = sum(lo for _, lo, _ in every)
    sum_hi = sum(hi for _, _, hi in every)
    out = []
    for cell, lo, hi in every:
        if cell.shown != LESS_THAN:
            continue
        low = max(lo, t_lo - (sum_hi - hi))
        high = min(hi, t_hi - (sum_lo - lo))
        if low >= high:
            out.append(cell.label)
    return out


def _total_bounds(total_shown: str) -> tuple[int, int]:
    if total_shown in ("", HIDDEN):
        return 0, _INF
    return bounds(total_shown)


def _hide_smallest(cells: list[Cell]) -> bool:
    candidates = [i for i, c in enumerate(cells) if c.is_shown and c.value > 0]
    if not candidates:
        return False
    pick = min(candidates, key=lambda i: (cells[i].value, i))
    cells[pick] = Cell(cells[pick].label, cells[pick].value, HIDDEN)
    return True


def protect_view(tables: Mapping[str, Mapping[str, int]], total: int) -> tuple[dict[str, Table], bool]:
    """Suppress tables that each partition the same ``total`` (the tables of one dashboard view), together: a reader
    may combine them, so the total is taken to be whatever every table and the shown total allow at once. Returns
    the tables and whether the total is shown."""
    cells = {name: [Cell(k, v, word(v)) for k, v in counts.items()] for name, counts in tables.items()}
    total_shown = word(total)
    for _ in range(10_000):  # each step hides one more thing: it ends long before this
        t_lo, t_hi = _total_bounds(total_shown)
        for table in cells.values():
            lo, hi = implied(table)
            t_lo, t_hi = max(t_lo, lo), min(t_hi, hi)
        stuck = next((name for name, table in cells.items() if derivable(table, t_lo, t_hi)), None)
        if stuck is None:
            break
        if total_shown != LESS_THAN and _hide_smallest(cells[stuck]):
            continue
        if total_shown != HIDDEN:
            total_shown = HIDDEN
            continue
        # The total is pinned by another table: loosen the one that pins it (its smallest shown count).
        others = [name for name in cells if name != stuck and any(c.is_shown and c.value for c in cells[name])]
        if not others:
            # Nothing left to hide, and still a small count can be worked out (seen: a total of 4 whose tables
            # have four cells of "<5" and the rest 0, so each is 1). Withhold every count of the view.
            cells = {name: [Cell(c.label, c.value, WITHHELD) for c in table] for name, table in cells.items()}
            total_shown = HIDDEN
            break
        loosest = min(others, key=lambda n: min(c.value for c in cells[n] if c.is_shown and c.value))
        _hide_smallest(cells[loosest])
    done = {name: Table(tuple(table), total, total_shown) for name, table in cells.items()}
    return done, total_shown != HIDDEN


def protect(counts: Mapping[str, int], *, total: int | None) -> Table:
    """Suppress one table. ``total``: the table's total when its cells partition it (None: its cells overlap, so
    it has no total row and only primary suppression)."""
    if total is None:
        return Table(tuple(Cell(k, v, word(v)) for k, v in counts.items()), sum(counts.values()), "")
    return protect_view({"table": counts}, total)[0]["table"]
