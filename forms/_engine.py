"""Evaluating answers against a compiled spec: visibility, requirement, values, issues; and the clean answers.

One pass over the answers builds a tree of ``Scope`` objects (the form, each repeat item). Values and visibility are
computed lazily and memoised per pass, so logic may refer to fields in any order; a guard turns a run-time cycle
(impossible after compilation, kept as a belt) into "unanswered" instead of a crash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forms._checkers import Checked, to_json
from forms._compile import CField, CNode, CompiledSpec
from forms._expr import answered, truthy
from forms._follow_up import check as check_follow_up
from forms._issues import IssueCode, ValidationIssue, error
from forms._messages import is_not_known, required_message
from forms._prefill import initial_answers as initial_answers  # re-exported: fieldapp imports it from here
from forms._registry import compiled
from forms._spec import FormField, FormSpec, Repeat

_MISSING: Final = object()
_MAX_UNKNOWN_REPORTED: Final = 20  # a flood of junk keys gets a bounded answer


class Scope:
    """The answers of one level (the form or one repeat item), with memoised visibility and values."""

    __slots__ = ("_busy", "_checked", "_items", "_vals", "_vis", "node", "parent", "raw", "today")

    def __init__(self, node: CNode, raw: object, parent: Scope | None, today: dt.date) -> None:
        self.node = node
        self.raw: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        self.parent = parent
        self.today = today
        self._vis: dict[str, bool] = {}
        self._vals: dict[str, Any] = {}
        self._checked: dict[str, Checked] = {}
        self._items: dict[str, list[Scope]] = {}
        self._busy: set[str] = set()

    def visible(self, name: str) -> bool:
        hit = self._vis.get(name)
        if hit is not None:
            return hit
        key = "v:" + name
        if key in self._busy:
            return False
        self._busy.add(key)
        try:
            result = all(truthy(fn(self)) for fn in self.node.fields[name].show)
        finally:
            self._busy.discard(key)
        self._vis[name] = result
        return result

    def checked(self, name: str) -> Checked:
        """The answer as given, checked: (value, None) or (None, (code, message)); unanswered is (None, None)."""
        hit = self._checked.get(name)
        if hit is not None:
            return hit
        cf = self.node.fields[name]
        raw = self.raw.get(name)
        if not answered(raw) or cf.checker is None or not isinstance(cf.spec, FormField):
            result: Checked = (None, None)
        elif cf.spec.allow_not_known and is_not_known(raw):
            result = (None, None)  # "Not known", given explicitly: no value for logic, but the question is answered
        else:
            result = cf.checker(cf.spec, raw)
        self._checked[name] = result
        return result

    def get(self, name: str) -> Any:
        """The value logic sees: None when hidden, unanswered or invalid; calculated fields computed."""
        value = self._vals.get(name, _MISSING)
        if value is not _MISSING:
            return value
        cf = self.node.fields[name]
        key = "g:" + name
        if key in self._busy:
            return None
        self._busy.add(key)
        try:
            if not self.visible(name):
                value = None
            elif cf.calculate is not None:
                value = cf.calculate(self)
            else:
                value = self.checked(name)[0]
        finally:
            self._busy.discard(key)
        self._vals[name] = value
        return value

    def items(self, name: str) -> Sequence[Scope]:
        """The item scopes of a repeat (empty when hidden or unanswered)."""
        hit = self._items.get(name)
        if hit is not None:
            return hit
        cf = self.node.fields[name]
        raw = self.raw.get(name)
        result: list[Scope] = []
        if cf.node is not None and isinstance(raw, list | tuple) and self.visible(name):
            result = [Scope(cf.node, item, self, self.today) for item in raw]
        self._items[name] = result
        return result

    def find_repeat(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None and name not in scope.node.fields:
            scope = scope.parent
        return scope


@dataclass(frozen=True, slots=True)
class FieldState:
    """What the renderer needs for one field (or repeat, or group) at one concrete path."""

    path: str
    kind: str  # a field kind, "repeat" or "group"
    visible: bool
    required: bool = False
    read_only: bool = False
    value: Any = None  # the checked value (dates as dates, choices as codes); a repeat's item count
    issues: tuple[ValidationIssue, ...] = ()


@dataclass(frozen=True)
class FormState:
    """The result of evaluating answers: per-path field states, calculated values and every current issue."""

    fields: Mapping[str, FieldState]
    calculated: Mapping[str, Any]
    issues: tuple[ValidationIssue, ...]

    @property
    def errors(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    def issues_at(self, path: str) -> tuple[ValidationIssue, ...]:
        state = self.fields.get(path)
        return state.issues if state is not None else tuple(i for i in self.issues if i.path == path)


@dataclass
class _Walk:
    strict: bool  # the hub's view: answers to hidden or calculated fields must match what the device should send
    fields: dict[str, FieldState] = field(default_factory=dict)
    calculated: dict[str, Any] = field(default_factory=dict)
    issues: list[ValidationIssue] = field(default_factory=list)

    def scope(self, scope: Scope, prefix: str) -> None:
        node = scope.node
        unknown = [k for k in scope.raw if k not in node.fields]
        for key in unknown[:_MAX_UNKNOWN_REPORTED]:
            name = key if isinstance(key, str) and len(key) <= 100 else "?"
            self.issues.append(error(prefix + name, IssueCode.UNKNOWN_FIELD, "This form has no such question."))
        for gid, shows in node.groups.items():
            self.fields[prefix + gid] = FieldState(prefix + gid, "group", all(truthy(fn(scope)) for fn in shows))
        for name, cf in node.fields.items():
            if cf.kind == "repeat":
                self.repeat(scope, cf, prefix + name)
            else:
                self.field(scope, cf, prefix + name)
        for when, rule in node.rules:
            if truthy(when(scope)):
                path = prefix + rule.path if rule.path else prefix.rstrip(".")
                self.add(ValidationIssue(path=path, code=rule.code, message=rule.message, severity=rule.severity))

    def add(self, issue: ValidationIssue) -> None:
        self.issues.append(issue)
        state = self.fields.get(issue.path)
        if state is not None:
            self.fields[issue.path] = FieldState(
                state.path, state.kind, state.visible, state.required, state.read_only, state.value,
                (*state.issues, issue),
            )  # fmt: skip

    def field(self, scope: Scope, cf: CField, path: str) -> None:
        spec = cf.spec
        assert isinstance(spec, FormField)
        visible = scope.visible(cf.name)
        raw = scope.raw.get(cf.name)
        if not visible:
            self.fields[path] = FieldState(path, cf.kind, False, read_only=spec.read_only)
            if self.strict and answered(raw):
                self.issues.append(error(path, IssueCode.HIDDEN_ANSWER, "This question was not asked: leave it out."))
            return
        required = cf.required or (cf.required_if is not None and truthy(cf.required_if(scope)))
        found: list[ValidationIssue] = []
        if cf.calculate is not None:
            value = scope.get(cf.name)
            self.calculated[path] = value
            if self.strict and raw is not None and raw != to_json(value, raw):
                found.append(
                    error(path, IssueCode.CALCULATED_MISMATCH, "This is worked out by the form; it does not match.")
                )
        else:
            value, problem = scope.checked(cf.name)
            if problem is not None:
                found.append(error(path, *problem))
            elif value is None and required and not (spec.allow_not_known and is_not_known(raw)):
                found.append(error(path, IssueCode.REQUIRED, required_message(spec)))
            elif value is not None:
                found.extend(self.constraints(scope, cf, path))
                if cf.kind == "person_ref":
                    found.extend(self.reference(scope, path, value))
        self.issues.extend(found)
        self.fields[path] = FieldState(path, cf.kind, True, required, spec.read_only, value, tuple(found))

    @staticmethod
    def constraints(scope: Scope, cf: CField, path: str) -> list[ValidationIssue]:
        return [
            ValidationIssue(path=path, code=c.code, message=c.message, severity=c.severity)
            for check, c in cf.constraints
            if not truthy(check(scope))
        ]

    @staticmethod
    def reference(scope: Scope, path: str, value: str) -> list[ValidationIssue]:
        if "[" not in value:
            return []  # a record id: the hub checks it belongs to the case
        name, index = value[:-1].split("[")
        holder = scope.find_repeat(name)
        if holder is None or int(index) >= len(holder.items(name)):
            return [error(path, IssueCode.BAD_REFERENCE, "This person is no longer on the form.")]
        return []

    def repeat(self, scope: Scope, cf: CField, path: str) -> None:
        spec = cf.spec
        assert isinstance(spec, Repeat)
        if not scope.visible(cf.name):
            self.fields[path] = FieldState(path, "repeat", False)
            if self.strict and answered(scope.raw.get(cf.name)):
                self.issues.append(error(path, IssueCode.HIDDEN_ANSWER, "This section was not asked: leave it out."))
            return
        raw = scope.raw.get(cf.name)
        found: list[ValidationIssue] = []
        if raw is not None and not isinstance(raw, list | tuple):
            found.append(error(path, IssueCode.WRONG_TYPE, "This should be a list."))
        items = scope.items(cf.name)
        needed = spec.min if cf.required_if is None or truthy(cf.required_if(scope)) else 0
        if len(items) < needed:
            found.append(error(path, IssueCode.TOO_FEW, f"Add at least {needed} ({spec.item_label.lower()})."))
        if len(items) > spec.max:
            found.append(error(path, IssueCode.TOO_MANY, f"No more than {spec.max} ({spec.item_label.lower()})."))
        self.issues.extend(found)
        self.fields[path] = FieldState(path, "repeat", True, needed > 0, False, len(items), tuple(found))
        for i, item in enumerate(items[: spec.max]):
            item_path = f"{path}[{i}]"
            if not isinstance(item.raw, Mapping) or item.raw is not (raw[i] if isinstance(raw, list | tuple) else None):
                self.issues.append(error(item_path, IssueCode.WRONG_TYPE, "Each entry should be a set of answers."))
            self.scope(item, item_path + ".")


def _today(today: dt.date | None) -> dt.date:
    return today if today is not None else england_today()


def england_today() -> dt.date:
    """Today's date in England (the forms' "today"), or in UTC where the time zone database is missing."""
    try:
        zone: dt.tzinfo = ZoneInfo("Europe/London")
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return dt.datetime.now(zone).date()


def _root(spec: FormSpec, answers: object, today: dt.date | None) -> tuple[CompiledSpec, Scope]:
    program = compiled(spec)
    return program, Scope(program.root, answers, None, _today(today))


def _run(spec: FormSpec, answers: object, today: dt.date | None, *, strict: bool) -> FormState:
    _, root = _root(spec, answers, today)
    walk = _Walk(strict=strict)
    if not isinstance(answers, Mapping):
        walk.issues.append(error("", IssueCode.WRONG_TYPE, "The answers should be a set of named answers."))
    walk.scope(root, "")
    late = check_follow_up(root)  # a cross-field check that needs routing data, beside the spec's own rules
    if late is not None:
        walk.add(late)
    return FormState(fields=walk.fields, calculated=walk.calculated, issues=tuple(walk.issues))


def evaluate(spec: FormSpec, answers: Mapping[str, object], *, today: dt.date | None = None) -> FormState:
    """Everything the renderer needs after each change: visibility, requirement, values, calculated values, issues.

    ``today`` (default: today in England) anchors ages and date checks. Never raises on any answers.
    """
    try:
        return _run(spec, answers, today, strict=False)
    except RecursionError:
        return FormState({}, {}, (error("", IssueCode.TOO_DEEP, "The answers are nested too deeply to read."),))


def validate(
    spec: FormSpec,
    answers: Mapping[str, object],
    *,
    overrides: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> list[ValidationIssue]:
    """Every issue with the answers; warnings at a path in ``overrides`` with a non-blank reason are left out."""
    issues = evaluate(spec, answers, today=today).issues
    return _apply_overrides(issues, overrides)


def validate_submission(
    spec: FormSpec,
    answers: object,
    *,
    overrides: object = None,
    today: dt.date | None = None,
) -> list[ValidationIssue]:
    """The hub's check of submitted answers: as ``validate``, and the answers must be clean (no hidden answers)."""
    try:
        issues = _run(spec, answers, today, strict=True).issues
    except RecursionError:
        return [error("", IssueCode.TOO_DEEP, "The answers are nested too deeply to read.")]
    return _apply_overrides(issues, overrides if isinstance(overrides, Mapping) else None)


