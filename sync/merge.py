"""Three-way, field-by-field merge: the one rule both the hub and the device apply.

An edit is a set of changed fields made on top of a base. When the other side has moved on ("theirs"), each changed
field is one of:

- untouched by them (theirs == base): the edit still applies;
- changed by them to the same value (theirs == mine): nothing left to do for that field;
- changed by them to something else: a conflict, reported with base, mine and theirs; their value stays.

Pure: no I/O, imports only the protocol models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import JsonValue

from sync.protocol import FieldConflict

_MISSING: JsonValue = None  # a field absent on one side reads as null: fields are never deleted, only emptied


@dataclass(frozen=True, slots=True)
class Merge:
    """What is left of an edit after merging it onto their version."""

    apply: dict[str, JsonValue] = field(default_factory=dict)  # fields to write on top of theirs
    conflicts: tuple[FieldConflict, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_fields(
    base: Mapping[str, JsonValue], mine: Mapping[str, JsonValue], theirs: Mapping[str, JsonValue]
) -> Merge:
    """Merge the changed fields ``mine`` (made on ``base``) onto ``theirs``. See the module docstring."""
    apply: dict[str, JsonValue] = {}
    conflicts: list[FieldConflict] = []
    for name, my_value in mine.items():
        base_value = base.get(name, _MISSING)
        their_value = theirs.get(name, _MISSING)
        if my_value == base_value or their_value == my_value:
            continue
        if their_value == base_value:
            apply[name] = my_value
        else:
            conflicts.append(FieldConflict(field=name, base=base_value, mine=my_value, theirs=their_value))
    return Merge(apply=apply, conflicts=tuple(conflicts))


__all__ = ["Merge", "merge_fields"]
