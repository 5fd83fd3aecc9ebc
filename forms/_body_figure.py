"""The body map figures drawn from the region table itself, so what a user sees is exactly what a tap is looked up in.

``figure_svg`` is pure text: the app shows its output as ``forms/assets/body_<figure>_<view>.svg`` (written by
``scripts/body_maps.py``, checked by a test), and the hub's console draws it with the numbered marks of a referral.
Nothing taken from a record reaches the markup but numbers: labels come from the table and are escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Final

from forms import _body_regions as body

_FILL: Final = "#eef1f7"
_LINE: Final = "#4a5568"
_MARK: Final = "#d4351c"


def _path(region: body.Region) -> str:
    points = " L".join(f"{x:g} {y:g}" for x, y in region.polygon)
    return f'<path d="M{points} Z"><title>{escape(region.label)}</title></path>'


def figure_svg(figure: str, view: str, marks: Sequence[tuple[int, float, float]] = (), label: str = "") -> str:
    """The figure's side as an SVG document; ``marks`` are (number, x, y) with x, y as fractions (0..1)."""
    t = body.table()
    w, h = f"{t.width:g}", f"{t.height:g}"
    name = label or f"Body map, {body.figure_label(figure).lower()}, {view}"
    if marks:
        name += f", {len(marks)} mark{'s' if len(marks) != 1 else ''}"
    near, far = ("right", "left") if view == "front" else ("left", "right")  # the side drawn on the viewer's left
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-label="{escape(name)}">',
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
        f'<g fill="{_FILL}" stroke="{_LINE}" stroke-width="1.5" stroke-linejoin="round">',
        # drawn last-first, so a region that wins the lookup (the face over the head) is drawn on top
        *(_path(r) for r in reversed(body.regions(figure, view))),
        "</g>",
    ]
    face = body.region(figure, view, "face")
    if face is not None:
        x0, y0, x1, y1 = face.bounds()
        cx, eye_y, mouth_y, r = (x0 + x1) / 2, y0 + (y1 - y0) * 0.4, y0 + (y1 - y0) * 0.72, (x1 - x0) * 0.06
        gap, smile = (x1 - x0) * 0.22, (x1 - x0) * 0.18
        parts += [
            f'<circle cx="{cx - gap:g}" cy="{eye_y:g}" r="{r:.1f}" fill="#9aa3b5"/>',
            f'<circle cx="{cx + gap:g}" cy="{eye_y:g}" r="{r:.1f}" fill="#9aa3b5"/>',
            f'<path d="M{cx - smile:g} {mouth_y:g} Q{cx:g} {mouth_y + 4:g} {cx + smile:g} {mouth_y:g}" '
            'stroke="#9aa3b5" stroke-width="1.5" fill="none"/>',
        ]
    text = f'font-family="sans-serif" fill="{_LINE}"'
    parts += [
        f'<text x="6" y="12" {text} text-anchor="start">Child\'s {near}</text>',
        f'<text x="{t.width - 6:g}" y="12" {text} text-anchor="end">Child\'s {far}</text>',
        f'<text x="{t.width / 2:g}" y="{t.height - 6:g}" {text} text-anchor="middle" font-size="12">'
        f"{escape(body.figure_label(figure))}, {'front' if view == 'front' else 'back'}</text>",
    ]
    for number, x, y in marks:
        cx, cy = round(float(x) * t.width, 1), round(float(y) * t.height, 1)
        parts.append(f'<circle cx="{cx:g}" cy="{cy:g}" r="8" fill="{_MARK}" stroke="#ffffff" stroke-width="2"/>')
        parts.append(
            f'<text x="{cx:g}" y="{cy + 3.5:g}" font-family="sans-serif" font-size="10" font-weight="700" '
            f'text-anchor="middle" fill="#ffffff">{int(number)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def asset_name(figure: str, view: str) -> str:
    """The file the app shows a figure's side from (in ``forms/assets/``)."""
    return f"body_{figure}_{view}.svg"
