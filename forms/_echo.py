"""What a response repeats from the request it answers: the answers a form prefills from ``request.*`` and shows
read-only (the reference, the priority, the deadline, the child, the questions asked, one entry per question).

The app never lets them be edited; the hub checks them against the request it holds, so a device that sends other
values (an earlier deadline, a softened question, a question left out) is refused rather than stored as if the MASH
had asked it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from forms._compile import CNode
from forms._engine import clean_answers
from forms._errors import UnknownForm
from forms._issues import IssueCode, ValidationIssue
from forms._prefill import initial_answers
from forms._registry import compiled, load_spec
from forms._spec import FormField, FormSpec, Repeat

_CHANGED = "This comes from the MASH's request and cannot be changed."
_QUESTIONS = "Give one answer for each question the MASH asked, and no others."


def response_echo_issues(response: Mapping[str, Any], request: Mapping[str, Any]) -> list[ValidationIssue]:
    """Issues for every read-only answer of ``response`` (a response record's fields: form_id, form_version,
    answers) that differs from what its form prefills from ``request`` (the request record's fields). An answer
    left out is not an issue here (the form's own rules say whether it is required). Unknown forms: no issues
    (the record's own validation refuses them)."""
    version = response.get("form_version")
    try:
        spec = load_spec(str(response.get("form_id")), version if isinstance(version, int) else None)
    except UnknownForm:
        return []
    answers = response.get("answers")
    if not isinstance(answers, Mapping):
        return []
    root = compiled(spec).root
    # What the answers would be with every copied answer as the form prefills it, cleaned as the app cleans a
    # submission (identifiers normalised, hidden answers dropped): the other answers decide what is shown.
    expected = clean_answers(spec, with_request_copy(spec, answers, request))
    given = clean_answers(spec, answers)  # both sides cleaned: 943 476 5919 is 9434765919
    return list(_differences(root, given, expected, "answers.", from_request=False))


def with_request_copy(spec: FormSpec, answers: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """``answers`` with every copied answer as ``request`` gives it now (a draft resumed after the MASH moved the
    deadline shows the new one); the writer's own answers, those to each question included, stay as they are."""
    return _restored(compiled(spec).root, answers, initial_answers(spec, request=request), from_request=False)


def _restored(
    node: CNode, answers: Mapping[str, Any], initial: Mapping[str, Any], *, from_request: bool
) -> dict[str, Any]:
    out = dict(answers)
    for name, cf in node.fields.items():
        spec = cf.spec
        if isinstance(spec, Repeat):
            if cf.node is None or not _from_request(spec.prefill, False):
                continue
            given = answers.get(name)
            entries = given if isinstance(given, list) else []
            out[name] = [
                _restored(cf.node, _entry(entries, i), want, from_request=True)
                for i, want in enumerate(initial.get(name) or [])
            ]
        elif isinstance(spec, FormField) and spec.read_only and _from_request(spec.prefill, from_request):
            out.pop(name, None)
            if name in initial:
                out[name] = initial[name]
    return out


def _entry(entries: list[Any], index: int) -> Mapping[str, Any]:
    entry = entries[index] if index < len(entries) else None
    return entry if isinstance(entry, Mapping) else {}


def _differences(
    node: CNode, answers: Mapping[str, Any], expected: Mapping[str, Any], prefix: str, *, from_request: bool
) -> Iterator[ValidationIssue]:
    for name, cf in node.fields.items():
        spec, path = cf.spec, f"{prefix}{name}"
        if name not in answers:
            continue
        given = answers[name]
        if isinstance(spec, Repeat):
            if cf.node is None or not _from_request(spec.prefill, False):
                continue  # a repeat the writer fills (children, adults): nothing in it comes from the request
            wanted = expected.get(name) or []
            if not isinstance(given, list) or len(given) != len(wanted):
                yield ValidationIssue(path=path, code=IssueCode.NOT_AS_REQUESTED, message=_QUESTIONS)
                continue
            for i, (entry, want) in enumerate(zip(given, wanted, strict=True)):
                if isinstance(entry, Mapping):
                    yield from _differences(cf.node, entry, want, f"{path}[{i}].", from_request=True)
        elif (
            isinstance(spec, FormField)
            and spec.read_only
            and _from_request(spec.prefill, from_request)
            and given != expected.get(name)
        ):
            yield ValidationIssue(path=path, code=IssueCode.NOT_AS_REQUESTED, message=_CHANGED)


def _from_request(prefill: str | None, in_request_entry: bool) -> bool:
    """A prefill from the request itself, or (``item``) from one entry of a list the request gave."""
    return prefill is not None and (prefill.startswith("request.") or (prefill == "item" and in_request_entry))
