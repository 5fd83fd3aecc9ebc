"""The body map control (for the form renderer) and the body map pictures (for the review and receipt screens).

The control: figure (baby or child) and side, the figure to tap, a body part list and a position in it for keyboard
and screen-reader users, and the marks with their size and shape. Identifiers for tests: ``bodymap-<path>`` (the
figure), ``bodymap-msg-<path>`` (what the last action did), ``bodymap-marks-<path>`` (the marks list).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from fieldapp.state.body_map import BodyMapField, date_of_birth_path
from forms import FIGURES, MARK_SHAPES, POSITIONS, Injury, asset_name, england_today, figure_label

SCALE = 0.9
MAP_W, MAP_H = 200 * SCALE, 400 * SCALE
DOT = 18
Act = Callable[[Callable[..., Any]], Callable[..., Any]]


def _marker(number: int, x: float, y: float, width: float, height: float) -> ft.Control:
    return ft.Container(
        ft.Text(str(number), size=10, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE),
        width=DOT,
        height=DOT,
        left=x * width - DOT / 2,
        top=y * height - DOT / 2,
        border_radius=DOT / 2,
        bgcolor=ft.Colors.RED_700,
        border=ft.Border.all(2, ft.Colors.WHITE),
        alignment=ft.Alignment.CENTER,
    )


def figure_with_marks(
    src: str, marks: Sequence[tuple[int, float, float]], width: float = MAP_W, height: float = MAP_H
) -> ft.Stack:
    """The figure, and over it a layer of numbered marks (``controls[1]``: redrawn alone, the image untouched)."""
    image = ft.Image(src=src, width=width, height=height)
    layer = ft.Stack([_marker(n, x, y, width, height) for n, x, y in marks], width=width, height=height)
    return ft.Stack([image, layer], width=width, height=height)


def _radios(value: str | None, options: Sequence[tuple[str, str]], wrap: bool = False) -> ft.RadioGroup:
    radios: list[ft.Control] = [ft.Radio(value=code, label=label) for code, label in options]
    content: ft.Control = ft.Row(radios, wrap=True, spacing=4, run_spacing=0) if wrap else ft.Row(radios)
    return ft.RadioGroup(value=value, content=content)


def body_map_control(session: Any, act: Act, changed: Callable[[str, Any], None], label: str, path: str) -> ft.Control:
    """``session`` is the form session (``get``); ``changed(path, value)`` stores an answer and re-evaluates."""
    dob_path = date_of_birth_path(path)
    state = BodyMapField.for_answer(
        lambda: session.get(path),
        lambda value: changed(path, value),
        session.get(dob_path) if dob_path else None,
        england_today(),
    )
    stack = figure_with_marks(asset_name(state.figure, state.view), state.shown_marks())
    message = ft.Text("", size=13)
    summary = ft.Text("", size=12)
    legacy = ft.Text("", size=12, italic=True)
    marks_box = ft.Column(spacing=6)
    figures = _radios(state.figure, [(f, figure_label(f)) for f in FIGURES])
    views = _radios(state.view, [("front", "Front"), ("back", "Back")])
    region = _radios(state.region, state.regions(), wrap=True)
    position = _radios(state.position, list(POSITIONS.items()), wrap=True)

    def redraw() -> None:
        # only the marks' layer is redrawn; the image's source changes with the figure or side, nothing else
        image, layer = stack.controls
        src = asset_name(state.figure, state.view)
        if isinstance(image, ft.Image) and image.src != src:
            image.src = src
        if isinstance(layer, ft.Stack):
            layer.controls = [_marker(n, x, y, MAP_W, MAP_H) for n, x, y in state.shown_marks()]
        message.value = state.message
        summary.value = state.summary()
        legacy.value = state.legacy
        legacy.visible = bool(state.legacy)
        marks_box.controls = [_mark_row(i) for i in range(len(state.marks))]

    def _mark_row(i: int) -> ft.Control:
        mark = state.marks[i]
        raw_size = mark.get("size_cm")
        words = ft.Text(state.describe(i))
        size = ft.TextField(
            label=f"Size of mark {i + 1} (cm)",
            value="" if raw_size is None else f"{raw_size:g}" if isinstance(raw_size, int | float) else str(raw_size),
            width=180,
            dense=True,
            keyboard_type=ft.KeyboardType.NUMBER,
        )
        shape = ft.Dropdown(
            label=f"Shape of mark {i + 1}",
            value=mark.get("shape"),
            width=300,
            dense=True,
            options=[ft.DropdownOption(key=k, text=v) for k, v in MARK_SHAPES.items()],
        )

        def on_size(e: ft.ControlEvent) -> None:
            state.set_size(i, size.value or "")
            _words(i, words)

        def on_shape(e: ft.ControlEvent) -> None:
            state.set_shape(i, shape.value)
            _words(i, words)

        def on_remove(e: ft.ControlEvent) -> None:
            state.remove(i)
            redraw()

        size.on_change = act(on_size)
        shape.on_select = act(on_shape)
        remove = ft.TextButton(f"Remove mark {i + 1}", icon=ft.Icons.DELETE_OUTLINE, on_click=act(on_remove))
        named_shape = ft.Semantics(label=f"Shape of mark {i + 1}", container=True, content=shape)
        return ft.Column([words, ft.Row([size, named_shape, remove], wrap=True)], spacing=2)

    def _words(i: int, words: ft.Text) -> None:
        if i < len(state.marks):
            words.value = state.describe(i)
        summary.value = state.summary()

    def on_figure(e: ft.ControlEvent) -> None:
        state.show(figure=figures.value)
        region.content = _radios(state.region, state.regions(), wrap=True).content
        redraw()

    def on_view(e: ft.ControlEvent) -> None:
        state.show(view=views.value)
        region.value = state.region
        region.content = _radios(state.region, state.regions(), wrap=True).content
        redraw()

    def on_tap(e: ft.TapEvent[ft.GestureDetector]) -> None:
        if e.local_position is None:
            return
        state.tap(min(max(e.local_position.x / MAP_W, 0.0), 1.0), min(max(e.local_position.y / MAP_H, 0.0), 1.0))
        redraw()

    def on_region(e: ft.ControlEvent) -> None:
        state.region = region.value

    def on_position(e: ft.ControlEvent) -> None:
        state.position = position.value or "centre"

    def on_place(e: ft.ControlEvent) -> None:
        state.place()
        redraw()

    figures.on_change = act(on_figure)
    views.on_change = act(on_view)
    region.on_change = act(on_region)
    position.on_change = act(on_position)
    tappable = ft.Semantics(
        identifier=f"bodymap-{path}",
        label=f"{label}: tap the figure where the injury is. The child's right is on your left on the front.",
        content=ft.Container(
            ft.GestureDetector(content=stack, on_tap_down=act(on_tap), mouse_cursor=ft.MouseCursor.PRECISE),
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        ),
    )
    redraw()
    keyboard = ft.Column(
        [
            ft.Text("Or choose the body part and where on it", weight=ft.FontWeight.BOLD),
            ft.Semantics(label="Body part", container=True, content=region),
            ft.Semantics(label="Where on the body part", container=True, content=position),
            ft.Button("Add mark on this body part", icon=ft.Icons.ADD_LOCATION_ALT_OUTLINED, on_click=act(on_place)),
        ],
        spacing=4,
    )
    return ft.Column(
        [
            ft.Text(label),
            ft.Semantics(label="Figure", container=True, content=figures),
            ft.Semantics(label="Side of the body", container=True, content=views),
            # the figure beside the body part list; not a wrapping row: an expanded child cannot wrap
            ft.Row([tappable, ft.Container(keyboard, expand=True)], vertical_alignment=ft.CrossAxisAlignment.START),
            summary,
            ft.Semantics(identifier=f"bodymap-msg-{path}", live_region=True, content=message),
            legacy,
            ft.Semantics(identifier=f"bodymap-marks-{path}", container=True, content=marks_box),
        ],
        spacing=6,
    )


def injury_pictures(injuries: Sequence[Injury], width: float = 160) -> list[ft.Control]:
    """Each child's figures that carry marks (numbered as in the words below them), then the injuries in words."""
    if not injuries:
        return []
    height = width * 2
    pictures: list[ft.Control] = []
    owners = list(dict.fromkeys(i.owner for i in injuries))
    for owner in owners:
        marks = [m for i in injuries if i.owner == owner for m in i.marks]
        sides = list(dict.fromkeys((m.figure, m.view) for m in marks))
        for figure, view in sides:
            points = [(m.number, m.x, m.y) for m in marks if (m.figure, m.view) == (figure, view)]
            drawn = [(n, x, y) for n, x, y in points if x is not None and y is not None]
            src = asset_name(figure, view) if figure else f"body_{view}.svg"
            caption = f"{owner}: {figure_label(figure).lower() if figure else 'body'}, {view}"
            pictures.append(
                ft.Semantics(
                    label=f"Body map, {caption}, {len(points)} mark{'s' if len(points) != 1 else ''}",
                    image=True,
                    content=ft.Column([figure_with_marks(src, drawn, width, height), ft.Text(caption, size=12)]),
                )
            )
    lines: list[ft.Control] = [ft.Text(f"{i.owner}, {i.words()}") for i in injuries]
    return [
        ft.Text("Body map", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Row(pictures, wrap=True, spacing=12),
        ft.Column(lines, spacing=2),
    ]
