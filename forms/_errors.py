"""The forms package's exceptions.

Only programming and packaging mistakes raise; answers typed by a user never do (they produce issues)::

    FormsError
    ├── UnknownForm          load_spec / validate_record asked for a form id or version that is not bundled
    ├── SpecError            a spec or routing table failed to load or compile (a bug in the data, caught by tests)
    ├── DraftMismatch        migrate_draft given a draft of a different form
    └── ReferralError        build_referral given inputs that do not make a referral (``.issues`` says why)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forms._issues import ValidationIssue


class FormsError(Exception):
    """Base of every exception raised by the forms package."""


class UnknownForm(FormsError, LookupError):
    """No bundled spec has this id (and version)."""


class SpecError(FormsError, ValueError):
    """A spec (or routing table) is malformed: bad structure, unknown names, cycles, bad patterns."""


class DraftMismatch(FormsError, ValueError):
    """A draft was offered to a spec of a different form."""


class ReferralError(FormsError, ValueError):
    """The inputs to build_referral do not make a referral; ``issues`` lists every reason."""

    def __init__(self, issues: Sequence[ValidationIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(f"{i.path or '<referral>'}: {i.message}" for i in self.issues))
