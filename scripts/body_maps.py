"""Write the body map figures the app shows (forms/assets/body_<figure>_<view>.svg) from the region table.

    python scripts/body_maps.py

The figures are drawn from forms/data/body_regions.json by ``forms._body_figure.figure_svg``, so a tap is looked up
in exactly the shapes on the screen; tests/forms/test_body_figure.py fails when an asset is out of date.
"""

from __future__ import annotations

import forms
from forms import FIGURES, asset_name, figure_svg
from forms._body_regions import VIEWS

ASSETS = forms.ASSETS


def main() -> None:
    for figure in FIGURES:
        for view in VIEWS:
            (ASSETS / asset_name(figure, view)).write_text(figure_svg(figure, view), encoding="utf-8")


if __name__ == "__main__":
    main()
