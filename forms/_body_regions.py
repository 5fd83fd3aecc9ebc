"""The body map's named regions, as data (``data/body_regions.json``), and the lookups on them.

Each figure (``infant``, ``child``) has a front and a back, drawn on one coordinate system: the viewBox
``0 0 200 400``, x to the right and y down from the top left. Answers store a point as x/200 and y/400 (0..1), so
the lookups here take and give those fractions. A region is a polygon; regions are tried in the table's order and the
first one that holds a point names it (the face is listed before the head, the buttocks before the thighs).

Left and right are always the CHILD's: on the front the figure faces you, so its left is on your right; on the back
its left is on your left. The table says so in its codes and labels; nothing here flips anything.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final, Literal

Figure = Literal["infant", "child"]
View = Literal["front", "back"]
FIGURES: Final[tuple[Figure, ...]] = ("infant", "child")
VIEWS: Final[tuple[View, ...]] = ("front", "back")
#: Where within a region a keyboard user puts a mark, with the words the app shows.
POSITIONS: Final[dict[str, str]] = {
    "centre": "Centre",
    "upper": "Upper part",
    "lower": "Lower part",
    "childs_left": "Towards the child's left",
    "childs_right": "Towards the child's right",
}
#: A child this young (in whole months) is drawn on the infant figure.
INFANT_UNDER_MONTHS: Final = 24
#: The region codes of the first body map (one point or one region per injury); old answers keep them.
LEGACY_LABELS: Final[dict[str, str]] = {
    "head": "Head",
    "face": "Face",
    "ear_left": "Left ear",
    "ear_right": "Right ear",
    "neck": "Neck",
    "chest": "Chest",
    "abdomen": "Abdomen (tummy)",
    "upper_back": "Upper back",
    "lower_back": "Lower back",
    "buttocks": "Buttocks",
    "genitals": "Genital area",
    "arm_left": "Left arm",
    "arm_right": "Right arm",
    "hand_left": "Left hand",
    "hand_right": "Right hand",
    "leg_left": "Left leg",
    "leg_right": "Right leg",
    "foot_left": "Left foot",
    "foot_right": "Right foot",
}
_FRACTIONS: Final = {"upper": (0.5, 0.25), "lower": (0.5, 0.75), "centre": (0.5, 0.5)}


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    polygon: tuple[tuple[float, float], ...]  # viewBox units

    def contains(self, px: float, py: float) -> bool:
        """Even-odd ray casting, in viewBox units."""
        inside = False
        pts = self.polygon
        j = len(pts) - 1
        for i in range(len(pts)):
            (xi, yi), (xj, yj) = pts[i], pts[j]
            if (yi > py) != (yj > py) and px < (xj - xi) * (py - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
        return inside

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Table:
    width: float
    height: float
    figure_labels: dict[str, str]
    regions: dict[tuple[str, str], tuple[Region, ...]]


@cache
def table() -> Table:
    raw = json.loads(resources.files("forms").joinpath("data/body_regions.json").read_text(encoding="utf-8"))
    regions: dict[tuple[str, str], tuple[Region, ...]] = {
        (str(figure), str(view)): tuple(
            Region(r["code"], r["label"], tuple((float(x), float(y)) for x, y in r["polygon"])) for r in spec[view]
        )
        for figure, spec in raw["figures"].items()
        for view in VIEWS
    }
    labels = {figure: str(spec["label"]) for figure, spec in raw["figures"].items()}
    return Table(float(raw["width"]), float(raw["height"]), labels, regions)


def regions(figure: str, view: str) -> tuple[Region, ...]:
    """The regions of one figure's side, in lookup order (empty for an unknown figure or side)."""
    return table().regions.get((figure, view), ())


def region(figure: str, view: str, code: str) -> Region | None:
    return next((r for r in regions(figure, view) if r.code == code), None)


def region_at(figure: str, view: str, x: float, y: float) -> Region | None:
    """The region a point (fractions 0..1 of the figure) lands in, or None off the body."""
    t = table()
    px, py = x * t.width, y * t.height
    return next((r for r in regions(figure, view) if r.contains(px, py)), None)


def region_label(figure: str | None, view: str, code: str) -> str:
    """The region's words (a legacy code's words for an answer of the first body map)."""
    found = region(figure, view, code) if figure else None
    if found is not None:
        return found.label
    return LEGACY_LABELS.get(code, code.replace("_", " ").capitalize())


def place_in_region(figure: str, view: str, code: str, position: str = "centre") -> tuple[float, float] | None:
    """A point (fractions) inside the region, at ``position`` within it (``POSITIONS``): what a keyboard user's choice
    stores. The point always lands in this region by ``region_at`` (never on another region drawn over it, never at
    the figure's centre by default); None for an unknown region or position."""
    found = region(figure, view, code)
    if found is None or position not in POSITIONS:
        return None
    x0, y0, x1, y1 = found.bounds()
    if position in _FRACTIONS:
        fx, fy = _FRACTIONS[position]
    else:
        towards_left = position == "childs_left"
        # the child's left is on the viewer's right on the front, on the viewer's left on the back
        fx, fy = (0.75 if towards_left == (view == "front") else 0.25), 0.5
    target = (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))
    t = table()
    best: tuple[float, float] | None = None
    best_d = float("inf")
    steps = 24
    for i in range(steps + 1):  # the nearest grid point to the target that the lookup names as this region
        for j in range(steps + 1):
            px = x0 + (x1 - x0) * i / steps
            py = y0 + (y1 - y0) * j / steps
            d = (px - target[0]) ** 2 + (py - target[1]) ** 2
            if d < best_d and region_at(figure, view, px / t.width, py / t.height) is found:
                best, best_d = (px, py), d
    if best is None:
        return None
    return round(best[0] / t.width, 4), round(best[1] / t.height, 4)


def age_in_months(date_of_birth: dt.date, today: dt.date) -> int:
    months = (today.year - date_of_birth.year) * 12 + today.month - date_of_birth.month
    return months - (1 if today.day < date_of_birth.day else 0)


def figure_for_age(date_of_birth: dt.date | None, today: dt.date) -> Figure:
    """The infant figure for a child under two (and an unborn or new baby), the child figure otherwise; with no date
    of birth, the child figure (the user can switch)."""
    if date_of_birth is None:
        return "child"
    return "infant" if age_in_months(date_of_birth, today) < INFANT_UNDER_MONTHS else "child"


def figure_label(figure: str) -> str:
    return table().figure_labels.get(figure, "Body")
