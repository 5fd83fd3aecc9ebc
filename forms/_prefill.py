"""Starting answers for a new form: defaults, prefill from the case record and the info request, the minimum number
of repeat entries, and one entry per listed thing for a prefilled repeat (one answer per question asked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms._compile import CNode
from forms._registry import compiled
from forms._spec import FormSpec, Repeat
from forms._writer import WRITER_ANSWERS


def initial_answers(
    spec: FormSpec,
    *,
    case: Mapping[str, object] | None = None,
    request: Mapping[str, object] | None = None,
    writer: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """A new form's starting answers: defaults, prefill from the case record and the info request, the writer's own
    details (``writer``: display_name, ods_code, registration of the enrolled user) in the answers of
    ``WRITER_ANSWERS``, and the minimum number of repeat items (the first item of a repeat takes the prefill, e.g. the
    case's child in ``children``)."""
    sources = {"case": case or {}, "request": request or {}}
    return _initial(compiled(spec).root, sources, first=True, writer=writer or {})


def _raw(sources: Mapping[str, object], dotted: str) -> object:
    root, *parts = dotted.split(".")
    value: object = sources.get(root, {})
    for part in parts:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _lookup(sources: Mapping[str, object], dotted: str) -> object:
    value = _raw(sources, dotted)
    if isinstance(value, list):  # a list shown in one read-only field: one line per entry
        return "\n".join(
            ", ".join(f"{v}" for v in item.values() if v not in (None, "")) if isinstance(item, Mapping) else str(item)
            for item in value
        )
    return value


def _initial(
    node: CNode, sources: Mapping[str, object], *, first: bool, writer: Mapping[str, str | None]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, cf in node.fields.items():
        spec = cf.spec
        if isinstance(spec, Repeat):
            assert cf.node is not None
            item_node = cf.node
            if spec.prefill is not None:
                entries = _raw(sources, spec.prefill)
                if isinstance(entries, list) and entries:
                    out[name] = [
                        _initial(item_node, {**sources, "item": entry}, first=True, writer=writer)
                        for entry in entries[: spec.max]
                    ]
                continue
            count = spec.min if spec.show_if is None and spec.required_if is None else 0
            if count:
                out[name] = [_initial(item_node, sources, first=first and i == 0, writer=writer) for i in range(count)]
            continue
        value = _lookup(sources, spec.prefill) if spec.prefill and first else None
        if (value is None or value == "") and name in WRITER_ANSWERS:
            value = writer.get(WRITER_ANSWERS[name])
        if value is None or value == "":
            value = spec.default
        if value is not None:
            out[name] = value
    return out
