"""ValidationIssue: what every check in this package returns instead of raising."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning"]


class ValidationIssue(BaseModel):
    """One problem with an answer or a record.

    ``path`` names the answer (``"children[0].nhs_number"``; ``""`` for the whole form), ``code`` is stable (tests and
    the app match on it), ``message`` is plain English for the user. Errors block submission; warnings do not, but a
    *soft* warning must be overridden with a reason (see ``validate(..., overrides=)``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    code: str
    message: str
    severity: Severity = "error"


def error(path: str, code: str, message: str) -> ValidationIssue:
    return ValidationIssue(path=path, code=code, message=message, severity="error")


def warning(path: str, code: str, message: str) -> ValidationIssue:
    return ValidationIssue(path=path, code=code, message=message, severity="warning")
