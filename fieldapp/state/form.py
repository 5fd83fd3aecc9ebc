"""A form being filled in: answers, evaluation after every change, the draft saved at every change, submission.

The forms engine does the thinking (visibility, requirement, checks, warnings); this class keeps the answers, saves
the draft and decides which issues to show: errors once a field was touched (or after a submit attempt), warnings
always, so the user sees soft warnings as they type.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from fieldapp.state.answers import get_at, set_at
from forms import (
    Draft,
    FormSpec,
    FormState,
    clean_answers,
    evaluate,
    initial_answers,
    is_read_only,
    load_spec,
    migrate_draft,
    new_draft,
    spec_hash,
    with_request_copy,
)

if TYPE_CHECKING:
    from fieldapp.state.needs import FillsForms


@dataclass(frozen=True)
class Shown:
    severity: str
    message: str


@dataclass
class FormSession:
    services: FillsForms
    case_id: UUID
    form_id: str
    request: dict[str, Any] | None = None
    spec: FormSpec = field(init=False)
    answers: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)
    state: FormState = field(init=False)
    draft_id: UUID | None = None
    touched: set[str] = field(default_factory=set)
    submit_tried: bool = False
    set_aside: list[str] = field(default_factory=list)
    draft_key: str = ""  # a request's id for a response, so two requests of one case keep apart

    def __post_init__(self) -> None:
        self.spec = load_spec(self.form_id)
        self.answers = self._resume() or initial_answers(
            self.spec, case=self._case(), request=self.request, writer=self.services.writer()
        )
        self.state = evaluate(self.spec, self.answers)

    def _repo(self) -> Any:
        repo = self.services.repo
        assert repo is not None
        return repo

    def _case(self) -> dict[str, Any]:
        rec = self._repo().get_record(self.case_id)
        return dict(rec.body) if rec is not None else {}

    def _resume(self) -> dict[str, Any] | None:
        for d in self._repo().list_drafts(case_id=self.case_id, kind=self.form_id):
            if d.body.get("draft_key", "") != self.draft_key:
                continue
            self.draft_id = d.id
            try:
                draft = Draft.model_validate(d.body.get("draft") or {})
            except ValueError:
                return None
            migrated = migrate_draft(draft, self.spec)
            self.overrides = dict(migrated.draft.overrides)
            self.set_aside = [f"{f.path}: {f.message}" for f in migrated.flagged]
            answers = dict(migrated.draft.answers)
            # What the request says comes from the request as this device holds it now (a re-rating moves the
            # deadline after the draft was begun): the hub takes a copy of any version it issued, the newest is right.
            return answers if self.request is None else with_request_copy(self.spec, answers, self.request)
        return None

    # -- answers ----------------------------------------------------------------------------------------------
    def get(self, path: str) -> Any:
        return get_at(self.answers, path)

    def set(self, path: str, value: Any) -> None:
        """Change one answer; a read-only one (given by the request or the case) is refused and stays as given."""
        if self.read_only(path):
            return
        if value == "":
            value = None
        set_at(self.answers, path, value)
        self.touched.add(path)
        self._changed()

    def read_only(self, path: str) -> bool:
        return is_read_only(self.spec, path)

    def add_item(self, repeat_path: str) -> int:
        items = get_at(self.answers, repeat_path)
        if not isinstance(items, list):
            items = []
        items.append({})
        set_at(self.answers, repeat_path, items)
        self._changed()
        return len(items) - 1

    def remove_item(self, repeat_path: str, index: int) -> None:
        items = get_at(self.answers, repeat_path)
        if isinstance(items, list) and 0 <= index < len(items):
            items.pop(index)
            self.touched = {p for p in self.touched if not p.startswith(f"{repeat_path}[")}
            self._changed()

    def override(self, path: str, reason: str) -> None:
        """Give a reason to go on past a soft warning."""
        if reason.strip():
            self.overrides[path] = reason.strip()
        else:
            self.overrides.pop(path, None)
        self._save_draft()

    def _changed(self) -> None:
        self.state = evaluate(self.spec, self.answers)
        self._save_draft()

    def _save_draft(self) -> None:
        draft = new_draft(self.spec, copy.deepcopy(self.answers)).model_copy(update={"overrides": dict(self.overrides)})
        body = {"draft": draft.model_dump(mode="json"), "draft_key": self.draft_key}
        self.draft_id = self._repo().save_draft(self.form_id, body, case_id=self.case_id, draft_id=self.draft_id)

    # -- what to show -----------------------------------------------------------------------------------------
    def visible(self, path: str) -> bool:
        fs = self.state.fields.get(path)
        return fs.visible if fs is not None else False

    def required(self, path: str) -> bool:
        fs = self.state.fields.get(path)
        return fs.required if fs is not None else False

    def shown_issues(self, path: str) -> list[Shown]:
        show_errors = self.submit_tried or path in self.touched
        out: list[Shown] = []
        for issue in self.state.issues_at(path):
            if issue.severity == "warning" and path not in self.overrides:
                out.append(Shown("warning", issue.message))
            elif issue.severity == "error" and show_errors:
                out.append(Shown("error", issue.message))
        return out

    @property
    def error_count(self) -> int:
        return len(self.state.errors)

    def blocking(self) -> list[tuple[str, str]]:
        """Errors, and warnings without an override reason: (path, message)."""
        out = [(i.path, i.message) for i in self.state.errors]
        out += [(i.path, i.message) for i in self.state.warnings if not self.overrides.get(i.path)]
        return out

    # -- submit -----------------------------------------------------------------------------------------------
    def submit(self, record_type: str | None = None, extra: dict[str, Any] | None = None) -> UUID | None:
        """Save the clean answers as an append-only record; the draft goes. None while anything blocks."""
        self.submit_tried = True
        if self.blocking():
            return None
        repo = self._repo()
        fields: dict[str, Any] = {
            "form_id": self.spec.id,
            "form_version": self.spec.version,
            "spec_hash": spec_hash(self.spec),
            "answers": clean_answers(self.spec, self.answers),
            "submitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if self.overrides:
            fields["overrides"] = dict(self.overrides)
        fields.update(extra or {})
        rec = repo.save_record(record_type or self.spec.record_type, fields, case_id=self.case_id)
        if self.draft_id is not None:
            repo.delete_draft(self.draft_id)
            self.draft_id = None
        self.services.changed()
        return UUID(str(rec.id))

    def label_of(self, path: str) -> str:
        """A readable name for an issue's path (the field's label, with the item number)."""
        from fieldapp.state.spec_index import label_for

        return label_for(self.spec, path)


def now_local_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="minutes")
