"""Three-way, field-by-field merge: the one rule both the hub and the device apply.

An edit is a set of changed fields made on top of a base. When the other side has moved on ("theirs"), each changed
field is one of:

- untouched by them (theirs == base): the edit still applies;
- changed by them to the same value (theirs == mine): nothing left to do for that field;
- changed by them to something else: a conflict, reported with base, mine and theirs; their value stays.

"The same value" is JSON's sameness (``same_value``), not Python's ``==``: ``True`` is not ``1`` and ``False`` is
not ``0`` (a boolean is never a number), ``null`` equals only ``null``, arrays and objects compare item by item with
the same rule. Numbers compare by value, so ``1`` and ``1.0`` are the same: JSON has one number type, and parsers in
other languages (JavaScript among them) cannot tell them apart.

Pure: no I/O, imports only the protocol models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import JsonValue

from protocol._wire import FieldConflict


@dataclass(frozen=True, slots=True)
class Merge:
    """What is left of an edit after merging it onto their version."""

    apply: dict[str, JsonValue] = field(default_factory=dict)  # fields to write on top of theirs
    conflicts: tuple[FieldConflict, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


def same_value(a: object, b: object) -> bool:
    """JSON sameness: the same JSON type and the same value (see the module docstring; ``1`` is ``1.0``)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same_value, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b  # a boolean is never a number (Python's True == 1); True and False are singletons
    return a == b  # other JSON values of different types never compare equal; 1 == 1.0 as in JSON


def merge_fields(
    base: Mapping[str, JsonValue], mine: Mapping[str, JsonValue], theirs: Mapping[str, JsonValue]
) -> Merge:
    """Merge the changed fields ``mine`` (made on ``base``) onto ``theirs``. See the module docstring."""
    apply: dict[str, JsonValue] = {}
    conflicts: list[FieldConflict] = []
    for name, my_value in mine.items():
        # a field absent on one side reads as null: fields are never deleted, only emptied
        base_value = base.get(name)
        their_value = theirs.get(name)
        if same_value(my_value, base_value) or same_value(their_value, my_value):
            continue
        if same_value(their_value, base_value):
            apply[name] = my_value
        else:
            conflicts.append(FieldConflict(field=name, base=base_value, mine=my_value, theirs=their_value))
    return Merge(apply=apply, conflicts=tuple(conflicts))


__all__ = ["Merge", "merge_fields", "same_value"]
