"""Look up spec items by path: labels for issue lists, and the item tree the renderer walks."""

from __future__ import annotations

import re
from functools import lru_cache

from forms._spec import FormField, FormSpec, Group, Repeat

Item = FormField | Group | Repeat


@lru_cache(maxsize=64)
def _labels(spec: FormSpec) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(items: tuple[Item, ...]) -> None:
        for it in items:
            out[it.id] = it.label
            if isinstance(it, Group | Repeat):
                walk(it.items)

    walk(spec.items)
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
