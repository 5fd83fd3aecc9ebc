"""Who wrote a record: the hub attests it from the authenticated user and device, and checks every author-like field
of a record's body against it, so authorship is never whatever a client writes.

``attest`` makes the ``Author`` stored with each record (``records.author``) and served with it (``Change.hub.author``,
``MutationResult.author``). ``claim_issues`` refuses a body whose author-like fields name anyone else:

- names ("Written by", "Your name", "Recorded by", a referral's ``created_by``) must be the user's display name
  (compared without case or extra spaces);
- a GP response's practice must be the GP's own practice;
- a registration number (GMC number, NMC PIN) must be the one the hub holds for the user, when it holds one (when
  it holds none the number is the user's word, and ``Author.registration`` stays empty, so nobody mistakes it for an
  attested one);
- an information request's ``requested_by`` must be the staff member's username;
- an update of a mutable record may not change its author field (a case's ``created_by``).

``AUTHOR_FIELDS`` and ``FORM_AUTHOR_FIELDS`` are the whole list; ``tests/hub/test_authorship.py`` checks each one,
and that every form spec field asking for the writer's own name or number is in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Final

from pydantic import JsonValue

from forms import WRITER_ANSWERS, WriterSource
from hub._auth import Principal
from protocol import Author, Issue, RecordType, Role

Source = WriterSource

#: Author-like fields at the top of a record's body: (record type, field) -> what it must be.
AUTHOR_FIELDS: Final[dict[tuple[RecordType, str], Source]] = {
    (RecordType.CASE, "created_by"): "display_name",
    (RecordType.NOTE, "author"): "display_name",
    (RecordType.REFERRAL, "created_by"): "display_name",
    (RecordType.INFO_REQUEST, "requested_by"): "username",
}
#: Author-like answers of a form (wherever they sit in its groups and repeats): answer id -> what it must be. They
#: are checked in form and response records and in the forms a referral document carries. The table is the forms
#: package's, so the field app fills in exactly what the hub checks.
FORM_AUTHOR_FIELDS: Final[Mapping[str, Source]] = WRITER_ANSWERS
_FORM_TYPES: Final = frozenset({RecordType.FORM, RecordType.RESPONSE})


def attest(who: Principal, *, on_device: bool = True) -> Author:
    return Author(
        user_id=uuid.UUID(who.user_id),
        display_name=who.display_name,
        role=who.role,
        organisation=who.organisation,
        ods_code=who.ods_code,
        registration=who.registration,
        device_id=uuid.UUID(who.device_id) if on_device else None,
    )


def attested_on_hub(user: Any) -> str:
    """The stored author (JSON) of a record written on the hub itself, by hub staff's tools: a ``users`` row, no
    device."""
    return Author(
        user_id=uuid.UUID(user.user_id),
        display_name=user.display_name,
        role=Role(user.role),
        organisation=user.organisation,
        ods_code=user.ods_code,
        registration=user.registration,
    ).model_dump_json()


def _same(source: Source, claimed: str, who: Principal) -> bool:
    if source == "display_name":
        return " ".join(claimed.split()).casefold() == " ".join(who.display_name.split()).casefold()
    if source == "username":
        return claimed == who.username
    if source == "ods_code":
        return who.ods_code is not None and claimed.strip().upper() == who.ods_code
    if who.registration is None:  # nothing on file to check against: the user's word, never attested
        return True
    return "".join(claimed.split()).upper() == "".join(who.registration.split()).upper()


def _answers(value: JsonValue, path: str) -> Iterator[tuple[str, str, JsonValue]]:
    """Every (path, answer id, value) in a form's answers, through groups and repeats."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}"
            yield here, key, item
            yield from _answers(item, here)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _answers(item, f"{path}[{n}]")


def _claims(record_type: RecordType, fields: Mapping[str, JsonValue]) -> Iterator[tuple[str, Source, JsonValue]]:
    for (kind, name), source in AUTHOR_FIELDS.items():
        if kind == record_type and name in fields:
            yield name, source, fields[name]
    forms: list[tuple[str, JsonValue]] = []
    if record_type in _FORM_TYPES:
        forms.append(("answers", fields.get("answers")))
    carried = fields.get("forms") if record_type == RecordType.REFERRAL else None
    if isinstance(carried, list):  # a referral document carries the forms it was built from, answers and all
        forms += [(f"forms[{n}].answers", f.get("answers")) for n, f in enumerate(carried) if isinstance(f, dict)]
    for base, answers in forms:
        for path, key, value in _answers(answers, base):
            if key in FORM_AUTHOR_FIELDS:
                yield path, FORM_AUTHOR_FIELDS[key], value


def claim_issues(
    record_type: RecordType, fields: Mapping[str, JsonValue], who: Principal, stored: Mapping[str, Any] | None = None
) -> list[Issue]:
    """Issues for every author-like field that names someone other than ``who``. ``stored``: the hub's current
    fields of a record being updated (its author fields may not change at all)."""
    issues = []
    for path, source, value in _claims(record_type, fields):
        if stored is not None:
            if value != stored.get(path):
                issues.append(Issue(path=path, code="author_fixed", message="Who wrote a record cannot be changed."))
            continue
        if value is None or (isinstance(value, str) and _same(source, value, who)):
            continue
        issues.append(Issue(path=path, code="author_mismatch", message=_MESSAGES[source]))
    return issues


_MESSAGES: Final[dict[Source, str]] = {
    "display_name": "This must be your own name as the hub knows it.",
    "username": "This must be your own user name.",
    "ods_code": "This must be your own practice's ODS code.",
    "registration": "This must be your own registration number as the hub holds it.",
}
