"""The conflicts screen's logic: for each field changed on both sides, base / mine / theirs and the user's choice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from fieldapp.state.caseload import case_title
from sync import Choice, ConflictView

if TYPE_CHECKING:
    from fieldapp.state.needs import ResolvesConflicts

FIELD_WORDS = {
    "child_name": "Child's name",
    "date_of_birth": "Date of birth",
    "nhs_number": "NHS number",
    "gender": "Gender",
    "address": "Address",
    "postcode": "Postcode",
    "gp_practice_ods": "GP practice",
    "school": "School",
}


def show(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    return str(value)


@dataclass
class ConflictsState:
    services: ResolvesConflicts
    conflicts: list[ConflictView] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    choices: dict[int, dict[str, str]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    def load(self) -> None:
        replica = self.services.replica()
        repo = self.services.repo
        if replica is None or repo is None:
            self.conflicts = []
            return
        self.conflicts = replica.list_conflicts()
        for c in self.conflicts:
            rec = repo.get_record(UUID(c.record_id))
            self.titles[c.record_id] = case_title(rec.body) if rec and rec.type == "case" else (rec.type if rec else "")

    def choose(self, conflict_id: int, field_name: str, choice: str) -> None:
        if choice not in (Choice.MINE, Choice.THEIRS):
            raise ValueError(choice)
        self.choices.setdefault(conflict_id, {})[field_name] = choice
        self.errors.pop(conflict_id, None)

    def resolve(self, conflict_id: int) -> bool:
        replica = self.services.replica()
        if replica is None:
            self.errors[conflict_id] = "Unlock the app first."
            return False
        issues = replica.resolve_conflict(conflict_id, self.choices.get(conflict_id, {}))
        if issues:
            self.errors[conflict_id] = (
                "Choose mine or theirs for every field."
                if any(i.code == "choice_missing" for i in issues)
                else "; ".join(i.message for i in issues)
            )
            return False
        self.services.changed()
        self.load()
        return True
