"""Draft migration across the bundled versions: the case note (v1 -> v2), the referral and GP forms (v1 -> v2), and
the referral forms (v2 -> v3: social care asked for each child)."""

from __future__ import annotations

import pytest

from forms import (
    EXAMPLE_TODAY,
    DraftMismatch,
    FormSpec,
    evaluate,
    example_answers,
    load_spec,
    migrate_draft,
    new_draft,
    spec_hash,
    validate,
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


# -- version 2 of the referral and GP forms (issue 12): a saved v1 draft keeps every answer ------------------------

V2_FORMS = ["hv_concern", "sn_referral", "gp_response"]


def _answered_paths(answers: object, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(answers, dict):
        for key, value in answers.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                for i, item in enumerate(value):
                    out |= _answered_paths(item, f"{prefix}{key}[{i}].")
            elif value not in (None, "", [], {}):
                out.add(prefix + key)
    return out


@pytest.mark.parametrize("form_id", V2_FORMS)
def test_a_full_v1_draft_moves_to_v2_with_every_answer_kept_and_nothing_set_aside(form_id: str) -> None:
    old, new = load_spec(form_id, 1), load_spec(form_id, 2)
    answers = example_answers(form_id, 1)
    assert validate(old, answers, today=EXAMPLE_TODAY) == []  # a complete, valid v1 draft
    result = migrate_draft(new_draft(old, answers), new)
    assert result.changed
    assert (result.draft.form_version, result.draft.spec_hash) == (2, spec_hash(new))
    assert result.flagged == ()
    assert result.draft.set_aside == ()
    assert result.draft.answers == answers
    assert set(result.kept) == _answered_paths(answers)


@pytest.mark.parametrize("form_id", V2_FORMS)
def test_a_migrated_v1_draft_asks_only_the_new_questions(form_id: str) -> None:
    """What is left to do after the move is v2's new questions, never a v1 answer that stopped fitting."""
    answers = migrate_draft(new_draft(load_spec(form_id, 1), example_answers(form_id, 1)), load_spec(form_id)).draft
    issues = validate(load_spec(form_id), answers.answers, today=EXAMPLE_TODAY)
    old_paths = _answered_paths(example_answers(form_id, 1))
    assert issues  # v2 asks more
    assert all(i.code in ("required", "too_few") and i.path not in old_paths for i in issues), issues


def test_a_v1_answer_that_no_longer_fits_is_set_aside_with_its_reason_not_dropped() -> None:
    """No v1 answer stops fitting v2 (the test above), so this takes v2 with one choice taken away, as a later
    version might do: the v1 answer that used it is set aside, with its value and the reason."""
    v2 = load_spec("hv_concern", 2)
    data = v2.model_dump(mode="json", exclude_defaults=True)
    children = next(i for i in data["items"] if i["id"] == "children_group")["items"][0]
    ethnicity = next(i for i in children["items"] if i["id"] == "ethnicity")
    ethnicity["options"] = [o for o in ethnicity["options"] if o["code"] != "white"]
    later = FormSpec.model_validate({**data, "version": 3})
    answers = example_answers("hv_concern", 1)
    result = migrate_draft(new_draft(load_spec("hv_concern", 1), answers), later)
    flagged = {(f.path, f.code, f.value) for f in result.flagged}
    assert flagged == {(f"children[{i}].ethnicity", "no_longer_valid", "white") for i in range(3)}
    assert all(f.message.startswith("The question has changed:") for f in result.flagged)
    assert result.draft.set_aside == result.flagged  # kept on the draft for the user to see
    assert "ethnicity" not in result.draft.answers["children"][0]
    assert result.draft.answers["children"][0]["child_name"] == answers["children"][0]["child_name"]


def test_a_v1_gmc_number_is_kept_and_asked_again_once_the_registration_is_gmc() -> None:
    """v2 asks the registration type first; the v1 GMC number waits, hidden, and is not lost."""
    v2 = load_spec("gp_response", 2)
    migrated = migrate_draft(new_draft(load_spec("gp_response", 1), example_answers("gp_response", 1)), v2).draft
    assert migrated.answers["gmc_number"] == "7012345"
    state = evaluate(v2, {**migrated.answers, "registration_type": "gmc"}, today=EXAMPLE_TODAY)
    assert state.fields["gmc_number"].visible
    assert state.fields["gmc_number"].value == "7012345"


@pytest.mark.parametrize("form_id", ["hv_concern", "sn_referral"])
@pytest.mark.parametrize("open_case", ["yes", "no", "not_known"])
def test_a_v2_households_social_care_answer_becomes_each_childs_in_v3(form_id: str, open_case: str) -> None:
    """Version 3 asks children's social care for each child (``moved_from``): the household's answer in a v2 draft
    is carried into every child that has none, nothing is set aside, and a child's own answer is never overwritten."""
    answers = example_answers(form_id, 2)
    answers.update({"csc_open_case": open_case, "csc_plan": "child_protection", "social_worker_name": "Pat Kerr"})
    answers["children"].append({**answers["children"][0], "csc_open_case": "no"})  # a v2 draft cannot hold this
    result = migrate_draft(new_draft(load_spec(form_id, 2), answers), load_spec(form_id, 3))
    assert result.flagged == ()
    assert not {"csc_open_case", "csc_plan", "social_worker_name"} & set(result.draft.answers)
    children = result.draft.answers["children"]
    assert [c["csc_open_case"] for c in children] == [open_case] * (len(children) - 1) + ["no"]
    assert all(c["social_worker_name"] == "Pat Kerr" for c in children)
    assert {f"children[{i}].csc_plan" for i in range(len(children))} <= set(result.kept)


def test_a_v2_social_care_answer_with_no_child_yet_is_set_aside_saying_where_it_is_asked_now() -> None:
    answers = {"csc_open_case": "yes", "social_worker_name": "Pat Kerr", "child_location_now": "At school."}
    result = migrate_draft(new_draft(load_spec("hv_concern", 2), answers), load_spec("hv_concern", 3))
    assert {(f.path, f.value, f.message) for f in result.flagged} == {
        ("csc_open_case", "yes", "This question is now asked for each child."),
        ("social_worker_name", "Pat Kerr", "This question is now asked for each child."),
    }
    assert result.draft.answers == {"child_location_now": "At school."}
    assert result.draft.set_aside == result.flagged
