"""Server-side validation of records: limits the hub enforces itself, then the forms engine the app uses.

The one place the hub calls ``forms``: ``forms.validate_record(record_type, fields, partial=...)`` returns issues
(path, code, message, severity), and ``forms.response_echo_issues`` checks a response's copy of its request.
Validation never raises; a record with any error is rejected, never stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from pydantic import JsonValue

import forms
from protocol import MAX_STRING_LENGTH, Issue

MAX_DEPTH: Final = 12
MAX_ITEMS: Final = 5_000  # list items and object keys, counted over the whole record


def check_limits(fields: Mapping[str, JsonValue]) -> list[Issue]:
    """String lengths, nesting depth and size of a record's fields."""
    issues: list[Issue] = []
    count = 0

    def walk(value: JsonValue, path: str, depth: int) -> None:
        nonlocal count
        if len(issues) >= 20:
            return
        if depth > MAX_DEPTH:
            issues.append(Issue(path=path, code="too_deep", message=f"nested more than {MAX_DEPTH} levels"))
            return
        if isinstance(value, str):
            if len(value) > MAX_STRING_LENGTH:
                issues.append(Issue(path=path, code="too_long", message=f"longer than {MAX_STRING_LENGTH} characters"))
        elif isinstance(value, dict):
            count += len(value)
            for key, item in value.items():
                if len(key) > 100:
                    issues.append(Issue(path=path, code="too_long", message="a key is longer than 100 characters"))
                    return
                walk(item, f"{path}.{key}" if path else key, depth + 1)
        elif isinstance(value, list):
            count += len(value)
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", depth + 1)

    walk(dict(fields), "", 0)
    if count > MAX_ITEMS:
        issues.append(Issue(path="", code="too_many_items", message=f"more than {MAX_ITEMS} items in one record"))
    return issues


def validate(record_type: str, fields: Mapping[str, JsonValue], *, partial: bool) -> list[Issue]:
    """Every issue with a record: the hub's limits first (cheap, and they protect the forms engine)."""
    issues = check_limits(fields)
    if issues:
        return issues
    return [
        Issue(path=item.path, code=item.code, message=item.message, severity=item.severity)
        for item in forms.validate_record(record_type, fields, partial=partial)
    ]


def request_echo_issues(response: Mapping[str, JsonValue], versions: Sequence[Mapping[str, JsonValue]]) -> list[Issue]:
    """Every answer of a response that should repeat its request (the reference, the priority, the deadline, the
    child, the questions asked) and does not: a device cannot change what the MASH asked. ``versions``: the
    request's fields, newest first; repeating any one version is right (a re-rating moves the deadline while a GP's
    draft holds the one they were given), and issues name the differences from the newest."""
    found = [forms.response_echo_issues(response, fields) for fields in versions]
    if not found or any(not issues for issues in found):
        return []
    return [Issue(path=i.path, code=i.code, message=i.message, severity=i.severity) for i in found[0]]


def errors(issues: list[Issue]) -> bool:
    return any(issue.severity == "error" for issue in issues)
