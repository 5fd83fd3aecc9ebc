"""One body map field being filled in: the figure and side on show, the injury's marks, and the keyboard path.

A tap adds a mark where it lands, named by the region table (``forms.region_at``); a tap off the body adds nothing
and says so. Keyboard and screen-reader users choose a body part and a position within it, which puts the mark
inside that part (``forms.place_in_region``), never at the figure's centre. The answer is always the marks shape
``{"marks": [...]}``; an answer of the first body map (one point) is shown in words until the first new mark
replaces it. The forms engine checks the marks; this class never decides what is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forms import MARK_SHAPES, POSITIONS, PlacedMark, figure_for_age, figure_label, place_in_region, region_at
from forms import region_label as _region_label
from forms import regions as _regions


def date_of_birth_path(path: str) -> str | None:
    """``children[0].injuries[1].position`` -> ``children[0].date_of_birth``: the child whose body it is."""
    m = re.match(r"^(.*\[\d+\])\.[a-z0-9_]+\[\d+\]\.[a-z0-9_]+$", path)
    return f"{m.group(1)}.date_of_birth" if m else None


def _date(raw: object) -> dt.date | None:
    if isinstance(raw, dict):
        raw = raw.get("value")
    try:
        return dt.date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        return None


def _number(text: str) -> float | str | None:
    text = text.strip().removesuffix("cm").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # kept as typed: the engine says what is wrong


@dataclass
class BodyMapField:
    """``read``/``write`` get and set the field's answer (the form session's, at the field's path)."""

    read: Callable[[], Any]
    write: Callable[[Any], None]
    figure: str = "child"
    view: str = "front"
    region: str | None = None
    position: str = "centre"
    message: str = ""
    legacy: str = ""  # the first body map's answer, in words
    _marks: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def for_answer(
        cls, read: Callable[[], Any], write: Callable[[Any], None], date_of_birth: object, today: dt.date
    ) -> BodyMapField:
        """The figure follows the child's age (or the figure the marks are already on); the user may switch."""
        state = cls(read, write, figure=figure_for_age(_date(date_of_birth), today))
        state.load()
        if state._marks and state._marks[0].get("figure") in ("infant", "child"):
            state.figure = str(state._marks[0]["figure"])
            state.view = str(state._marks[0].get("view") or "front")
        return state

    def load(self) -> None:
        value = self.read()
        self._marks, self.legacy = [], ""
        if isinstance(value, dict) and isinstance(value.get("marks"), list):
            self._marks = [dict(m) for m in value["marks"] if isinstance(m, dict)]
        elif isinstance(value, dict) and value.get("view") in ("front", "back"):
            where = _region_label(None, str(value["view"]), str(value["region"])) if value.get("region") else "a point"
            self.legacy = f"Marked on the earlier body map: {where} ({value['view']})"

    # -- what is shown --------------------------------------------------------------------------------------------
    @property
    def marks(self) -> list[dict[str, Any]]:
        return list(self._marks)

    def shown_marks(self) -> list[tuple[int, float, float]]:
        """(number, x, y) of the marks on the figure and side on show."""
        return [
            (n, float(m["x"]), float(m["y"]))
            for n, m in enumerate(self._marks, start=1)
            if m.get("figure") == self.figure and m.get("view") == self.view and _is_point(m)
        ]

    def regions(self) -> list[tuple[str, str]]:
        return [(r.code, r.label) for r in _regions(self.figure, self.view)]

    def figure_words(self) -> str:
        return f"{figure_label(self.figure)}, {self.view}"

    def describe(self, index: int) -> str:
        m = self._marks[index]
        figure, view = str(m.get("figure") or ""), str(m.get("view") or "")
        size = m.get("size_cm") if isinstance(m.get("size_cm"), int | float) else None
        shape = m.get("shape") if isinstance(m.get("shape"), str) else None
        region = _region_label(figure, view, str(m["region"])) if m.get("region") else ""
        placed = PlacedMark(index + 1, figure, view, None, None, region, size, shape)
        return f"Mark {index + 1}: {placed.words()}"

    def summary(self) -> str:
        n = len(self._marks)
        return f"{self.figure_words()} · {n} mark{'s' if n != 1 else ''}" if n else f"{self.figure_words()} · no marks"

    # -- what the user does ---------------------------------------------------------------------------------------
    def show(self, figure: str | None = None, view: str | None = None) -> None:
        """Switch the figure or side on show; a chosen body part that is not on it is cleared."""
        self.figure = figure or self.figure
        self.view = view or self.view
        if self.region not in {code for code, _ in self.regions()}:
            self.region = None

    def tap(self, x: float, y: float) -> bool:
        """A tap at (x, y), fractions of the figure: a mark where it lands, named by its region."""
        found = region_at(self.figure, self.view, x, y)
        if found is None:
            self.message = "That is off the body: tap on the figure where the injury is."
            return False
        self._add({"x": round(x, 4), "y": round(y, 4), "region": found.code})
        self.message = f"Mark {len(self._marks)} added: {found.label}."
        return True

    def place(self) -> bool:
        """The keyboard path: a mark inside the chosen body part, at the chosen position within it."""
        if self.region is None:
            self.message = "Choose the body part first."
            return False
        point = place_in_region(self.figure, self.view, self.region, self.position)
        if point is None:
            self.message = "Choose a body part from the list."
            return False
        self._add({"x": point[0], "y": point[1], "region": self.region})
        where = _region_label(self.figure, self.view, self.region)
        self.message = f"Mark {len(self._marks)} added: {where}, {POSITIONS[self.position].lower()}."
        return True

    def remove(self, index: int) -> None:
        if 0 <= index < len(self._marks):
            del self._marks[index]
            self.message = f"Mark {index + 1} removed."
            self._store()

    def set_size(self, index: int, text: str) -> None:
        self._set(index, "size_cm", _number(text))

    def set_shape(self, index: int, code: str | None) -> None:
        self._set(index, "shape", code if code in MARK_SHAPES else None)

    def _set(self, index: int, key: str, value: object) -> None:
        if 0 <= index < len(self._marks):
            if value is None:
                self._marks[index].pop(key, None)
            else:
                self._marks[index][key] = value
            self._store()

    def _add(self, point: dict[str, Any]) -> None:
        self._marks.append({"figure": self.figure, "view": self.view, **point})
        self.legacy = ""
        self._store()

    def _store(self) -> None:
        self.write({"marks": [dict(m) for m in self._marks]} if self._marks else None)


def _is_point(m: dict[str, Any]) -> bool:
    return all(isinstance(m.get(k), int | float) and not isinstance(m.get(k), bool) for k in ("x", "y"))
