"""The logic language: a tiny expression tree in JSON, compiled once into Python closures (never ``eval``).

An expression is a JSON literal (``true``, ``3``, ``"yes"``, ``null``), a list of expressions (a list value), or an
object with exactly one key, the operator, whose value is the list of arguments::

    {"var": "level_of_need"}                                  the answer to a field (null when hidden or invalid)
    {"var": "."}                                              the field's own answer (in its constraints)
    {"eq": [{"var": "immediate_danger"}, true]}               eq ne lt le gt ge (never true across types)
    {"and": [...]} {"or": [...]} {"not": [x]} {"if": [c, a, b]}
    {"in": [x, ["2", "3"]]}                                   x is one of the list
    {"has": [{"var": "categories"}, "fgm"]}                   a multiple choice includes a code
    {"has_any": [{"var": "categories"}, ["physical", "sexual"]]}
    {"answered": [x]}                                         not null, not "", not []
    {"count": [{"var": "children"}]}                          items in a repeat (or a list's length)
    {"any": [{"var": "injuries"}, expr]}                      any / all / none / count_where / sum: expr per item
    {"add": [a, b]} {"sub": [a, b]} {"mul": [a, b]} {"min": [...]} {"max": [...]}  (null if any argument is null)
    {"len": [x]} {"coalesce": [a, b]} {"today": []}
    {"age_years": [date]} {"age_years": [date, at]} {"age_months": [date]} {"days_since": [date]}

Comparisons and arithmetic never raise: a missing or mistyped operand makes a comparison false and arithmetic null.
Names resolve in the current repeat item first, then outwards; unknown names, unknown operators, wrong arities and
cycles are SpecErrors when the spec is compiled, not surprises at run time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from forms._errors import SpecError


class Scope(Protocol):
    """What compiled expressions read at run time (implemented by forms._engine.Scope)."""

    @property
    def parent(self) -> Scope | None: ...

    @property
    def today(self) -> dt.date: ...

    def get(self, name: str) -> Any: ...

    def items(self, name: str) -> Sequence[Scope]: ...


Fn = Callable[[Scope], Any]


@dataclass(eq=False)
class StaticScope:
    """The names visible at one level of the spec (the form, or one repeat's item), for compile-time resolution."""

    path: str  # dotted repeat path: "" for the form, "children.injuries" for an injury
    parent: StaticScope | None
    names: dict[str, str] = field(default_factory=dict)  # name -> kind ("repeat" for a repeat)
    children: dict[str, StaticScope] = field(default_factory=dict)  # repeat name -> its item scope

    def resolve(self, name: str) -> tuple[int, StaticScope]:
        """How many levels up ``name`` is defined, and that scope."""
        scope: StaticScope | None = self
        up = 0
        while scope is not None:
            if name in scope.names:
                return up, scope
            scope = scope.parent
            up += 1
        raise SpecError(f"unknown name {name!r} in an expression at {self.path or 'the form'}")


Dep = tuple[int, str]  # (id of the StaticScope, name): what an expression reads, for cycle detection


@dataclass
class Compiled:
    fn: Fn
    deps: set[Dep]


_AGGREGATES: Final = frozenset({"any", "all", "none", "count_where", "sum"})
_ARITY: Final[dict[str, tuple[int, int]]] = {
    "eq": (2, 2),
    "ne": (2, 2),
    "lt": (2, 2),
    "le": (2, 2),
    "gt": (2, 2),
    "ge": (2, 2),
    "and": (1, 64),
    "or": (1, 64),
    "not": (1, 1),
    "if": (3, 3),
    "in": (2, 2),
    "has": (2, 2),
    "has_any": (2, 2),
    "answered": (1, 1),
    "count": (1, 1),
    "add": (2, 16),
    "sub": (2, 2),
    "mul": (2, 16),
    "min": (1, 16),
    "max": (1, 16),
    "len": (1, 1),
    "coalesce": (1, 16),
    "today": (0, 0),
    "age_years": (1, 2),
    "age_months": (1, 2),
    "days_since": (1, 1),
    **dict.fromkeys(_AGGREGATES, (2, 2)),
}
OPERATORS: Final = frozenset({"var", *_ARITY})


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _same(a: object, b: object) -> bool:
    """Equality that never mixes booleans with numbers (``True == 1`` is false here) nor dates with datetimes."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        return False
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _ordered(a: object, b: object) -> tuple[Any, Any] | None:
    """The pair if the two may be ordered (numbers, dates, datetimes, strings), else None."""
    if _is_number(a) and _is_number(b):
        return a, b
    for kind in (dt.datetime, dt.date, str):
        if isinstance(a, kind) and isinstance(b, kind):
            if kind is dt.date and (isinstance(a, dt.datetime) or isinstance(b, dt.datetime)):
                return None
            return a, b
    return None


def truthy(x: object) -> bool:
    return x is not None and x is not False and x != "" and x != 0 and x != () and x != []


def answered(x: object) -> bool:
    return x is not None and x != "" and x != () and x != []


def _as_date(x: object) -> dt.date | None:
    if isinstance(x, dt.datetime):
        return x.date()
    return x if isinstance(x, dt.date) else None


def _age_months(born: dt.date, at: dt.date) -> int:
    months = (at.year - born.year) * 12 + at.month - born.month
    return months - 1 if at.day < born.day else months


def _compare(op: str) -> Callable[[Any, Any], bool]:
    def check(a: Any, b: Any) -> bool:
        pair = _ordered(a, b)
        if pair is None:
            return False
        x, y = pair
        if op == "lt":
            return bool(x < y)
        if op == "le":
            return bool(x <= y)
        if op == "gt":
            return bool(x > y)
        return bool(x >= y)

    return check


def _arith(op: str, values: Sequence[Any]) -> Any:
    if not all(_is_number(v) for v in values):
        return None
    if op == "add":
        return sum(values)
    if op == "sub":
        return values[0] - values[1]
    if op == "mul":
        product: Any = 1
        for v in values:
            product *= v
        return product
    return min(values) if op == "min" else max(values)


class _Compiler:
    def __init__(self, self_name: str | None) -> None:
        self.self_name = self_name
        self.deps: set[Dep] = set()

    def compile(self, expr: object, scope: StaticScope) -> Fn:
        if expr is None or isinstance(expr, bool | int | float | str):
            value = expr
            return lambda s: value
        if isinstance(expr, list):
            parts = [self.compile(e, scope) for e in expr]
            return lambda s: tuple(p(s) for p in parts)
        if not isinstance(expr, dict) or len(expr) != 1:
            raise SpecError(f"an expression must be a literal, a list or a one-key object, not {expr!r}")
        ((op, raw),) = expr.items()
        if op == "var":
            return self._var(raw, scope)
        if op not in _ARITY:
            raise SpecError(f"unknown operator {op!r}")
        args = raw if isinstance(raw, list) else [raw]
        low, high = _ARITY[op]
        if not low <= len(args) <= high:
            raise SpecError(f"operator {op!r} takes {low}..{high} arguments, got {len(args)}")
        if op in _AGGREGATES or op == "count":
            return self._aggregate(op, args, scope)
        fns = [self.compile(a, scope) for a in args]
        return self._operator(op, fns)

    def _var(self, raw: object, scope: StaticScope) -> Fn:
        if not isinstance(raw, str):
            raise SpecError(f"var takes a field name, not {raw!r}")
        name = self.self_name if raw == "." else raw
        if name is None:
            raise SpecError('"." is only meaningful inside a field constraint')
        up, where = scope.resolve(name)
        if where.names[name] == "repeat":
            raise SpecError(f"repeat {name!r} can only be used by count, any, all, none, count_where or sum")
        self.deps.add((id(where), name))
        if up == 0:
            return lambda s: s.get(name)

        def outer(s: Scope) -> Any:
            target: Scope | None = s
            for _ in range(up):
                target = target.parent if target is not None else None
            return target.get(name) if target is not None else None

        return outer

    def _repeat(self, arg: object, scope: StaticScope) -> tuple[Fn, StaticScope | None]:
        """A repeat reference: returns a function giving its item scopes, and the static scope of an item."""
        if isinstance(arg, dict) and set(arg) == {"var"} and isinstance(arg["var"], str):
            name = arg["var"]
            up, where = scope.resolve(name)
            if where.names[name] == "repeat":
                self.deps.add((id(where), name))

                def items(s: Scope) -> Sequence[Scope]:
                    target: Scope | None = s
                    for _ in range(up):
                        target = target.parent if target is not None else None
                    return target.items(name) if target is not None else ()

                return items, where.children[name]
        return self.compile(arg, scope), None

    def _aggregate(self, op: str, args: list[Any], scope: StaticScope) -> Fn:
        source, item_scope = self._repeat(args[0], scope)
        if op == "count":
            return lambda s: len(v) if isinstance(v := source(s), list | tuple | str) else 0
        if item_scope is None:
            raise SpecError(f"{op} needs a repeat as its first argument, not {args[0]!r}")
        body = self.compile(args[1], item_scope)
        if op == "any":
            return lambda s: any(truthy(body(i)) for i in source(s))
        if op == "all":
            return lambda s: all(truthy(body(i)) for i in source(s))
        if op == "none":
            return lambda s: not any(truthy(body(i)) for i in source(s))
        if op == "count_where":
            return lambda s: sum(1 for i in source(s) if truthy(body(i)))
        return lambda s: sum(v for i in source(s) if _is_number(v := body(i)))

    def _operator(self, op: str, fns: list[Fn]) -> Fn:
        if op in ("eq", "ne"):
            a, b = fns
            return (lambda s: _same(a(s), b(s))) if op == "eq" else (lambda s: not _same(a(s), b(s)))
        if op in ("lt", "le", "gt", "ge"):
            a, b = fns
            cmp = _compare(op)
            return lambda s: cmp(a(s), b(s))
        if op == "and":
            return lambda s: all(truthy(f(s)) for f in fns)
        if op == "or":
            return lambda s: any(truthy(f(s)) for f in fns)
        if op == "not":
            (a,) = fns
            return lambda s: not truthy(a(s))
        if op == "if":
            c, a, b = fns
            return lambda s: a(s) if truthy(c(s)) else b(s)
        if op == "in":
            a, b = fns
            return lambda s: isinstance(v := b(s), list | tuple) and any(_same(a(s), x) for x in v)
        if op == "has":
            a, b = fns
            return lambda s: isinstance(v := a(s), list | tuple) and b(s) in v
        if op == "has_any":
            a, b = fns
            return lambda s: (
                isinstance(v := a(s), list | tuple) and isinstance(w := b(s), list | tuple) and any(x in v for x in w)
            )
        if op == "answered":
            (a,) = fns
            return lambda s: answered(a(s))
        if op in ("add", "sub", "mul", "min", "max"):
            return lambda s: _arith(op, [f(s) for f in fns])
        if op == "len":
            (a,) = fns
            return lambda s: len(v) if isinstance(v := a(s), str | list | tuple) else None
        if op == "coalesce":
            return lambda s: next((v for f in fns if (v := f(s)) is not None), None)
        if op == "today":
            return lambda s: s.today
        if op in ("age_years", "age_months"):
            return self._age(op, fns)
        (a,) = fns  # days_since
        return lambda s: (s.today - d).days if (d := _as_date(a(s))) is not None else None

    @staticmethod
    def _age(op: str, fns: list[Fn]) -> Fn:
        born_fn = fns[0]
        at_fn = fns[1] if len(fns) > 1 else None

        def age(s: Scope) -> int | None:
            born = _as_date(born_fn(s))
            at = _as_date(at_fn(s)) if at_fn is not None else s.today
            if born is None or at is None:
                return None
            months = _age_months(born, at)
            return months // 12 if op == "age_years" else months

        return age


def compile_expr(expr: object, scope: StaticScope, *, self_name: str | None = None) -> Compiled:
    """Compile ``expr`` against the names visible in ``scope``; raises SpecError for anything malformed."""
    compiler = _Compiler(self_name)
    fn = compiler.compile(expr, scope)
    return Compiled(fn=fn, deps=compiler.deps)
