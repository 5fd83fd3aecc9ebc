"""The figures the app shows are drawn from the region table (so a tap names what the user sees), with the child's
left and right labelled on each side."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

import forms
from forms import FIGURES, asset_name, figure_svg, regions
from forms._body_regions import VIEWS

ASSETS = forms.ASSETS
SIDES = [(f, v) for f in FIGURES for v in VIEWS]


@pytest.mark.parametrize(("figure", "view"), SIDES)
def test_the_assets_are_the_table_drawn(figure: str, view: str) -> None:
    stored = (ASSETS / asset_name(figure, view)).read_text(encoding="utf-8")
    assert stored == figure_svg(figure, view), "run: python scripts/body_maps.py"


@pytest.mark.parametrize(("figure", "view"), SIDES)
def test_each_region_is_drawn_and_named_and_the_sides_are_the_childs(figure: str, view: str) -> None:
    root = ElementTree.fromstring(figure_svg(figure, view))
    ns = {"s": "http://www.w3.org/2000/svg"}
    titles = {t.text for t in root.iterfind(".//s:path/s:title", ns)}
    assert titles == {r.label for r in regions(figure, view)}
    texts = [(t.get("x"), t.text) for t in root.iterfind(".//s:text", ns)]
    viewer_left, viewer_right = texts[0][1], texts[1][1]
    assert (viewer_left, viewer_right) == (
        ("Child's right", "Child's left") if view == "front" else ("Child's left", "Child's right")
    )


def test_marks_are_numbered_circles_and_the_name_counts_them() -> None:
    svg = figure_svg("child", "front", [(1, 0.3, 0.35), (4, 0.6, 0.6)])
    root = ElementTree.fromstring(svg)
    assert root.get("aria-label") == "Body map, child, front, 2 marks"
    assert svg.count('fill="#d4351c"') == 2
    assert ">4</text>" in svg
    assert 'cx="60" cy="140"' in svg
