"""The check-your-answers page as data: sections in the spec's order, plain words, a path for every Change link."""

from __future__ import annotations

from forms import (
    EXAMPLE_TODAY,
    NOT_KNOWN,
    FormSpec,
    check_answers,
    evaluate,
    example_answers,
    load_spec,
    section_statuses,
)
from tests.forms._helpers import DELETE, edit


def _rows(form_id: str, answers: dict[str, object]) -> dict[str, tuple[str, str, bool]]:
    sections = check_answers(load_spec(form_id), answers, today=EXAMPLE_TODAY)
    return {r.path: (r.label, r.value, r.changeable) for s in sections for r in s.rows}


def test_sections_follow_the_forms_groups_with_the_urgency_gate_first() -> None:
    sections = check_answers(load_spec("hv_concern"), example_answers("hv_concern"), today=EXAMPLE_TODAY)
    assert sections[0].title == "Urgency"
    assert [s.id for s in sections] == [
        g.id for g in load_spec("hv_concern").items if any(s.id == g.id for s in sections)
    ]


def test_values_are_in_plain_words_with_the_path_of_their_field() -> None:
    rows = _rows("hv_concern", example_answers("hv_concern"))
    assert rows["immediate_danger"] == ("Is a child in immediate danger?", "No", True)
    assert rows["visit_date"][1] == "30 November 2026"
    assert rows["visit_type"][1] == "Home visit"  # the option's label, not its code
    assert rows["children[0].nhs_number"] == ("Child 1: NHS number", "999 000 0018", True)
    assert rows["children[0].child_name"][0] == "Child 1: Child's full name"
    assert rows["attestation"][1].startswith("Signed as ")
    assert not any("{" in value or "_" in value.split()[0] for _, value, _ in rows.values() if value)


def test_hidden_and_blank_questions_are_left_out() -> None:
    answers = example_answers("hv_concern")
    rows = _rows("hv_concern", answers)
    assert "call_999_time" not in rows  # hidden: no immediate danger
    edit(answers, {"immediate_danger": True, "call_999_time": "2026-11-30T09:00:00+00:00"})
    rows = _rows("hv_concern", answers)
    assert rows["call_999_time"][1] == "09:00 on 30 November 2026"
    assert "police_reference" not in rows  # shown but not answered


def test_read_only_answers_have_no_change_link_and_not_known_reads_as_words() -> None:
    spec = FormSpec.model_validate(
        {
            "id": "t",
            "version": 1,
            "title": "Test form",
            "items": [
                {"kind": "short_text", "id": "ref", "label": "Reference", "read_only": True},
                {"kind": "nhs_number", "id": "nhs", "label": "NHS number", "required": True, "allow_not_known": True},
            ],
        }
    )
    [section] = check_answers(spec, {"ref": "MASH-1", "nhs": dict(NOT_KNOWN)}, today=EXAMPLE_TODAY)
    assert section.title == "Test form"
    assert [(r.path, r.value, r.changeable) for r in section.rows] == [
        ("ref", "MASH-1", False),
        ("nhs", "Not known", True),
    ]


def test_the_task_list_gives_each_section_its_status_with_the_urgency_gate_first() -> None:
    spec = load_spec("hv_concern")
    blank = section_statuses(spec, evaluate(spec, {}, today=EXAMPLE_TODAY))
    assert blank[0].title == "Urgency"
    assert blank[0].first == "immediate_danger"
    assert {s.status for s in blank} == {"Not started"}
    answers = example_answers("hv_concern")
    done = {s.id: s.status for s in section_statuses(spec, evaluate(spec, answers, today=EXAMPLE_TODAY))}
    assert done["urgency"] == done["visit"] == "Completed"
    edit(answers, {"visit_date": DELETE})
    partly = {s.id: s.status for s in section_statuses(spec, evaluate(spec, answers, today=EXAMPLE_TODAY))}
    assert partly["visit"] == "In progress"  # answered in part, a required question blank
    assert partly["urgency"] == "Completed"


def test_a_hidden_section_cannot_start_yet() -> None:
    spec = FormSpec.model_validate(
        {
            "id": "t",
            "version": 1,
            "title": "T",
            "items": [
                {"kind": "group", "id": "gate", "label": "Gate",
                 "items": [{"kind": "yes_no", "id": "go", "label": "Go on?", "required": True}]},
                {"kind": "group", "id": "rest", "label": "Rest", "show_if": {"eq": [{"var": "go"}, True]},
                 "items": [{"kind": "short_text", "id": "what", "label": "What", "required": True}]},
            ],
        }
    )  # fmt: skip
    assert [s.status for s in section_statuses(spec, evaluate(spec, {}))] == ["Not started", "Cannot start yet"]
    assert [s.status for s in section_statuses(spec, evaluate(spec, {"go": True}))] == ["Completed", "Not started"]
    assert [s.status for s in section_statuses(spec, evaluate(spec, {"go": True, "what": "x"}))] == [
        "Completed",
        "Completed",
    ]
