"""Plain-language rendering of answers: what a manager reads in a referral summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from forms._body_map import PlacedMark
from forms._body_regions import region_label
from forms._compile import CNode
from forms._engine import Scope
from forms._identifiers import format_nhs_number
from forms._messages import NOT_KNOWN_TEXT, is_not_known
from forms._registry import compiled
from forms._spec import FormField, FormSpec, Repeat
from forms._values import BodyMap, BodyMapPosition, BodyMark

_CLIP: Final = 400


def _date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def say(field: FormField, value: Any) -> str:
    """One answer as words: labels for codes, Yes/No, dates written out, NHS numbers spaced."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.kind == "single_choice":
        return next((o.label for o in field.options if o.code == value), str(value))
    if field.kind == "multi_choice" and isinstance(value, list | tuple):
        return "; ".join(next((o.label for o in field.options if o.code == v), str(v)) for v in value)
    if isinstance(value, dt.datetime):
        return f"{value:%H:%M} on {_date(value)}"
    if isinstance(value, dt.date):
        return _date(value)
    if field.kind == "nhs_number" and isinstance(value, str):
        return format_nhs_number(value)
    if isinstance(value, BodyMapPosition):
        return f"{region_label(None, value.view, value.region) if value.region else 'A point'} ({value.view})"
    if isinstance(value, BodyMap):
        return "; ".join(f"mark {n}: {_mark(m, n).words()}" for n, m in enumerate(value.marks, start=1))
    text = " ".join(str(value).split())
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"


def _mark(m: BodyMark, n: int) -> PlacedMark:
    return PlacedMark(n, m.figure, m.view, m.x, m.y, region_label(m.figure, m.view, m.region), m.size_cm, m.shape)


def summary_lines(spec: FormSpec, answers: Mapping[str, object], today: dt.date) -> list[str]:
    """``Label: answer`` for every visible, answered field the spec marks ``summary`` (and every body map: where an
    injury is always travels with the referral); each repeat entry on one line
    (``Child 1 - name: ...; NHS number: ...``), entries of nested repeats indented under it."""
    root = Scope(compiled(spec).root, answers, None, today)
    lines: list[str] = []
    lines.extend(_own(root, root.node))
    _entries(root, root.node, "", lines)
    return lines


def _own(scope: Scope, node: CNode) -> list[str]:
    out = []
    for name, cf in node.fields.items():
        if isinstance(cf.spec, Repeat) or not (cf.spec.summary or cf.spec.kind == "body_map"):
            continue
        value = scope.get(name)
        if value is not None and value != () and value != "":
            out.append(f"{cf.spec.label}: {say(cf.spec, value)}")
        elif cf.spec.allow_not_known and is_not_known(scope.raw.get(name)) and scope.visible(name):
            out.append(f"{cf.spec.label}: {NOT_KNOWN_TEXT}")
    return out


def _entries(scope: Scope, node: CNode, indent: str, lines: list[str]) -> None:
    for name, cf in node.fields.items():
        if not isinstance(cf.spec, Repeat):
            continue
        for i, item in enumerate(scope.items(name)):
            own = _own(item, item.node)
            if own:
                lines.append(f"{indent}{cf.spec.item_label} {i + 1} - " + "; ".join(own))
            _entries(item, item.node, indent + "  ", lines)
