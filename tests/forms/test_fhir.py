"""FHIR R4 export, validated with fhir.resources (its R4B models: Questionnaire and QuestionnaireResponse are the
same as R4's for everything used here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from forms import (
    EXAMPLE_TODAY,
    example_answers,
    list_specs,
    load_spec,
    spec_hash,
    to_fhir_questionnaire,
    to_fhir_questionnaire_response,
)
from tests.forms._helpers import edit

FORM_IDS = [s.id for s in list_specs()] + ["case_note@1"]


def _spec(form_id: str) -> Any:
    name, _, version = form_id.partition("@")
    return load_spec(name, int(version) if version else None)


def _link_ids(items: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for item in items:
        out.append(item["linkId"])
        out.extend(_link_ids(item.get("item", [])))
    return out


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_spec_is_a_valid_questionnaire(form_id: str) -> None:
    spec = _spec(form_id)
    resource = to_fhir_questionnaire(spec)
    parsed = Questionnaire.model_validate(resource)
    assert parsed.version == str(spec.version)
    assert parsed.identifier is not None
    assert parsed.identifier[0].value == spec_hash(spec)
    links = _link_ids(resource["item"])
    assert len(links) == len(set(links))  # linkIds are unique
    every = set(links)
    for item in _walk(resource["item"]):
        for condition in item.get("enableWhen", []):
            assert condition["question"] in every


def _walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        out.append(item)
        out.extend(_walk(item.get("item", [])))
    return out


def test_questionnaire_details() -> None:
    resource = to_fhir_questionnaire(load_spec("hv_concern"))
    items = {i["linkId"]: i for i in _walk(resource["item"])}
    assert items["children"]["repeats"] is True
    assert items["children.injuries"]["type"] == "group"
    assert items["children.injuries.position"]["type"] == "group"  # body map: view, x, y, region
    assert items["categories"]["repeats"] is True
    assert items["categories"]["answerOption"][0]["valueCoding"]["code"] == "physical"
    assert items["call_999_time"]["enableWhen"] == [
        {"question": "immediate_danger", "operator": "=", "answerBoolean": True}
    ]
    assert items["children.fgm_known"]["extension"][0]["url"].endswith("show-if-expression")  # richer logic
    assert items["dash_score"]["readOnly"] is True


@pytest.mark.parametrize("form_id", [s.id for s in list_specs()])
def test_every_example_is_a_valid_questionnaire_response(form_id: str) -> None:
    spec = load_spec(form_id)
    resource = to_fhir_questionnaire_response(
        spec,
        example_answers(form_id),
        subject="Patient/9990000018",
        authored=dt.datetime(2026, 11, 30, 10, 20, tzinfo=dt.UTC),
        author="Sam Carter",
        today=EXAMPLE_TODAY,
    )
    parsed = QuestionnaireResponse.model_validate(resource)
    assert parsed.questionnaire == f"urn:mash-field:form:{spec.id}|{spec.version}"
    questions = set(_link_ids(to_fhir_questionnaire(spec)["item"]))
    assert set(_link_ids(resource["item"])) <= questions  # every answer belongs to a question


def test_response_answers_and_repeats() -> None:
    answers = edit(
        example_answers("hv_concern"), {"children[0].date_of_birth": {"value": "2021-03-14", "estimated": True}}
    )
    resource = to_fhir_questionnaire_response(load_spec("hv_concern"), answers, today=EXAMPLE_TODAY)
    top = {i["linkId"]: i for i in resource["item"]}
    children = [i for i in top["children_group"]["item"] if i["linkId"] == "children"]
    assert len(children) == 3
    first = {i["linkId"]: i for i in children[0]["item"]}
    assert first["children.nhs_number"]["answer"] == [{"valueString": "9990000018"}]
    assert first["children.date_of_birth"]["answer"][0]["valueDate"] == "2021-03-14"
    assert first["children.date_of_birth"]["answer"][0]["extension"][0]["valueBoolean"] is True
    injuries = [i for i in children[0]["item"] if i["linkId"] == "children.injuries"]
    assert len(injuries) == 2
    concern = {i["linkId"]: i for i in top["concern"]["item"]}
    assert [a["valueCoding"]["code"] for a in concern["categories"]["answer"]] == ["physical", "neglect"]


def test_the_subject_may_be_given_by_nhs_number() -> None:
    resource = to_fhir_questionnaire_response(
        load_spec("case_note"), example_answers("case_note"), nhs_number="9990000018", today=EXAMPLE_TODAY
    )
    parsed = QuestionnaireResponse.model_validate(resource)
    assert parsed.subject is not None
    assert parsed.subject.identifier is not None
    assert parsed.subject.identifier.system == "https://fhir.nhs.uk/Id/nhs-number"
    assert parsed.subject.identifier.value == "9990000018"


def test_hidden_answers_are_not_exported() -> None:
    answers = edit(example_answers("hv_concern"), {"police_reference": "should not leave"})
    resource = to_fhir_questionnaire_response(load_spec("hv_concern"), answers, today=EXAMPLE_TODAY)
    assert "police_reference" not in _link_ids(resource["item"])
    assert "should not leave" not in str(resource)
