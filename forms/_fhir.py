"""FHIR R4 export: each spec as a Questionnaire, each submitted form as a QuestionnaireResponse (plain dicts).

linkIds are the answer paths without indices (``children.nhs_number``), unique in a spec. Groups and repeats become
``group`` items (repeats with ``repeats: true``); a body-map position and a signature become small groups of their
parts. ``show_if`` of the simple form ``{"eq": [{"var": x}, literal]}`` becomes ``enableWhen``; richer logic is
carried, for systems that want it, in an extension holding the expression JSON. Tests validate the output with the
``fhir.resources`` package (its R4B models, which match R4 for these two resources).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, Final

from forms._engine import Scope, clean_answers, england_today
from forms._expr import answered
from forms._kinds import KINDS
from forms._registry import compiled, spec_hash
from forms._spec import FormField, FormSpec, Group, Item, Repeat
from forms._values import AttachmentRef, BodyMap, BodyMapPosition, BodyMark, Signature

BASE_URL: Final = "urn:mash-field:form"
EXPRESSION_URL: Final = "urn:mash-field:extension:show-if-expression"
ESTIMATED_URL: Final = "urn:mash-field:extension:estimated"
NHS_NUMBER_SYSTEM: Final = "https://fhir.nhs.uk/Id/nhs-number"


def questionnaire_url(spec: FormSpec) -> str:
    return f"{BASE_URL}:{spec.id}"


def to_fhir_questionnaire(spec: FormSpec) -> dict[str, Any]:
    """The spec as a FHIR R4 Questionnaire resource (a JSON-ready dict)."""
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": spec.id.replace("_", "-"),
        "url": questionnaire_url(spec),
        "version": str(spec.version),
        "identifier": [{"system": f"{BASE_URL}:spec-hash", "value": spec_hash(spec)}],
        "name": "".join(p.capitalize() for p in spec.id.split("_")),
        "title": spec.title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": [_q_item(item, "") for item in spec.items],
    }
    _check_enable_when(resource["item"])
    if spec.description:
        resource["description"] = spec.description
    return resource


def _system(link_id: str) -> str:
    return f"{BASE_URL}:code:{link_id}"


def _q_item(item: Item, prefix: str) -> dict[str, Any]:
    link = prefix + item.id
    out: dict[str, Any] = {"linkId": link, "text": item.label}
    if isinstance(item, Group | Repeat):
        out["type"] = "group"
        child_prefix = link + "." if isinstance(item, Repeat) else prefix
        if isinstance(item, Repeat):
            out["repeats"] = True
            out["required"] = item.min > 0 and item.required_if is None
        out["item"] = [_q_item(i, child_prefix) for i in item.items]
    else:
        _q_field(item, out, link)
    _enable_when(item.show_if, prefix, out)
    return out


_MARK_ITEMS: Final = (
    ("figure", "Figure (infant or child)", "string"),
    ("view", "Side (front or back)", "string"),
    ("x", "Across (0-1)", "decimal"),
    ("y", "Down (0-1)", "decimal"),
    ("region", "Body region", "string"),
    ("size_cm", "Size (cm)", "decimal"),
    ("shape", "Shape", "string"),
)


def _mark_items(link: str, mark: BodyMark) -> list[dict[str, Any]]:
    out = []
    for name, _, kind in _MARK_ITEMS:
        value = getattr(mark, name)
        if value is not None:
            answer = {"valueDecimal": value} if kind == "decimal" else {"valueString": value}
            out.append({"linkId": f"{link}.mark.{name}", "answer": [answer]})
    return out


def _q_field(item: FormField, out: dict[str, Any], link: str) -> None:
    out["type"] = KINDS[item.kind].fhir
    if item.kind == "body_map":
        out["item"] = [
            {"linkId": f"{link}.view", "text": "View", "type": "choice", "answerOption": [
                {"valueCoding": {"system": _system(link + ".view"), "code": v, "display": v.title()}}
                for v in ("front", "back")]},
            {"linkId": f"{link}.x", "text": "Across (0-1)", "type": "decimal"},
            {"linkId": f"{link}.y", "text": "Down (0-1)", "type": "decimal"},
            {"linkId": f"{link}.region", "text": "Body region", "type": "string"},
            {"linkId": f"{link}.mark", "text": "Mark", "type": "group", "repeats": True, "item": [
                {"linkId": f"{link}.mark.{name}", "text": text, "type": kind} for name, text, kind in _MARK_ITEMS]},
        ]  # fmt: skip
    elif item.kind == "signature":
        out["item"] = [
            {"linkId": f"{link}.signed_by", "text": "Signed by", "type": "string"},
            {"linkId": f"{link}.signed_at", "text": "Signed at", "type": "dateTime"},
            {"linkId": f"{link}.attested", "text": item.text or "I attest", "type": "boolean"},
        ]
    if item.kind == "display":
        out["text"] = item.text or item.label
    if item.required:
        out["required"] = True
    if item.read_only or item.calculate is not None:
        out["readOnly"] = True
    if item.kind == "multi_choice":
        out["repeats"] = True
    if item.options:
        out["answerOption"] = [
            {"valueCoding": {"system": _system(link), "code": o.code, "display": o.label}} for o in item.options
        ]
    if item.kind in ("short_text", "long_text") and item.max_length:
        out["maxLength"] = item.max_length


def _enable_when(expr: object, prefix: str, out: dict[str, Any]) -> None:
    if expr is None:
        return
    text = json.dumps(expr, sort_keys=True, separators=(",", ":"))
    simple = _simple_eq(expr, prefix)
    if simple is not None:
        out["enableWhen"] = [{**simple, "_expr": text}]  # "_expr" is removed by _check_enable_when
        return
    out.setdefault("extension", []).append({"url": EXPRESSION_URL, "valueString": text})


def _all_items(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        found[item["linkId"]] = item
        found.update(_all_items(item.get("item", [])))
    return found


def _check_enable_when(items: list[dict[str, Any]]) -> None:
    """Keep an enableWhen only if it names a question of the matching type; else fall back to the extension."""
    every = _all_items(items)
    for item in every.values():
        for condition in item.get("enableWhen", []):
            target = every.get(condition["question"], {})
            wanted = "boolean" if "answerBoolean" in condition else "choice"
            if target.get("type") != wanted or target.get("repeats"):
                del item["enableWhen"]
                item.setdefault("extension", []).append({"url": EXPRESSION_URL, "valueString": condition.pop("_expr")})
                break
            condition.pop("_expr")


def _simple_eq(expr: object, prefix: str) -> dict[str, Any] | None:
    """``{"eq": [{"var": name}, literal]}`` with ``name`` in the same scope -> an enableWhen condition."""
    if not (isinstance(expr, dict) and set(expr) == {"eq"} and isinstance(args := expr["eq"], list) and len(args) == 2):
        return None
    var, literal = args
    if not (isinstance(var, dict) and set(var) == {"var"} and isinstance(var["var"], str)):
        return None
    question = prefix + var["var"]
    if isinstance(literal, bool):
        return {"question": question, "operator": "=", "answerBoolean": literal}
    if isinstance(literal, str):
        return {"question": question, "operator": "=", "answerCoding": {"system": _system(question), "code": literal}}
    return None


def to_fhir_questionnaire_response(
    spec: FormSpec,
    answers: Mapping[str, object],
    *,
    subject: str | None = None,
    authored: dt.datetime | None = None,
    author: str | None = None,
    status: str = "completed",
    response_id: str | None = None,
    nhs_number: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A submitted form as a FHIR R4 QuestionnaireResponse. Only visible, answered questions appear (the answers are
    cleaned first). The subject is ``subject`` (a reference such as ``"Patient/123"``) or, given ``nhs_number``, a
    logical reference by NHS number; ``author`` is a display name."""
    day = today or england_today()
    clean = clean_answers(spec, answers, today=day)
    root = Scope(compiled(spec).root, clean, None, day)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire_url(spec)}|{spec.version}",
        "status": status,
        "item": _r_items(spec.items, root, ""),
    }
    if response_id:
        resource["id"] = response_id
    if subject:
        resource["subject"] = {"reference": subject}
    elif nhs_number:
        resource["subject"] = {"type": "Patient", "identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}
    if authored:
        resource["authored"] = authored.isoformat()
    if author:
        resource["author"] = {"display": author}
    return resource


def _r_items(items: tuple[Item, ...], scope: Scope, prefix: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        link = prefix + item.id
        if isinstance(item, Group):
            inner = _r_items(item.items, scope, prefix)
            if inner:
                out.append({"linkId": link, "text": item.label, "item": inner})
        elif isinstance(item, Repeat):
            for child in scope.items(item.id):
                inner = _r_items(item.items, child, link + ".")
                if inner:
                    out.append({"linkId": link, "text": item.label, "item": inner})
        else:
            entry = _r_field(item, scope, link)
            if entry is not None:
                out.append(entry)
    return out


def _r_field(item: FormField, scope: Scope, link: str) -> dict[str, Any] | None:
    if item.kind == "display" or not scope.visible(item.id):
        return None
    value = scope.get(item.id)
    if not answered(value):
        return None
    raw = scope.raw.get(item.id)
    base: dict[str, Any] = {"linkId": link, "text": item.label}
    if isinstance(value, BodyMapPosition):
        parts: list[dict[str, Any]] = [{"linkId": f"{link}.view", "answer": [{"valueCoding": {
            "system": _system(link + ".view"), "code": value.view}}]}]  # fmt: skip
        for name in ("x", "y"):
            if (coordinate := getattr(value, name)) is not None:
                parts.append({"linkId": f"{link}.{name}", "answer": [{"valueDecimal": coordinate}]})
        if value.region:
            parts.append({"linkId": f"{link}.region", "answer": [{"valueString": value.region}]})
        return {**base, "item": parts}
    if isinstance(value, BodyMap):
        return {**base, "item": [{"linkId": f"{link}.mark", "item": _mark_items(link, m)} for m in value.marks]}
    if isinstance(value, Signature):
        return {**base, "item": [
            {"linkId": f"{link}.signed_by", "answer": [{"valueString": value.signed_by}]},
            {"linkId": f"{link}.signed_at", "answer": [{"valueDateTime": value.signed_at}]},
            {"linkId": f"{link}.attested", "answer": [{"valueBoolean": True}]},
        ]}  # fmt: skip
    if isinstance(value, AttachmentRef):
        answer: list[dict[str, Any]] = [{"valueAttachment": {
            "contentType": value.media_type, "title": value.name, "size": value.size,
            "url": f"urn:sha256:{value.sha256}"}}]  # fmt: skip
    elif item.kind == "multi_choice":
        answer = [{"valueCoding": _coding(item, link, code)} for code in value]
    elif item.kind == "single_choice":
        answer = [{"valueCoding": _coding(item, link, value)}]
    elif isinstance(value, bool):
        answer = [{"valueBoolean": value}]
    elif item.kind == "integer":
        answer = [{"valueInteger": value}]
    elif item.kind == "decimal":
        answer = [{"valueDecimal": value}]
    elif item.kind == "date":
        answer = [{"valueDate": value.isoformat()}]
        if isinstance(raw, Mapping) and raw.get("estimated") is True:
            answer[0]["extension"] = [{"url": ESTIMATED_URL, "valueBoolean": True}]
    elif item.kind == "datetime":
        answer = [{"valueDateTime": value.isoformat()}]
    elif item.kind == "long_text":
        answer = [{"valueString": str(value)}]
    else:
        answer = [{"valueString": str(value)}]
    return {**base, "answer": answer}


def _coding(item: FormField, link: str, code: str) -> dict[str, Any]:
    label = next((o.label for o in item.options if o.code == code), code)
    return {"system": _system(link), "code": code, "display": label}
