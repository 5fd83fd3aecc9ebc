"""Look up spec items by path: labels for issue lists, and the item tree the renderer walks."""

from __future__ import annotations

import re

from forms import FormField, FormSpec, Group, Repeat

Item = FormField | Group | Repeat


_CACHE: dict[tuple[str, int], dict[str, str]] = {}


def _labels(spec: FormSpec) -> dict[str, str]:
    key = (spec.id, spec.version)
    if key in _CACHE:
        return _CACHE[key]
    out: dict[str, str] = {}

    def walk(items: tuple[Item, ...]) -> None:
        for it in items:
            out[it.id] = it.label
            if isinstance(it, Group | Repeat):
                walk(it.items)

    walk(spec.items)
    _CACHE[key] = out
    return out


def label_for(spec: FormSpec, path: str) -> str:
    if not path:
        return "Form"
    last = path.rsplit(".", 1)[-1]
    name = re.sub(r"\[\d+\]$", "", last)
    label = _labels(spec).get(name, name)
    numbers = re.findall(r"\[(\d+)\]", path)
    if numbers:
        label += " (" + ", ".join(f"item {int(n) + 1}" for n in numbers) + ")"
    return label
