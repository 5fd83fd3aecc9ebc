"""Draft migration across the two bundled versions of the case note."""

from __future__ import annotations

import pytest

from forms import (
    DraftMismatch,
    FormSpec,
    load_spec,
    migrate_draft,
    new_draft,
    spec_hash,
)

V1 = load_spec("case_note", 1)
V2 = load_spec("case_note", 2)

V1_ANSWERS = {
    "is_addendum": False,
    "note_kind": "phone_call",  # v2 splits this into telephone / video_call: set aside
    "happened_at": "2026-11-30T09:30:00+00:00",
    "text": "Phoned mother; she sounded low.",
    "was_not_brought": True,  # removed in v2 (replaced by attendance): set aside
    "author": "Sam Carter",
    "attachments": [{"file": {"sha256": "ab" * 32, "name": "a.jpg", "media_type": "image/jpeg", "size": 1}}],
}


def test_answers_that_fit_are_kept_and_the_rest_set_aside_with_their_values() -> None:
    draft = new_draft(V1, V1_ANSWERS)
    result = migrate_draft(draft, V2)
    assert result.changed
    assert result.draft.form_version == 2
    assert result.draft.spec_hash == spec_hash(V2)
    assert result.draft.answers == {k: v for k, v in V1_ANSWERS.items() if k not in ("note_kind", "was_not_brought")}
    flagged = {(f.path, f.code, str(f.value)) for f in result.flagged}
    assert flagged == {("note_kind", "no_longer_valid", "phone_call"), ("was_not_brought", "field_removed", "True")}
    assert result.draft.set_aside == result.flagged  # carried on the draft until the user deals with them
    assert set(result.kept) == {"is_addendum", "happened_at", "text", "author", "attachments[0].file"}


def test_nothing_is_silently_dropped() -> None:
    result = migrate_draft(new_draft(V1, V1_ANSWERS), V2)
    kept_values = dict(result.draft.answers)
    flagged_values = {f.path: f.value for f in result.flagged}
    for key, value in V1_ANSWERS.items():
        assert kept_values.get(key) == value or flagged_values.get(key) == value, key


def test_a_half_typed_answer_is_kept_not_flagged() -> None:
    answers = {**V1_ANSWERS, "note_kind": "visit", "happened_at": "2026-11-3"}  # invalid in v1 already
    result = migrate_draft(new_draft(V1, answers), V2)
    assert result.draft.answers["happened_at"] == "2026-11-3"
    assert "happened_at" not in {f.path for f in result.flagged}


def test_the_same_spec_is_a_no_op() -> None:
    draft = new_draft(V2, {"text": "x", "note_kind": "telephone"})
    result = migrate_draft(draft, V2)
    assert not result.changed
    assert result.draft is draft
    assert set(result.kept) == {"text", "note_kind"}


def test_repeats_are_migrated_item_by_item_and_extra_items_set_aside() -> None:
    spec = FormSpec.model_validate(
        {**V2.model_dump(), "version": 3, "items": [
            i.model_dump() if i.id != "attachments" else {**i.model_dump(), "max": 1} for i in V2.items
        ]}
    )  # fmt: skip
    file = {"sha256": "cd" * 32, "name": "b.jpg", "media_type": "image/jpeg", "size": 2}
    answers = {"attachments": [{"file": file, "caption": "one"}, {"file": file, "old_field": 1}]}
    result = migrate_draft(new_draft(V2, answers), spec)
    assert result.draft.answers == {"attachments": [{"file": file, "caption": "one"}]}
    assert {(f.path, f.code) for f in result.flagged} == {("attachments[1]", "too_many_items")}


def test_a_draft_of_another_form_is_refused() -> None:
    with pytest.raises(DraftMismatch):
        migrate_draft(new_draft(V1, {}), load_spec("hv_concern"))


def test_an_unknown_old_version_flags_everything_that_no_longer_fits() -> None:
    draft = new_draft(V1, V1_ANSWERS).model_copy(update={"form_version": 7, "spec_hash": "0" * 64})
    result = migrate_draft(draft, V2)
    assert {f.path for f in result.flagged} == {"note_kind", "was_not_brought"}
