"""The form renderer: the only place where forms meet Flet. Field kind -> its input family (the kinds table,
``forms.KINDS``) -> control (``BUILDERS``).

It builds controls once per path and afterwards only updates them (visibility, issues), so a field keeps its focus
while the user types. Repeats rebuild their own items when one is added or removed. Every input has a label for
screen readers and a ``Semantics`` identifier ``f-<path>`` for tests; issues sit under the field as ``issue-<path>``,
and a refused photograph's message as ``photo-msg-<path>``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

import flet as ft

from fieldapp.state.form import FormSession
from fieldapp.state.photo import PhotoField, describe
from fieldapp.views._body_map import body_map_control
from fieldapp.views._photo_picker import FletPhotoPicker, PhotoSource
from forms import (
    KINDS,
    NOT_KNOWN,
    NOT_KNOWN_TEXT,
    Family,
    FormField,
    Group,
    Repeat,
    answer_words,
    date_from_parts,
    date_parts,
    is_not_known,
    typed_answer,
    typed_text,
)

Item = FormField | Group | Repeat
Act = Callable[[Callable[..., Any]], Callable[..., Any]]
PREVIEW = 96
MANY_OPTIONS = 10


def _scroll_key(path: str) -> ft.ScrollKey:
    """The key a field's wrapper carries, so the screen can scroll to it (Flet's keys are dataclasses built by a
    decorator mypy does not follow)."""
    return ft.ScrollKey(f"f-{path}")  # type: ignore[call-arg]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


#: What a typed string becomes in the answers, and an answer as the text in its box: the kinds table's parsing.
to_answer = typed_answer
from_answer = typed_text


class FormRenderer:
    def __init__(self, session: FormSession, act: Act, signer: str = "", photos: PhotoSource | None = None) -> None:
        """``photos``: where the attachment field gets a photograph (default: Flet's file picker)."""
        self.s = session
        self.act = act
        self.photos: PhotoSource = photos or FletPhotoPicker()
        self.photo_fields: dict[str, PhotoField] = {}
        self.signer = signer or "the person completing this form"
        self.wrappers: dict[str, ft.Control] = {}
        self.issue_texts: dict[str, ft.Text] = {}
        self.issue_holders: dict[str, ft.Semantics] = {}
        self.reason_holders: dict[str, ft.Semantics] = {}
        self.repeat_boxes: dict[str, tuple[Repeat, ft.Column]] = {}
        #: The control that takes the keyboard focus for a field (its first box), for "go to this question".
        self.focusables: dict[str, ft.Control] = {}
        #: A field's "Not known" box and the text boxes it empties (they keep no answer while it is ticked).
        self.not_known_boxes: dict[str, ft.Checkbox] = {}
        self.group_paths: dict[str, str] = {}  # a field's path -> its top-level group's id (for sections)
        self.on_after_change: Callable[[], None] = lambda: None
        self.scroller: ft.Column | None = None  # the screen's scrolling column, set by the screen
        self._lock = threading.RLock()

    # -- building ---------------------------------------------------------------------------------------------
    def build(self) -> ft.Column:
        col = ft.Column(self._items(self.s.spec.items, ""), spacing=12)
        self.refresh()
        return col

    def _items(self, items: tuple[Item, ...], prefix: str) -> list[ft.Control]:
        out: list[ft.Control] = []
        for it in items:
            path = _join(prefix, it.id)
            if isinstance(it, Group):
                out.append(self._group(it, path, prefix))
            elif isinstance(it, Repeat):
                out.append(self._repeat(it, path))
            else:
                out.append(self._field(it, path))
        return out

    def _wrap(self, path: str, control: ft.Control) -> ft.Control:
        # The message's text is made when it first shows (``refresh``), as the reason box below is.
        holder = ft.Semantics(identifier=f"issue-{path}", live_region=True, visible=False)
        self.issue_holders[path] = holder
        # A soft warning lets the user go on with a reason (stored with the submission as an override). The box is
        # made when a warning first shows (``refresh``): few fields ever warn, and a box for each made the longest
        # form slow to open.
        reason_holder = ft.Semantics(identifier=f"reason-{path}", visible=False)
        self.reason_holders[path] = reason_holder
        parts: list[ft.Control] = [control, holder, reason_holder]
        if path not in self.focusables:
            # Nothing here takes the focus when asked (radios, ticks): a marker to scroll to instead. Only a small
            # marker carries the key: a key on the wrapper makes Flutter build text boxes anew, and empty them.
            parts.insert(0, ft.Container(height=0, key=_scroll_key(path)))
        box = ft.Column(parts, spacing=2)
        wrapper = ft.Semantics(identifier=f"f-{path}", container=True, content=box)
        self.wrappers[path] = wrapper
        return wrapper

    def _group(self, g: Group, path: str, prefix: str) -> ft.Control:
        header = ft.Text(g.label, theme_style=ft.TextThemeStyle.TITLE_LARGE)
        parts: list[ft.Control] = [ft.Semantics(header=True, content=header)]
        if g.help:
            parts.append(ft.Text(g.help, size=13))
        # A group is layout only: its children's answers live at the same level as the group.
        parts += self._items(g.items, prefix)
        card = ft.Card(ft.Container(ft.Column(parts, spacing=12), padding=16))
        self.wrappers[path] = card
        return card

    def _repeat(self, r: Repeat, path: str) -> ft.Control:
        items = ft.Column(spacing=8)
        self.repeat_boxes[path] = (r, items)
        self._fill_repeat(path)
        add = ft.OutlinedButton(
            f"Add {r.item_label.lower()}", icon=ft.Icons.ADD, on_click=self.act(lambda e: self._add(path))
        )
        title = ft.Text(r.label, theme_style=ft.TextThemeStyle.TITLE_MEDIUM)
        body: list[ft.Control] = [title]
        if r.help:
            body.append(ft.Text(r.help, size=13))
        body.append(items)
        if r.prefill is None:  # a prefilled repeat has one item per entry given (a question asked): no Add
            body.append(add)
        return self._wrap(path, ft.Column(body, spacing=8))

    def _fill_repeat(self, path: str) -> None:
        r, box = self.repeat_boxes[path]
        for p in [p for p in self.wrappers if p.startswith(f"{path}[")]:
            self.wrappers.pop(p, None)
            self.issue_texts.pop(p, None)
            self.issue_holders.pop(p, None)
            self.reason_holders.pop(p, None)
        for p in [p for p in self.repeat_boxes if p.startswith(f"{path}[")]:
            self.repeat_boxes.pop(p, None)
        for p in [p for p in self.photo_fields if p.startswith(f"{path}[")]:
            self.photo_fields.pop(p, None)
        for table in (self.focusables, self.not_known_boxes):
            for p in [p for p in table if p.startswith(f"{path}[")]:
                table.pop(p, None)
        raw = self.s.get(path)
        n = len(raw) if isinstance(raw, list) else 0
        cards: list[ft.Control] = []
        for i in range(n):
            item_path = f"{path}[{i}]"
            remove = ft.TextButton(
                f"Remove {r.item_label.lower()} {i + 1}",
                icon=ft.Icons.DELETE_OUTLINE,
                on_click=self.act(lambda e, i=i: self._remove(path, i)),
            )
            head = ft.Row(
                [
                    ft.Text(f"{r.item_label} {i + 1}", weight=ft.FontWeight.BOLD),
                    *([remove] if r.prefill is None else []),
                ],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            )
            inner = ft.Column([head, *self._items(r.items, item_path)], spacing=10)
            cards.append(
                ft.Container(inner, padding=12, border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT), border_radius=8)
            )
        box.controls = cards

    def _add(self, path: str) -> None:
        with self._lock:
            self.s.add_item(path)
            self._fill_repeat(path)
            self.refresh()

    def _remove(self, path: str, index: int) -> None:
        with self._lock:
            inside = f"{path}[{index}]."
            photos = [f.value for p, f in self.photo_fields.items() if p.startswith(inside)]
            self.s.remove_item(path, index)
            for value in photos:  # an unsent photograph of a removed item goes too (unless still named elsewhere)
                if value is not None:
                    self.s.services.discard_photo(str(value["sha256"]))
            self._fill_repeat(path)
            self.refresh()

    def _changed(self, path: str, value: Any) -> None:
        with self._lock:
            self.s.set(path, value)
            self.refresh()

    def _reason_box(self, path: str) -> ft.TextField:
        reason = ft.TextField(
            label="Reason to go on despite the warning", value=self.s.overrides.get(path, ""), dense=True
        )
        reason.on_change = self.act(lambda e: self._override(path, reason))
        return reason

    def _override(self, path: str, box: ft.TextField) -> None:
        with self._lock:
            self.s.override(path, box.value or "")
            self.refresh()

    def _changed_with(self, path: str, read: Callable[[], Any]) -> None:
        with self._lock:
            self.s.set(path, read())
            self.refresh()

    # -- fields -----------------------------------------------------------------------------------------------
    def _label(self, f: FormField) -> str:
        return f.label + (" *" if f.required else "")

    def _field(self, f: FormField, path: str) -> ft.Control:
        family = KINDS[f.kind].family
        if f.read_only and f.calculate is None and family is not Family.DISPLAY:
            return self._wrap(path, self._read_only(f, path))
        control = BUILDERS[family](self, f, path)
        if family is Family.DISPLAY:
            return control  # text to read: no answer, so no issue or reason under it
        if f.help and family is not Family.TEXT:  # a text box shows its help itself
            control = ft.Column([control, ft.Text(f.help, size=12)], spacing=2)
        if f.allow_not_known and not f.read_only:
            control = ft.Column([control, self._not_known(f, path)], spacing=2)
        return self._wrap(path, control)

    def _read_only(self, f: FormField, path: str) -> ft.Control:
        """An answer the form was given (the request's priority, a question the hub asked): text to read, not a box
        to change. Text is shown whole; a code, a date or an NHS number in words."""
        raw = self.s.get(path)
        state = self.s.state.fields.get(path)
        value = state.value if state is not None else None
        if isinstance(raw, str) and KINDS[f.kind].family is Family.TEXT and f.kind in ("short_text", "long_text"):
            shown = raw
        elif value is not None:
            shown = answer_words(f, value)
        else:
            shown = "Not given"
        column = ft.Column([ft.Text(f.label, weight=ft.FontWeight.BOLD), ft.Text(shown)], spacing=2)
        return ft.Semantics(container=True, content=column)  # read as one: the question, then its answer

    def _not_known(self, f: FormField, path: str) -> ft.Control:
        """ "Not known", given explicitly: the answer becomes ``NOT_KNOWN``; unticked, the question is blank again."""
        box = ft.Checkbox(label=NOT_KNOWN_TEXT, value=is_not_known(self.s.get(path)))
        self.not_known_boxes[path] = box

        def changed(e: ft.ControlEvent) -> None:
            with self._lock:
                self.s.set(path, dict(NOT_KNOWN) if box.value else None)
                self.refresh()

        box.on_change = self.act(changed)
        return ft.Semantics(label=f"{f.label}: not known", container=True, content=box)

    async def focus(self, path: str) -> None:
        """Move the keyboard focus to a field (its first box), or at least bring it into view."""
        control = self.focusables.get(path)
        focus = getattr(control, "focus", None)
        if focus is not None:
            await focus()
            return
        if self.scroller is not None and path in self.wrappers:
            await self.scroller.scroll_to(scroll_key=_scroll_key(path), duration=0)

    def _display(self, f: FormField, path: str) -> ft.Control:
        text = f.text or f.label
        if f.id.startswith("call_999") or "999" in f.label:
            banner = ft.Container(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.WARNING, color=ft.Colors.WHITE, size=36),
                        ft.Column(
                            [
                                ft.Text(f.label.upper(), size=24, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE),
                                ft.Text(f.text or "", color=ft.Colors.WHITE),
                            ],
                            spacing=4,
                            expand=True,
                        ),
                    ]
                ),
                bgcolor=ft.Colors.RED_800,
                padding=16,
                border_radius=8,
            )
            control: ft.Control = ft.Semantics(label=f"{f.label}. {f.text or ''}", live_region=True, content=banner)
        else:
            control = ft.Text(text, size=14, italic=True)
        self.wrappers[path] = ft.Semantics(identifier=f"f-{path}", content=control)
        return self.wrappers[path]

    def _body_map(self, f: FormField, path: str) -> ft.Control:
        return body_map_control(self.s, self.act, self._changed, self._label(f), path)

    def _text(self, f: FormField, path: str) -> ft.Control:
        entry = KINDS[f.kind].entry
        assert entry is not None  # every kind of the text family has one (tests/forms/test_kinds.py)
        if entry.day_month_year:
            return self._day_month_year(f, path)
        long = entry.multiline
        box = ft.TextField(
            label=self._label(f),
            value=from_answer(f.kind, self.s.get(path)),
            multiline=long,
            min_lines=3 if long else None,
            max_lines=10 if long else None,
            hint_text=entry.hint,
            helper=f.help,
            read_only=f.read_only,
            keyboard_type=ft.KeyboardType.NUMBER if entry.numeric else ft.KeyboardType.TEXT,
        )
        self.focusables[path] = box
        # Read the box when the handler runs, under the lock: change events may be handled out of order on
        # worker threads, and the control always holds the latest text.
        box.on_change = self.act(lambda e: self._changed_with(path, lambda: to_answer(f.kind, box.value or "")))
        if entry.stamp is not None and not f.read_only:
            stamp_format = entry.stamp.format

            def now(e: ft.ControlEvent) -> None:
                stamp = datetime.now().strftime(stamp_format)
                box.value = stamp
                self._changed(path, to_answer(f.kind, stamp))

            label = entry.stamp.label
            return ft.Row(
                [
                    ft.Container(box, expand=True),
                    ft.TextButton(label, tooltip=f"{label}: {f.label}", on_click=self.act(now)),
                ]
            )
        return ft.Row([ft.Container(box, expand=True)])

    def _day_month_year(self, f: FormField, path: str) -> ft.Control:
        """A date in three boxes, Day, Month and Year (the NHS pattern, UK order), under the question; what they
        hold becomes the same ISO answer as one box did (``date_from_parts``), and a draft's ISO date fills them."""
        raw = self.s.get(path)
        day, month, year = date_parts(raw)
        boxes = [
            ft.TextField(
                label=name,
                value=value,
                width=width,
                max_length=size,
                counter="",
                read_only=f.read_only,
                keyboard_type=ft.KeyboardType.NUMBER,
                input_filter=ft.InputFilter(regex_string=r"^[0-9]*$", allow=True, replacement_string=""),
                dense=True,
            )
            for name, value, width, size in (("Day", day, 80, 2), ("Month", month, 80, 2), ("Year", year, 110, 4))
        ]
        self.focusables[path] = boxes[0]

        def answer() -> object:
            value = date_from_parts(*(b.value or "" for b in boxes))
            before = self.s.get(path)
            if value is not None and isinstance(before, dict) and "value" in before:
                return {**before, "value": value}  # an estimated date stays estimated
            return value

        for b in boxes:
            b.on_change = self.act(lambda e: self._changed_with(path, answer))
        parts: list[ft.Control] = list(boxes)
        stamp = KINDS[f.kind].entry
        if stamp is not None and stamp.stamp is not None and not f.read_only:
            label = stamp.stamp.label

            def today(e: ft.ControlEvent) -> None:
                now = datetime.now()
                for b, v in zip(boxes, (now.day, now.month, now.year), strict=True):
                    b.value = str(v)
                self._changed_with(path, answer)

            parts.append(ft.TextButton(label, tooltip=f"{label}: {f.label}", on_click=self.act(today)))
        column: list[ft.Control] = [ft.Text(self._label(f))]
        column.append(ft.Text(f.help or "For example, 27 3 2024", size=12))
        column.append(ft.Row(parts, spacing=8, vertical_alignment=ft.CrossAxisAlignment.START))
        return ft.Semantics(label=f.label, container=True, content=ft.Column(column, spacing=4))

    def _yes_no(self, f: FormField, path: str) -> ft.Control:
        value = self.s.get(path)
        group = ft.RadioGroup(
            value="yes" if value is True else "no" if value is False else None,
            content=ft.Row([ft.Radio(value="yes", label="Yes"), ft.Radio(value="no", label="No")]),
        )
        group.on_change = self.act(lambda e: self._changed(path, group.value == "yes"))
        return ft.Column([ft.Text(self._label(f)), group], spacing=2)

    def _single(self, f: FormField, path: str) -> ft.Control:
        value = self.s.get(path)
        if len(f.options) > MANY_OPTIONS:
            dd = ft.Dropdown(
                label=self._label(f),
                value=value,
                options=[ft.DropdownOption(key=o.code, text=o.label) for o in f.options],
                width=480,
            )
            dd.on_select = self.act(lambda e: self._changed(path, dd.value))
            self.focusables[path] = dd
            return ft.Semantics(label=f.label, container=True, content=dd)
        group = ft.RadioGroup(
            value=value, content=ft.Column([ft.Radio(value=o.code, label=o.label) for o in f.options], spacing=0)
        )
        group.on_change = self.act(lambda e: self._changed(path, group.value))
        return ft.Column([ft.Text(self._label(f)), group], spacing=2)

    def _multi(self, f: FormField, path: str) -> ft.Control:
        chosen = set(self.s.get(path) or [])
        boxes: list[ft.Checkbox] = []

        def changed(e: ft.ControlEvent) -> None:
            codes = [o.code for o, b in zip(f.options, boxes, strict=True) if b.value]
            self._changed(path, codes or None)

        for o in f.options:
            boxes.append(ft.Checkbox(label=o.label, value=o.code in chosen, on_change=self.act(changed)))
        return ft.Column([ft.Text(self._label(f)), ft.Row(list[ft.Control](boxes), wrap=True, spacing=4)], spacing=2)

    def _person_ref(self, f: FormField, path: str) -> ft.Control:
        options: list[ft.Control] = []
        for src in f.sources:
            raw = self.s.get(src)
            for i, item in enumerate(raw if isinstance(raw, list) else []):
                name = next(
                    (str(item[k]) for k in ("child_name", "name") if isinstance(item, dict) and item.get(k)),
                    f"{src} {i + 1}",
                )
                options.append(ft.Radio(value=f"{src}[{i}]", label=name))
        if not options:
            return ft.Text(f"{f.label}: add the people first (children, adults).")
        group = ft.RadioGroup(value=self.s.get(path), content=ft.Column(options, spacing=0))
        group.on_change = self.act(lambda e: self._changed(path, group.value))
        return ft.Column([ft.Text(self._label(f)), group], spacing=2)

    def _attachment(self, f: FormField, path: str) -> ft.Control:
        """A photograph: "Add photograph" opens the picker (images only); a small preview, name and size, "Remove".
        The bytes go into the vault; the answer holds only the reference (hash, name, type, size)."""
        field = PhotoField(self.s, path)
        self.photo_fields[path] = field
        message = ft.Text("", size=13, color=ft.Colors.ERROR)
        message_holder = ft.Semantics(identifier=f"photo-msg-{path}", live_region=True, content=message, visible=False)
        preview = ft.Container(width=PREVIEW, height=PREVIEW, border_radius=4, bgcolor=ft.Colors.SURFACE_CONTAINER)
        described = ft.Text("", size=13)
        add = ft.Button("Add photograph", icon=ft.Icons.ADD_A_PHOTO_OUTLINED)
        remove = ft.TextButton("Remove photograph", icon=ft.Icons.DELETE_OUTLINE)
        details = ft.Row([preview, described], spacing=12)

        def show() -> None:
            value = field.value
            add.visible = value is None
            remove.visible = details.visible = value is not None
            message.value = field.message
            message_holder.visible = bool(field.message)
            if value is None:
                preview.content = None
                return
            described.value = describe(value)
            data = field.preview()
            image: ft.Control = (
                ft.Image(src=data, width=PREVIEW, height=PREVIEW, fit=ft.BoxFit.COVER)
                if data is not None
                else ft.Icon(ft.Icons.IMAGE_OUTLINED, size=48)  # HEIC: stored and sent, not drawn here
            )
            preview.content = ft.Semantics(label="Preview of the photograph", image=True, content=image)

        touch = self.act(lambda *_: None)

        async def on_add() -> None:
            touch()
            picked = await self.photos.pick()
            touch()
            with self._lock:
                field.add(picked)
                show()
                self.refresh()

        def on_remove(e: ft.ControlEvent) -> None:
            with self._lock:
                field.remove()
                show()
                self.refresh()

        add.on_click = on_add
        remove.on_click = self.act(on_remove)
        show()
        return ft.Column(
            [ft.Text(self._label(f)), ft.Row([add, remove], wrap=True), message_holder, details], spacing=4
        )

    def _signature(self, f: FormField, path: str) -> ft.Control:
        value = self.s.get(path)
        box = ft.Checkbox(
            label=f"{f.text or 'I confirm this is accurate.'} Signed as {self.signer}.", value=bool(value)
        )

        def changed(e: ft.ControlEvent) -> None:
            signed = {
                "signed_by": self.signer,
                "signed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                "attested": True,
            }
            self._changed(path, signed if box.value else None)

        box.on_change = self.act(changed)
        return ft.Column([ft.Text(self._label(f)), box], spacing=2)

    # -- updating ---------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        for path, wrapper in self.wrappers.items():
            wrapper.visible = self.s.visible(path) if path in self.s.state.fields else True
        for path, issue_holder in self.issue_holders.items():
            shown = self.s.shown_issues(path)
            issue_holder.visible = bool(shown)
            holder = self.reason_holders[path]
            holder.visible = path in self.s.overrides or any(i.path == path for i in self.s.state.warnings)
            if holder.visible and holder.content is None:
                holder.content = self._reason_box(path)
            text = self.issue_texts.get(path)
            if text is None:
                if not shown:
                    continue
                text = self.issue_texts[path] = ft.Text("", size=13)
                issue_holder.content = text
            text.value = "\n".join(("Warning: " if i.severity == "warning" else "") + i.message for i in shown)
            text.color = ft.Colors.ERROR if any(i.severity == "error" for i in shown) else ft.Colors.AMBER_900
        for path, box in self.not_known_boxes.items():
            box.value = is_not_known(self.s.get(path))
        self.on_after_change()


#: Which method builds the control of each input family (the kinds table gives each kind's family).
BUILDERS: Final[Mapping[Family, Callable[[FormRenderer, FormField, str], ft.Control]]] = {
    Family.TEXT: FormRenderer._text,
    Family.YES_NO: FormRenderer._yes_no,
    Family.SINGLE_CHOICE: FormRenderer._single,
    Family.MULTI_CHOICE: FormRenderer._multi,
    Family.PERSON: FormRenderer._person_ref,
    Family.BODY_MAP: FormRenderer._body_map,
    Family.ATTACHMENT: FormRenderer._attachment,
    Family.SIGNATURE: FormRenderer._signature,
    Family.DISPLAY: FormRenderer._display,
}
