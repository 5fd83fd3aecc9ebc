"""The injuries of a form's body maps, with every mark, as plain data and words: what the referral's summary, the
app's review and receipt screens and the hub's console draw and list.

It reads raw answers (as stored), so it works on a referral from any spec version: an answer of the first body map
(one point or one region) becomes one mark with no figure (``figure is None``: drawn on the first figure); a broken
mark is skipped, never raised on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from forms import _body_regions as body
from forms._errors import FormsError
from forms._registry import load_spec
from forms._spec import FormField, FormSpec, Group, Item, Repeat
from forms._values import MARK_SHAPES


@dataclass(frozen=True)
class PlacedMark:
    number: int  # across the whole document, as drawn on the figures
    figure: str | None  # None: a mark of the first body map
    view: str
    x: float | None
    y: float | None
    region: str  # the region's words ("" when the first body map's answer had none)
    size_cm: float | None = None
    shape: str | None = None

    def words(self) -> str:
        """``Left upper arm (front), 2 cm, round``."""
        parts = [f"{self.region or 'Not named'} ({self.view})"]
        if self.size_cm is not None:
            parts.append(f"{self.size_cm:g} cm")
        if self.shape:
            parts.append(MARK_SHAPES.get(self.shape, self.shape).lower())
        return ", ".join(parts)


@dataclass(frozen=True)
class Injury:
    owner: str  # whose body: "Child 1"
    title: str  # "Injury 1"
    description: str  # "Bruise", or the words given for "Other"
    marks: tuple[PlacedMark, ...]

    def words(self) -> str:
        """``Injury 1: Bruise. Marks: 1. Left upper arm (front), 2 cm; 2. ...``."""
        marks = "; ".join(f"{m.number}. {m.words()}" for m in self.marks)
        return f"{self.title}: {self.description or 'Not described'}. Marks: {marks or 'none'}"


def _number(raw: object) -> float | None:
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def raw_marks(value: object) -> list[dict[str, Any]]:
    """A body map answer (either shape) as a list of mark dicts; anything unreadable is left out."""
    if not isinstance(value, Mapping):
        return []
    if "marks" in value:
        marks = value.get("marks")
        return [dict(m) for m in marks if isinstance(m, Mapping)] if isinstance(marks, list | tuple) else []
    return [{**value, "figure": None}]


def placed_mark(raw: Mapping[str, Any], number: int) -> PlacedMark | None:
    """One mark dict (either shape) as a ``PlacedMark``, or None when it names no side of the body."""
    view = raw.get("view")
    if view not in body.VIEWS:
        return None
    x, y = _number(raw.get("x")), _number(raw.get("y"))
    if x is None or y is None or not (0 <= x <= 1 and 0 <= y <= 1):
        x = y = None
    figure = raw.get("figure") if raw.get("figure") in body.FIGURES else None
    code = raw.get("region")
    region = body.region_label(figure, str(view), code) if isinstance(code, str) and code else ""
    shape = raw.get("shape")
    return PlacedMark(
        number, figure, str(view), x, y, region, _number(raw.get("size_cm")), shape if isinstance(shape, str) else None
    )


def _describe(items: tuple[Item, ...], entry: Mapping[str, Any]) -> str:
    words = []
    for f in items:
        if not isinstance(f, FormField) or f.kind not in ("single_choice", "short_text"):
            continue
        value = entry.get(f.id)
        if f.kind == "single_choice" and f.summary and isinstance(value, str):
            label = next((o.label for o in f.options if o.code == value), value)
            if value != "other":
                words.append(label)
        elif f.id.endswith("_other") and isinstance(value, str) and value.strip():
            words.append(" ".join(value.split())[:200])
    return "; ".join(words)


def injuries(spec: FormSpec, answers: Mapping[str, Any]) -> list[Injury]:
    """Every entry of a ``presentation: body_map`` repeat, with its marks numbered across the document."""
    out: list[Injury] = []
    counter = [0]
    for owner, repeat, n, entry in _entries(spec.items, answers, ""):
        marks = []
        for f in repeat.items:
            if isinstance(f, FormField) and f.kind == "body_map":
                for raw in raw_marks(entry.get(f.id)):
                    placed = placed_mark(raw, counter[0] + 1)
                    if placed is not None:
                        counter[0] += 1
                        marks.append(placed)
        out.append(
            Injury(owner or "The child", f"{repeat.item_label} {n}", _describe(repeat.items, entry), tuple(marks))
        )
    return out


def _entries(
    items: tuple[Item, ...], answers: Mapping[str, Any], owner: str
) -> Iterator[tuple[str, Repeat, int, Mapping[str, Any]]]:
    for item in items:
        if isinstance(item, Group):
            yield from _entries(item.items, answers, owner)
        elif isinstance(item, Repeat):
            entries = answers.get(item.id)
            for n, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
                if not isinstance(entry, Mapping):
                    continue
                if item.presentation == "body_map":
                    yield owner, item, n, entry
                else:
                    yield from _entries(item.items, entry, f"{item.item_label} {n}")


def injury_lines(spec: FormSpec, answers: Mapping[str, Any]) -> list[str]:
    """The injuries by region in words, one line each: ``Child 1, Injury 1: Bruise. Marks: 1. Left upper arm ...``."""
    return [f"{i.owner}, {i.words()}" for i in injuries(spec, answers)]


def referral_injuries(document: object) -> list[Injury]:
    """The injuries of every form in a referral's ``document`` (as stored), marks numbered across the forms; a form
    whose spec is unknown here is left out."""
    out: list[Injury] = []
    forms = document.get("forms") if isinstance(document, Mapping) else None
    for form in forms if isinstance(forms, list) else []:
        if not isinstance(form, Mapping) or not isinstance(form.get("answers"), Mapping):
            continue
        try:
            spec = load_spec(str(form.get("form_id")), int(form.get("form_version") or 1))
        except (FormsError, ValueError, TypeError):
            continue
        offset = sum(len(i.marks) for i in out)
        for injury in injuries(spec, form["answers"]):
            marks = tuple(replace(m, number=m.number + offset) for m in injury.marks)
            out.append(replace(injury, marks=marks))
    return out