def _apply_overrides(issues: Sequence[ValidationIssue], overrides: Mapping[Any, Any] | None) -> list[ValidationIssue]:
    if not overrides:
        return list(issues)
    reasoned = {p for p, r in overrides.items() if isinstance(r, str) and r.strip()}
    return [i for i in issues if not (i.severity == "warning" and i.path in reasoned)]


def is_read_only(spec: FormSpec, path: str) -> bool:
    """Whether the answer at ``path`` (``"question_answers[0].question"``) is read-only: given by the case or the
    request (``read_only``) or worked out by the form (``calculate``). The app refuses a change to it, shown or not."""
    node: CNode | None = compiled(spec).root
    steps = path.split(".")
    for i, step in enumerate(steps):
        cf = node.fields.get(step.split("[", 1)[0]) if node is not None else None
        if cf is None:
            return False
        if i == len(steps) - 1:
            return isinstance(cf.spec, FormField) and (cf.spec.read_only or cf.spec.calculate is not None)
        node = cf.node
    return False


def clean_answers(spec: FormSpec, answers: Mapping[str, object], *, today: dt.date | None = None) -> dict[str, Any]:
    """What gets submitted: answers to visible questions only (identifiers normalised), calculated values filled in,
    unknown keys and display fields left out. Invalid answers are kept as given, so validation still reports them."""
    try:
        _, root = _root(spec, answers, today)
        return _clean(root)
    except RecursionError:
        return {}


def _clean(scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, cf in scope.node.fields.items():
        if cf.kind == "display" or not scope.visible(name):
            continue
        if cf.kind == "repeat":
            raw = scope.raw.get(name)
            if isinstance(raw, list | tuple):
                out[name] = [_clean(item) for item in scope.items(name)]
            continue
        if cf.calculate is not None:
            value = scope.get(name)
            if value is not None:
                out[name] = to_json(value, value.isoformat() if isinstance(value, dt.date) else value)
            continue
        raw = scope.raw.get(name)
        if not answered(raw):
            continue
        value, problem = scope.checked(name)
        out[name] = raw if problem is not None or value is None else to_json(value, raw)
    return out
