"""Charts drawn on the server as SVG numbers for the templates (no script, no outside tile server). Pure.

Only shown cells are drawn: a suppressed cell ("<5", "hidden") gets no bar and no point, so the picture never tells
more than the table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from hub._disclosure import Table

WIDTH: Final = 600
BAR_HEIGHT: Final = 22
GAP: Final = 6
LABEL_WIDTH: Final = 220
TREND_HEIGHT: Final = 200


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str
    y: int
    width: int


@dataclass(frozen=True)
class Bars:
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    width: int = WIDTH


@dataclass(frozen=True)
class Trend:
    points: str  # "x,y x,y ..." for a polyline, shown cells only
    dots: list[tuple[int, int, str, str]]  # x, y, label, shown
    width: int = WIDTH
    height: int = TREND_HEIGHT
    top: str = "0"


def _value(shown: str) -> int | None:
    return int(shown) if shown.isdigit() else None


def bars(table: Table) -> Bars:
    values = [_value(c.shown) for c in table.cells]
    top = max([v for v in values if v is not None] + [1])
    span = WIDTH - LABEL_WIDTH - 60
    out = [
        Bar(c.label, c.shown, i * (BAR_HEIGHT + GAP), int(span * v / top) if v else 0)
        for i, (c, v) in enumerate(zip(table.cells, values, strict=True))
    ]
    return Bars(out, max(len(out) * (BAR_HEIGHT + GAP), BAR_HEIGHT))


def trend(table: Table) -> Trend:
    cells = list(table.cells)
    values = [_value(c.shown) for c in cells]
    top = max([v for v in values if v is not None] + [1])
    step = (WIDTH - 40) / max(len(cells) - 1, 1)
    dots = []
    for i, (cell, v) in enumerate(zip(cells, values, strict=True)):
        if v is None:
            continue
        x = int(20 + i * step)
        y = int(TREND_HEIGHT - 20 - (TREND_HEIGHT - 40) * v / top)
        dots.append((x, y, cell.label, cell.shown))
    return Trend(" ".join(f"{x},{y}" for x, y, _, _ in dots), dots, top=str(top))
