"""Test helpers: example answers, edits by path, issue lookups."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from forms import EXAMPLE_TODAY, ValidationIssue, example_answers, load_spec, validate

DELETE = object()
_STEP = re.compile(r"([a-z0-9_]+)(?:\[(\d+)\])?")


def edit(answers: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply {"children[0].mobile": False, "police_reference": DELETE} to answers (in place; returned)."""
    for path, value in changes.items():
        steps = path.split(".")
        target: Any = answers
        for step in steps[:-1]:
            match = _STEP.fullmatch(step)
            assert match, step
            target = target.setdefault(match.group(1), {} if match.group(2) is None else [])
            if match.group(2) is not None:
                target = target[int(match.group(2))]
        last = steps[-1]
        if value is DELETE:
            target.pop(last, None)
        else:
            target[last] = value
    return answers


def issues_for(form_id: str, changes: Mapping[str, Any], **kwargs: Any) -> list[ValidationIssue]:
    answers = edit(example_answers(form_id), changes)
    return validate(load_spec(form_id), answers, today=EXAMPLE_TODAY, **kwargs)


def codes(issues: Iterable[ValidationIssue]) -> set[tuple[str, str]]:
    return {(i.path, i.code) for i in issues}
