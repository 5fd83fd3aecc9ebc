"""The bundled specs: they load, compile, match the JSON Schema, hash stably, and require what they say."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema_rs
import pytest

from forms import (
    EXAMPLE_TODAY,
    FormSpec,
    Group,
    Repeat,
    SpecError,
    UnknownForm,
    check_spec,
    clean_answers,
    example_answers,
    list_specs,
    list_versions,
    load_spec,
    spec_hash,
    spec_json_schema,
    validate,
    validate_submission,
)

FORM_IDS = ["case_note", "gp_response", "hv_concern", "sn_referral", "team_response"]


def test_the_five_forms_are_bundled_at_their_latest_versions() -> None:
    assert [(s.id, s.version) for s in list_specs()] == [
        ("case_note", 2),
        ("gp_response", 2),
        ("hv_concern", 3),
        ("sn_referral", 3),
        ("team_response", 1),
    ]
    assert list_versions("case_note") == [1, 2]
    assert list_versions("hv_concern") == list_versions("sn_referral") == [1, 2, 3]
    assert list_versions("gp_response") == [1, 2]
    assert load_spec("case_note", 1).version == 1
    assert load_spec("gp_response").record_type == "response"


@pytest.mark.parametrize(("form_id", "version"), [("nope", None), ("hv_concern", 9), ("hv_concern", 0)])
def test_unknown_forms_raise_unknown_form(form_id: str, version: int | None) -> None:
    with pytest.raises(UnknownForm):
        load_spec(form_id, version)


def test_the_schema_file_is_up_to_date() -> None:
    stored = json.loads(resources.files("forms").joinpath("data", "form_spec.schema.json").read_text())
    assert stored == spec_json_schema(), "regenerate forms/data/form_spec.schema.json from spec_json_schema()"


def test_every_spec_file_matches_the_json_schema() -> None:
    schema = spec_json_schema()
    assert jsonschema_rs.meta.is_valid(schema)
    validator = jsonschema_rs.validator_for(schema)
    for entry in resources.files("forms").joinpath("specs").iterdir():
        assert validator.is_valid(json.loads(entry.read_text())), entry.name
    assert not validator.is_valid({"id": "x", "version": 1, "title": "X", "items": [{"kind": "nope", "id": "a"}]})


def test_spec_hash_is_stable_and_sensitive() -> None:
    spec = load_spec("hv_concern")
    copy = FormSpec.model_validate_json(spec.model_dump_json())
    assert spec_hash(copy) == spec_hash(spec)
    assert len(spec_hash(spec)) == 64
    changed = spec.model_copy(update={"title": "Health visitor concern (amended)"})
    assert spec_hash(changed) != spec_hash(spec)
    assert len({spec_hash(s) for s in list_specs()}) == 5


def _always_required(items: tuple[Any, ...]) -> list[str]:
    """Fields that must be answered whatever else is answered: required, with no show_if on them or their groups."""
    out: list[str] = []
    for item in items:
        if item.show_if is not None:
            continue
        if isinstance(item, Group):
            out.extend(_always_required(item.items))
        elif not isinstance(item, Repeat) and item.required and item.calculate is None:
            out.append(item.id)
    return out


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_leaving_out_any_required_answer_is_an_error(form_id: str) -> None:
    spec = load_spec(form_id)
    required = _always_required(spec.items)
    assert len(required) >= 3
    for name in required:
        answers = example_answers(form_id)
        del answers[name]
        issues = validate(spec, answers, today=EXAMPLE_TODAY)
        assert (name, "required") in {(i.path, i.code) for i in issues}, name


def _spec(items: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None) -> FormSpec:
    return FormSpec.model_validate({"id": "t", "version": 1, "title": "T", "items": items, "rules": rules or []})


YES = {"kind": "yes_no", "id": "a", "label": "A"}


@pytest.mark.parametrize(
    ("items", "rules", "message"),
    [
        ([YES, YES], [], "used twice"),
        ([{"kind": "single_choice", "id": "c", "label": "C"}], [], "options"),
        ([{**YES, "options": [{"code": "x", "label": "X"}]}], [], "options"),
        ([{"kind": "single_choice", "id": "c", "label": "C", "options": [{"code": "x", "label": "X"}] * 2}], [],
         "repeat"),
        ([{"kind": "display", "id": "d", "label": "D"}], [], "needs text"),
        ([{"kind": "person_ref", "id": "p", "label": "P"}], [], "sources"),
        ([YES, {"kind": "person_ref", "id": "p", "label": "P", "sources": ["a"]}], [], "not a repeat"),
        ([{"kind": "short_text", "id": "s", "label": "S", "pattern": "("}], [], "bad pattern"),
        ([YES], [{"id": "r", "scope": "kids", "when": True, "code": "x", "message": "X"}], "not a repeat"),
        ([YES], [{"id": "r", "path": "b", "when": True, "code": "x", "message": "X"}], "no field"),
        ([{**YES, "show_if": {"var": "b"}}], [], "unknown name"),
    ],
)  # fmt: skip
def test_malformed_specs_are_spec_errors(
    items: list[dict[str, Any]], rules: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(SpecError, match=message):
        check_spec(_spec(items, rules))


@pytest.mark.parametrize("form_id", FORM_IDS)
@pytest.mark.parametrize("years_later", [0, 1, 5, 20])
def test_the_examples_stay_valid_and_clean_on_later_days(form_id: str, years_later: int) -> None:
    spec = load_spec(form_id)
    today = EXAMPLE_TODAY.replace(year=EXAMPLE_TODAY.year + years_later)
    answers = example_answers(form_id)
    assert validate_submission(spec, answers, today=today) == []
    assert clean_answers(spec, answers, today=today) == answers


@pytest.mark.parametrize("group_id", ["urgency", "concern", "level", "consent_sharing", "professionals_group"])
def test_the_common_core_is_the_same_on_both_referral_forms(group_id: str) -> None:
    def group(form_id: str) -> Any:
        return next(i for i in load_spec(form_id).items if i.id == group_id).model_dump()

    assert group("hv_concern") == group("sn_referral")
