"""Drafts and their migration to a newer version of a spec.

A draft carries the form id, version and spec hash it was written against. When the spec changes, ``migrate_draft``
keeps every answer that still fits and *sets aside* (with the old value and a reason) every answer that does not:
a question removed, a choice no longer offered, a kind changed. Nothing is silently dropped: set-aside answers stay
on the draft until the user has looked at them (``Draft.set_aside``). An answer that was already invalid (half-typed)
is kept as it is; the form shows it with its inline error as before.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from forms._compile import CNode
from forms._errors import DraftMismatch, UnknownForm
from forms._expr import answered
from forms._registry import compiled, load_spec, spec_hash, spec_hash_matches
from forms._spec import FormField, FormSpec, Repeat

FlagCode = Literal["field_removed", "no_longer_valid", "too_many_items", "not_answerable"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlaggedAnswer(_Model):
    """An answer that does not fit the new spec, kept with the reason, for the user to re-enter or discard."""

    path: str
    value: JsonValue
    code: FlagCode
    message: str


class Draft(_Model):
    """Answers in progress for one form, as saved on the device."""

    form_id: str
    form_version: int = Field(ge=1)
    spec_hash: str
    answers: dict[str, JsonValue] = Field(default_factory=dict)
    overrides: dict[str, str] = Field(default_factory=dict)
    set_aside: tuple[FlaggedAnswer, ...] = ()


class DraftMigration(_Model):
    """The result of migrating: the new draft, the paths kept, and the answers set aside (also on the new draft)."""

    draft: Draft
    kept: tuple[str, ...]
    flagged: tuple[FlaggedAnswer, ...]
    changed: bool


def new_draft(spec: FormSpec, answers: Mapping[str, Any] | None = None) -> Draft:
    """A draft of ``spec`` (answers usually from ``initial_answers``)."""
    return Draft(form_id=spec.id, form_version=spec.version, spec_hash=spec_hash(spec), answers=dict(answers or {}))


def migrate_draft(draft: Draft, spec: FormSpec, *, old_spec: FormSpec | None = None) -> DraftMigration:
    """Move ``draft`` onto ``spec`` (same form, any version). ``old_spec`` defaults to the bundled spec the draft
    names, if its hash matches; it tells a freshly broken answer from one that was never valid."""
    if draft.form_id != spec.id:
        raise DraftMismatch(f"a draft of {draft.form_id!r} cannot become {spec.id!r}")
    new_hash = spec_hash(spec)
    if draft.form_version == spec.version and draft.spec_hash == new_hash:
        kept = tuple(_paths(draft.answers, ""))
        return DraftMigration(draft=draft, kept=kept, flagged=(), changed=False)
    old_node = _old_node(draft, old_spec)
    walk = _Migrate()
    answers = walk.scope(compiled(spec).root, old_node, draft.answers, "")
    migrated = Draft(
        form_id=spec.id,
        form_version=spec.version,
        spec_hash=new_hash,
        answers=answers,
        overrides=dict(draft.overrides),
        set_aside=(*draft.set_aside, *walk.flagged),
    )
    return DraftMigration(draft=migrated, kept=tuple(walk.kept), flagged=tuple(walk.flagged), changed=True)


def _old_node(draft: Draft, old_spec: FormSpec | None) -> CNode | None:
    if old_spec is None:
        try:
            old_spec = load_spec(draft.form_id, draft.form_version)
        except UnknownForm:
            return None
    if not spec_hash_matches(old_spec, draft.spec_hash):
        return None
    return compiled(old_spec).root


def _paths(answers: Mapping[str, Any], prefix: str) -> list[str]:
    out: list[str] = []
    for key, value in answers.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for i, item in enumerate(value):
                out.extend(_paths(item, f"{prefix}{key}[{i}]."))
        elif answered(value):
            out.append(prefix + key)
    return out


class _Migrate:
    def __init__(self) -> None:
        self.kept: list[str] = []
        self.flagged: list[FlaggedAnswer] = []

    def flag(self, path: str, value: Any, code: FlagCode, message: str) -> None:
        self.flagged.append(FlaggedAnswer(path=path, value=value, code=code, message=message))

    def scope(self, node: CNode, old: CNode | None, answers: Mapping[str, Any], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        moved = _moved_into(node)
        for key, value in answers.items():
            path = prefix + key
            cf = node.fields.get(key)
            if not answered(value):
                continue  # an empty answer carries nothing to keep
            if cf is None:
                into = moved.get(key)
                if into is None:
                    self.flag(path, value, "field_removed", "This question is no longer on the form.")
                elif not _has_items(answers.get(into[0])):
                    repeat = node.fields[into[0]].spec
                    label = repeat.item_label.lower() if isinstance(repeat, Repeat) else "entry"
                    self.flag(path, value, "field_removed", f"This question is now asked for each {label}.")
                continue  # otherwise it is carried into each item (below)
            old_cf = old.fields.get(key) if old is not None else None
            if isinstance(cf.spec, Repeat):
                carried = {
                    field: answers[was]
                    for was, (repeat, field) in moved.items()
                    if repeat == key and answered(answers.get(was))
                }
                out[key] = self.repeat(
                    cf.spec, cf.node, old_cf.node if old_cf is not None else None, value, path, carried
                )
                continue
            assert isinstance(cf.spec, FormField)
            assert cf.checker is not None
            if cf.kind == "display":
                self.flag(path, value, "not_answerable", "This question is now text to read.")
                continue
            _, problem = cf.checker(cf.spec, value)
            if problem is None:
                out[key] = value
                self.kept.append(path)
                continue
            was_valid = True
            if old_cf is not None and isinstance(old_cf.spec, FormField) and old_cf.checker is not None:
                was_valid = old_cf.checker(old_cf.spec, value)[1] is None
            if was_valid:
                self.flag(path, value, "no_longer_valid", f"The question has changed: {problem[1]}")
            else:
                out[key] = value  # it never fitted: the user is still typing it
                self.kept.append(path)
        return out

    def repeat(
        self,
        spec: Repeat,
        node: CNode | None,
        old: CNode | None,
        value: Any,
        path: str,
        carried: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]] | Any:
        if node is None or not isinstance(value, list):
            self.flag(path, value, "no_longer_valid", "This section has changed shape.")
            return []
        items: list[dict[str, Any]] = []
        for i, item in enumerate(value):
            item_path = f"{path}[{i}]"
            if i >= spec.max:
                self.flag(item_path, item, "too_many_items", f"The form now takes at most {spec.max}.")
            elif not isinstance(item, Mapping):
                self.flag(item_path, item, "no_longer_valid", "This entry could not be read.")
            else:
                # An answer the earlier version gave once, one level up, is each item's own unless it has one.
                unanswered = {k: copy.deepcopy(v) for k, v in (carried or {}).items() if not answered(item.get(k))}
                items.append(self.scope(node, old, {**item, **unanswered}, item_path + "."))
        return items


def _moved_into(node: CNode) -> dict[str, tuple[str, str]]:
    """The questions this scope's repeats took over from it (``FormField.moved_from``): the id they had here, to
    the repeat and the item's question that now holds them."""
    moved: dict[str, tuple[str, str]] = {}
    for repeat, cf in node.fields.items():
        if cf.node is None:
            continue
        for field, item_cf in cf.node.fields.items():
            was = getattr(item_cf.spec, "moved_from", None)
            if was is not None and was not in node.fields:
                moved[was] = (repeat, field)
    return moved


def _has_items(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(item, Mapping) for item in value)
