"""Reading and writing nested form answers by path (``children[0].injuries[1].position``). Pure functions."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([a-z][a-z0-9_]*)(?:\[(\d+)\])?")


def parse_path(path: str) -> list[str | int]:
    """``a[0].b`` -> ``["a", 0, "b"]``."""
    out: list[str | int] = []
    for part in path.split("."):
        m = _TOKEN.fullmatch(part)
        if m is None:
            raise ValueError(f"bad path {path!r}")
        out.append(m.group(1))
        if m.group(2) is not None:
            out.append(int(m.group(2)))
    return out


def get_at(answers: dict[str, Any], path: str) -> Any:
    node: Any = answers
    for key in parse_path(path):
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                return None
            node = node[key]
        else:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
    return node


def set_at(answers: dict[str, Any], path: str, value: Any) -> None:
    """Set a value, creating dicts and lists on the way. ``None`` removes the answer."""
    keys = parse_path(path)
    node: Any = answers
    for i, key in enumerate(keys[:-1]):
        nxt = keys[i + 1]
        if isinstance(key, int):
            while len(node) <= key:
                node.append({})
            node = node[key]
        else:
            if key not in node or not isinstance(node[key], list | dict):
                node[key] = [] if isinstance(nxt, int) else {}
            node = node[key]
    last = keys[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append({})
        node[last] = value
    elif value is None:
        node.pop(last, None)
    else:
        node[last] = value
