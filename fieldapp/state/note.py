"""Writing a case note (or an addendum to one). The text is saved as a draft at every change, so it survives a crash
or an auto-lock; saving the note turns the draft into an append-only record and deletes the draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from fieldapp.state.needs import SavesRecords

MAX_NOTE = 50_000


@dataclass
class NoteState:
    services: SavesRecords
    case_id: UUID
    addendum_to: str | None = None
    text: str = ""
    draft_id: UUID | None = None
    error: str = ""
    original_text: str = ""

    def load(self) -> None:
        """Resume the draft for this case (and addendum target) if there is one."""
        repo = self.services.repo
        assert repo is not None
        if self.addendum_to:
            orig = repo.get_record(UUID(self.addendum_to))
            self.original_text = str(orig.body.get("text") or "") if orig else ""
        for d in repo.list_drafts(case_id=self.case_id, kind="note"):
            if d.body.get("addendum_to") == self.addendum_to:
                self.draft_id = d.id
                self.text = str(d.body.get("text") or "")
                return

    def set_text(self, text: str) -> None:
        self.text = text
        self.error = ""
        repo = self.services.repo
        assert repo is not None
        self.draft_id = repo.save_draft(
            "note", {"text": text, "addendum_to": self.addendum_to}, case_id=self.case_id, draft_id=self.draft_id
        )

    def save(self, author: str = "") -> UUID | None:
        text = self.text.strip()
        if not text:
            self.error = "Write the note before saving it."
            return None
        if len(text) > MAX_NOTE:
            self.error = f"Keep a note to {MAX_NOTE:,} characters; split it into two notes."
            return None
        repo = self.services.repo
        assert repo is not None
        fields: dict[str, object] = {"text": text, "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
        if author:
            fields["author"] = author
        if self.addendum_to:
            fields["addendum_to"] = self.addendum_to
        rec = repo.save_record("note", fields, case_id=self.case_id)
        if self.draft_id is not None:
            repo.delete_draft(self.draft_id)
        self.services.changed()
        return rec.id
