"""Small-number suppression for published counts, as NHS and ONS disclosure control does it. Pure.

Primary suppression: a count of 1 to 4 shows as "<5" (0 is shown: it names nobody). Secondary suppression: where a
table shows its total, the hidden cells must not be worked out from it. A reader knows every shown cell, that each
"<5" cell is 1 to 4, that each secondary ("hidden") cell is at least 5, and the total (exact, or 1 to 4 when it is
"<5" itself). A small cell is *derivable* when those facts leave it one possible value. While any is, the next
smallest shown cell is hidden too; when no cell is left to hide, the total is hidden (``Table.total_hidden``).

The same total is shared by every table of one view (each partitions the same referrals), so hiding it in one must
hide it in all: ``protect_view`` decides that once for the view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

SMALL: Final = 5
LESS_THAN: Final = "<5"
HIDDEN: Final = "hidden"
_INF: Final = 10**12


@dataclass(frozen=True)
class Cell:
    label: str
    value: int  # the true count: for the database and tests only, never shown unless ``shown``
    shown: str  # "12", "<5" or "hidden"

    @property
    def is_shown(self) -> bool:
        return self.shown not in (LESS_THAN, HIDDEN)


@dataclass(frozen=True)
class Table:
    cells: tuple[Cell, ...]
    total: int
    total_shown: str  # "120", "<5", "hidden", or "" when the table has no total row (its cells overlap)


def word(value: int) -> str:
    return LESS_THAN if 0 < value < SMALL else str(value)


def _bounds(shown: str, value: int) -> tuple[int, int]:
    if shown == LESS_THAN:
        return 1, SMALL - 1
    if shown == HIDDEN:
        return SMALL, _INF
    return value, value


def derivable(cells: Sequence[Cell], total_shown: str, total: int) -> list[str]:
    """The labels of the small cells a reader could work out exactly from what the table shows."""
    if total_shown in ("", HIDDEN):
        return []  # no equation: each small cell is only known to be 1 to 4
    t_lo, t_hi = _bounds(total_shown, total)
    known = sum(c.value for c in cells if c.is_shown)
    unknown = [(c, *_bounds(c.shown, c.value)) for c in cells if not c.is_shown]
    sum_lo = sum(lo for _, lo, _ in unknown)
    sum_hi = sum(hi for _, _, hi in unknown)
    out = []
    for cell, lo, hi in unknown:
        if cell.shown != LESS_THAN:
            continue
        low = max(lo, t_lo - known - (sum_hi - hi))
        high = min(hi, t_hi - known - (sum_lo - lo))
        if low >= high:
            out.append(cell.label)
    return out


def protect(counts: Mapping[str, int], *, total: int | None, show_total: bool = True) -> Table:
    """Suppress one table. ``total``: the table's total when its cells partition it (None: cells overlap, no total
    row); ``show_total=False`` hides it (``protect_view`` decides that for the tables of a view)."""
    cells = [Cell(label, value, word(value)) for label, value in counts.items()]
    if total is None:
        return Table(tuple(cells), sum(counts.values()), "")
    total_shown = word(total) if show_total else HIDDEN
    while derivable(cells, total_shown, total):
        candidates = [i for i, c in enumerate(cells) if c.is_shown and c.value > 0]
        if not candidates or total_shown == LESS_THAN:
            total_shown = HIDDEN
            break
        pick = min(candidates, key=lambda i: (cells[i].value, i))
        cells[pick] = Cell(cells[pick].label, cells[pick].value, HIDDEN)
    return Table(tuple(cells), total, total_shown)


def protect_view(tables: Mapping[str, Mapping[str, int]], total: int) -> tuple[dict[str, Table], bool]:
    """Suppress every table of a view that partitions the same ``total``; returns them and whether the total is
    shown. If any table can only be protected by hiding the total, it is hidden in all of them."""
    done = {name: protect(counts, total=total) for name, counts in tables.items()}
    if all(t.total_shown != HIDDEN for t in done.values()):
        return done, True
    return {name: protect(counts, total=total, show_total=False) for name, counts in tables.items()}, False
