"""The body map's region table, both ways: a point inside each region is named by it, a point off the body by
none; the keyboard path's positions land inside the region chosen; left and right are the child's."""

from __future__ import annotations

import datetime as dt

import pytest

from forms import FIGURES, POSITIONS, figure_for_age, place_in_region, region_at, region_label, regions
from forms._body_regions import VIEWS, region

SIDES = [(f, v) for f in FIGURES for v in VIEWS]
PAIRED = ("ear", "upper_arm", "forearm", "hand", "thigh", "lower_leg", "foot")
FRONT_ONLY = ("face", "chest", "abdomen", "genitals")
BACK_ONLY = ("upper_back", "lower_back", "buttocks")


@pytest.mark.parametrize(("figure", "view"), SIDES)
def test_every_region_is_named_and_the_table_covers_the_body(figure: str, view: str) -> None:
    codes = {r.code for r in regions(figure, view)}
    own = FRONT_ONLY if view == "front" else BACK_ONLY
    assert codes == {"head", "neck", *own, *(f"{p}_{s}" for p in PAIRED for s in ("left", "right"))}
    assert all(r.label and r.label[0].isupper() for r in regions(figure, view))


@pytest.mark.parametrize(("figure", "view"), SIDES)
@pytest.mark.parametrize("position", list(POSITIONS))
def test_a_point_placed_in_each_region_is_named_by_that_region(figure: str, view: str, position: str) -> None:
    for r in regions(figure, view):
        point = place_in_region(figure, view, r.code, position)
        assert point is not None, r.code
        found = region_at(figure, view, *point)
        assert found is not None, (r.code, position, point)
        assert found.code == r.code, (r.code, position, point)


@pytest.mark.parametrize(("figure", "view"), SIDES)
def test_positions_within_a_region_differ_and_none_is_the_figures_centre(figure: str, view: str) -> None:
    for r in regions(figure, view):
        points = {p: place_in_region(figure, view, r.code, p) for p in POSITIONS}
        assert (0.5, 0.5) not in points.values()
        upper, lower = points["upper"], points["lower"]
        assert upper is not None
        assert lower is not None
        assert upper[1] < lower[1], r.code


@pytest.mark.parametrize(("figure", "view"), SIDES)
@pytest.mark.parametrize(
    "point", [(0.02, 0.02), (0.98, 0.5), (0.02, 0.5), (0.5, 0.995), (0.5, 0.0), (0.1, 0.9), (0.9, 0.9)]
)
def test_points_off_the_body_are_in_no_region(figure: str, view: str, point: tuple[float, float]) -> None:
    assert region_at(figure, view, *point) is None


def test_the_gap_between_arm_and_body_is_off_the_body() -> None:
    assert region_at("child", "front", 61.5 / 200, 140 / 400) is None


@pytest.mark.parametrize(("figure", "view"), SIDES)
def test_left_and_right_are_the_childs(figure: str, view: str) -> None:
    """On the front the child's left arm is on the viewer's right; on the back on the viewer's left."""
    left = region(figure, view, "upper_arm_left")
    assert left is not None
    centre_x = sum(x for x, _ in left.polygon) / len(left.polygon)
    assert (centre_x > 100) == (view == "front")
    assert left.label == "Left upper arm"
    towards_left = place_in_region(figure, view, "chest" if view == "front" else "upper_back", "childs_left")
    towards_right = place_in_region(figure, view, "chest" if view == "front" else "upper_back", "childs_right")
    assert towards_left is not None
    assert towards_right is not None
    assert (towards_left[0] > towards_right[0]) == (view == "front")


def test_the_face_wins_over_the_head_and_the_buttocks_over_the_thighs() -> None:
    face = region_at("child", "front", 0.5, 50 / 400)
    top = region_at("child", "front", 0.5, 16 / 400)
    assert (face and face.code, top and top.code) == ("face", "head")
    seat = region_at("infant", "back", 70 / 200, 270 / 400)
    assert seat is not None
    assert seat.code == "buttocks"


def test_unknown_regions_positions_and_figures_give_none_not_errors() -> None:
    assert place_in_region("child", "front", "tail", "centre") is None
    assert place_in_region("child", "front", "chest", "middle") is None
    assert place_in_region("giant", "front", "chest", "centre") is None
    assert region_at("giant", "front", 0.5, 0.5) is None
    assert regions("child", "side") == ()


def test_region_words_cover_the_first_body_maps_codes() -> None:
    assert region_label("child", "back", "thigh_left") == "Left thigh"
    assert region_label(None, "front", "arm_left") == "Left arm"
    assert region_label(None, "front", "something_new") == "Something new"


@pytest.mark.parametrize(
    ("born", "figure"),
    [
        ("2026-06-01", "infant"),
        ("2024-12-02", "infant"),
        ("2024-12-01", "child"),
        ("2019-01-01", "child"),
        (None, "child"),
    ],
)
def test_the_figure_follows_the_childs_age(born: str | None, figure: str) -> None:
    today = dt.date(2026, 12, 1)
    assert figure_for_age(dt.date.fromisoformat(born) if born else None, today) == figure
