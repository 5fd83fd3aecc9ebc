"""The spec format: pydantic models of a form as data.

A spec is a tree of items. A *field* holds one answer; a *group* is a titled section (layout only: it does not nest the
answers); a *repeat* holds a list of items (children, adults, injuries) and does nest them::

    answers = {"immediate_danger": False, "children": [{"child_name": "Amy", "injuries": [{...}]}]}

Logic (``show_if``, ``required_if``, constraint ``check``, rule ``when``, ``calculate``) is a tiny expression tree in
JSON, never code: see forms/_expr.py for the operators. Names in expressions are field ids, looked up in the current
repeat item first and then outwards; ``"."`` is the field's own value inside its constraints.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from forms._issues import Severity
from forms._kinds import FieldKind

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,62}$")]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
_FIELD_PREFILL = r"^((case|request)\.[a-z][a-z0-9_.]*|item(\.[a-z][a-z0-9_.]*)?)$"
#: An expression tree (see forms/_expr.py); checked when the spec is compiled.
Expr = JsonValue


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    """One coded answer of a choice: the code is stored, the label is shown."""

    code: Code
    label: Text
    help: Text | None = None


class Constraint(_Model):
    """A check on a field's own answer (``"."``), run only when the field is answered; fails when ``check`` is false."""

    check: Expr
    code: Code
    message: Text
    severity: Severity = "error"


class Rule(_Model):
    """A cross-field rule: when ``when`` is true, an issue is raised at ``path``.

    ``scope`` is the dotted path of the repeat the rule runs in (``"children"``, ``"children.injuries"``), empty for the
    whole form; the rule then runs once per item. ``path`` is a field id in that scope (empty: the item or form itself).
    A rule with severity ``warning`` is a soft warning: the user may go on, giving a reason.
    """

    id: Name
    scope: str = ""
    when: Expr
    path: str = ""
    code: Code
    message: Text
    severity: Severity = "error"


class FormField(_Model):
    """One question. Which of the optional attributes apply depends on ``kind`` (the compiler checks)."""

    kind: FieldKind
    id: Name
    label: Text
    help: Text | None = None
    #: display: the text to show; signature: the statement the signer attests to.
    text: Text | None = None
    required: bool = False
    required_if: Expr = None
    required_message: Text | None = None
    #: How error messages name the field ("the child's date of birth" -> "Enter the child's date of birth");
    #: absent: a name made from the label (forms/_messages.py).
    error_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    #: A required question that may be answered "Not known" explicitly (the answer ``{"not_known": true}``).
    allow_not_known: bool = False
    show_if: Expr = None
    read_only: bool = False
    default: JsonValue = None
    #: Where the app fills the answer from: ``case.<field>`` (the case record), ``request.<field>`` (info request), or,
    #: inside a prefilled repeat, ``item`` (the entry itself) or ``item.<field>`` (a field of the entry).
    prefill: Annotated[str, Field(pattern=_FIELD_PREFILL)] | None = None
    #: An expression whose value *is* the answer (read-only, recomputed on every change).
    calculate: Expr = None
    constraints: tuple[Constraint, ...] = ()
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1, le=100_000)
    pattern: str | None = None
    pattern_message: Text | None = None
    #: date / datetime: the answer may be ``{"value": "...", "estimated": true}``.
    allow_estimated: bool = False
    #: person_ref: the repeats whose items may be referred to (``"children"`` -> ``"children[0]"``).
    sources: tuple[Name, ...] = ()
    #: Shown in the referral's plain-language summary.
    summary: bool = False
    #: A question of a repeat's item that an earlier version asked once, one level up, under this id (social care:
    #: asked for the household in version 2, for each child in version 3). A draft's answer there is carried into
    #: every item when the draft migrates (forms/_drafts.py).
    moved_from: Name | None = None


class Group(_Model):
    """A titled section. Hiding it hides everything inside."""

    kind: Literal["group"]
    id: Name
    label: Text
    help: Text | None = None
    show_if: Expr = None
    items: tuple[Item, ...]


class Repeat(_Model):
    """A list of like items (``children``, ``adults``, ``injuries``), between ``min`` and ``max`` long when shown."""

    kind: Literal["repeat"]
    id: Name
    label: Text
    item_label: Text
    help: Text | None = None
    show_if: Expr = None
    min: int = Field(default=0, ge=0)
    max: int = Field(default=50, ge=1, le=500)
    #: ``min`` applies only while this is true (absent: always, when shown).
    required_if: Expr = None
    #: A rendering hint: ``body_map`` draws the items' body_map positions on one figure.
    presentation: Literal["list", "body_map"] = "list"
    #: A list to make the items from, one per entry (``request.questions``: one item per question asked); the items'
    #: ``item`` / ``item.<field>`` prefills take the entry. The items are then fixed: the app offers no Add or Remove.
    prefill: Annotated[str, Field(pattern=r"^(case|request)\.[a-z][a-z0-9_.]*$")] | None = None
    items: tuple[Item, ...]


Item = Annotated[FormField | Group | Repeat, Field(discriminator="kind")]


class FormSpec(_Model):
    """A form: id and version identify it; ``items`` are the questions; ``rules`` the cross-field checks."""

    id: Name
    version: int = Field(ge=1)
    title: Text
    description: Text | None = None
    #: The sync record type a submission becomes: a form record, or a GP's response to an information request.
    record_type: Literal["form", "response", "note"] = "form"
    items: tuple[Item, ...]
    rules: tuple[Rule, ...] = ()


Group.model_rebuild()
Repeat.model_rebuild()
FormSpec.model_rebuild()
