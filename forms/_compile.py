"""Compiling a FormSpec once into a tree of nodes with closures: the shape the engine walks on every keystroke.

Compilation also lints the spec: unique names per scope, options where a choice needs them, expressions that name
real fields, person references to real repeats, regular expressions that compile, rules whose scope and path exist,
and no cycles through show_if / calculate. Any failure is a SpecError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from forms._checkers import Checker
from forms._errors import SpecError
from forms._expr import Compiled, Dep, Fn, StaticScope, compile_expr
from forms._kinds import KINDS
from forms._spec import Constraint, FormField, FormSpec, Group, Item, Repeat, Rule


@dataclass(eq=False)
class CField:
    """A field or a repeat, compiled."""

    name: str
    kind: str  # a field kind, or "repeat"
    spec: FormField | Repeat
    show: list[Fn]  # every enclosing group's show_if, then its own: all must hold
    required: bool = False
    required_if: Fn | None = None
    calculate: Fn | None = None
    checker: Checker | None = None
    constraints: list[tuple[Fn, Constraint]] = field(default_factory=list)
    node: CNode | None = None  # a repeat's item


@dataclass(eq=False)
class CNode:
    """One scope level: the form itself or the item of a repeat."""

    static: StaticScope
    fields: dict[str, CField] = field(default_factory=dict)
    groups: dict[str, list[Fn]] = field(default_factory=dict)
    rules: list[tuple[Fn, Rule]] = field(default_factory=list)


@dataclass(eq=False)
class CompiledSpec:
    spec: FormSpec
    root: CNode


class _Compiler:
    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        self.edges: dict[Dep, set[Dep]] = {}
        self.pending: list[tuple[CNode, StaticScope, Iterable[Item]]] = []

    def run(self) -> CompiledSpec:
        root = CNode(static=StaticScope(path="", parent=None))
        self._declare(root, self.spec.items)
        self._fill(root, self.spec.items, [])
        self._check_item_prefills(self.spec.items, None)
        for rule in self.spec.rules:
            self._rule(root, rule)
        self._check_cycles()
        return CompiledSpec(spec=self.spec, root=root)

    # Pass 1: every name of every scope, so expressions may refer forwards and outwards.
    def _declare(self, node: CNode, items: Iterable[Item]) -> None:
        for item in items:
            if item.id in node.static.names or item.id in node.groups:
                raise SpecError(f"{self.spec.id}: {item.id!r} is used twice in {node.static.path or 'the form'}")
            if isinstance(item, Group):
                node.groups[item.id] = []
                self._declare(node, item.items)
            elif isinstance(item, Repeat):
                node.static.names[item.id] = "repeat"
                path = f"{node.static.path}.{item.id}".lstrip(".")
                child = CNode(static=StaticScope(path=path, parent=node.static))
                node.static.children[item.id] = child.static
                node.fields[item.id] = CField(name=item.id, kind="repeat", spec=item, show=[], node=child)
                self._declare(child, item.items)
            else:
                node.static.names[item.id] = item.kind
                node.fields[item.id] = CField(name=item.id, kind=item.kind, spec=item, show=[])

    def _check_item_prefills(self, items: Iterable[Item], repeat: Repeat | None) -> None:
        """An ``item`` prefill reads the entry of a prefilled repeat: anywhere else it would read nothing."""
        for item in items:
            if isinstance(item, Repeat):
                self._check_item_prefills(item.items, item)
            elif isinstance(item, Group):
                self._check_item_prefills(item.items, repeat)
            elif (
                item.prefill is not None
                and item.prefill.split(".")[0] == "item"
                and (repeat is None or not repeat.prefill)
            ):
                raise SpecError(f"{self.spec.id}: field {item.id}: an item prefill belongs in a prefilled repeat")

    # Pass 2: compile the logic.
    def _fill(self, node: CNode, items: Iterable[Item], outer_show: list[tuple[Fn, set[Dep]]]) -> None:
        for item in items:
            show = list(outer_show)
            if item.show_if is not None:
                compiled = self._expr(item.show_if, node.static)
                show.append((compiled.fn, compiled.deps))
            if isinstance(item, Group):
                node.groups[item.id] = [fn for fn, _ in show]
                self._fill(node, item.items, show)
                continue
            cf = node.fields[item.id]
            cf.show = [fn for fn, _ in show]
            me = (id(node.static), item.id)
            self.edges.setdefault(me, set()).update(*(deps for _, deps in show))
            if isinstance(item, Repeat):
                cf.required = item.min > 0
                if item.required_if is not None:
                    cf.required_if = self._expr(item.required_if, node.static).fn
                assert cf.node is not None
                self._fill(cf.node, item.items, [])
            else:
                self._field(node, cf, item, me)

    def _field(self, node: CNode, cf: CField, item: FormField, me: Dep) -> None:
        where = f"{self.spec.id}: field {node.static.path}.{item.id}".replace(": field .", ": field ")
        if KINDS[item.kind].has_options != bool(item.options):
            raise SpecError(f"{where}: options belong to (and are needed by) choice fields only")
        if len({o.code for o in item.options}) != len(item.options):
            raise SpecError(f"{where}: option codes repeat")
        if item.kind == "display" and (item.text is None or item.required or item.required_if is not None):
            raise SpecError(f"{where}: a display field needs text and cannot be required")
        if item.kind == "person_ref":
            if not item.sources:
                raise SpecError(f"{where}: a person reference needs sources")
            for source in item.sources:
                _, scope = node.static.resolve(source)
                if scope.names[source] != "repeat":
                    raise SpecError(f"{where}: source {source!r} is not a repeat")
        if item.pattern is not None:
            try:
                re.compile(item.pattern)
            except re.error as exc:
                raise SpecError(f"{where}: bad pattern: {exc}") from exc
        cf.checker = KINDS[item.kind].check
        cf.required = item.required
        if item.required_if is not None:
            cf.required_if = self._expr(item.required_if, node.static).fn
        if item.calculate is not None:
            compiled = self._expr(item.calculate, node.static)
            cf.calculate = compiled.fn
            self.edges[me].update(compiled.deps)
        for constraint in item.constraints:
            compiled = compile_expr(constraint.check, node.static, self_name=item.id)
            cf.constraints.append((compiled.fn, constraint))

    def _rule(self, root: CNode, rule: Rule) -> None:
        node = root
        for part in filter(None, rule.scope.split(".")):
            cf = node.fields.get(part)
            if cf is None or cf.node is None:
                raise SpecError(f"{self.spec.id}: rule {rule.id}: scope {rule.scope!r} is not a repeat")
            node = cf.node
        if rule.path and rule.path not in node.fields:
            raise SpecError(f"{self.spec.id}: rule {rule.id}: no field {rule.path!r} in {rule.scope or 'the form'}")
        node.rules.append((self._expr(rule.when, node.static).fn, rule))

    def _expr(self, expr: object, scope: StaticScope) -> Compiled:
        try:
            return compile_expr(expr, scope)
        except SpecError as exc:
            raise SpecError(f"{self.spec.id} v{self.spec.version}: {exc}") from None

    def _check_cycles(self) -> None:
        done: set[Dep] = set()
        active: set[Dep] = set()

        def visit(dep: Dep) -> None:
            if dep in done:
                return
            if dep in active:
                raise SpecError(f"{self.spec.id}: show_if / calculate go round in a circle through {dep[1]!r}")
            active.add(dep)
            for nxt in self.edges.get(dep, ()):
                visit(nxt)
            active.discard(dep)
            done.add(dep)

        for dep in list(self.edges):
            visit(dep)


def compile_spec(spec: FormSpec) -> CompiledSpec:
    """Compile (and lint) a spec; raises SpecError."""
    return _Compiler(spec).run()
