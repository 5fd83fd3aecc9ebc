"""Routing a referral to a local authority from the child's postcode.

The table maps postcode districts (``TQ1``) or sectors (``PL9 0``, more specific, checked first) to one or more
local authorities. One candidate: routed. Several (a district that crosses a boundary): the user chooses among them.
None, or no valid postcode: the user chooses from every authority in the table ("unknown, choose"). The bundled table
(forms/data/la_routing.json) covers Devon, Torbay, Plymouth, Cornwall and their borders; a hub administrator replaces
it by passing their own data to ``load_routing_table``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from forms._errors import SpecError
from forms._identifiers import normalise_postcode


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: The written follow-up to a phone call to the MASH is due within this many hours, unless the authority says.
DEFAULT_FOLLOW_UP_HOURS: Final = 24


class LocalAuthority(_Model):
    """A local authority that receives referrals: ONS (GSS) code, a short key, the name people know, and how many
    hours its MASH gives for the written referral after a phone call (``follow_up_hours``)."""

    code: Annotated[str, Field(pattern=r"^[EWSN][0-9]{8}$")]
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    follow_up_hours: Annotated[int, Field(ge=1, le=168)] = DEFAULT_FOLLOW_UP_HOURS


class RoutingTable(_Model):
    version: str
    note: str = ""
    authorities: tuple[LocalAuthority, ...]
    #: district ("TQ1") or sector ("PL9 0") -> authority keys, most likely first
    areas: dict[Annotated[str, Field(pattern=r"^[A-Z]{1,2}[0-9][0-9A-Z]?( [0-9])?$")], tuple[str, ...]]

    @model_validator(mode="after")
    def _keys_known(self) -> RoutingTable:
        keys = {a.key for a in self.authorities}
        if len(keys) != len(self.authorities):
            raise ValueError("authority keys repeat")
        for area, names in self.areas.items():
            if not names or not set(names) <= keys:
                raise ValueError(f"{area}: unknown or no authority in {names}")
        return self

    def authority(self, key: str) -> LocalAuthority | None:
        return next((a for a in self.authorities if a.key == key or a.code == key), None)


class Routing(_Model):
    """The outcome of routing a postcode: ``status`` says what the app must do."""

    status: Literal["routed", "choose", "unknown_area", "invalid_postcode"]
    postcode: str | None
    authority: LocalAuthority | None = None
    #: whom to offer: the candidates of a border district, or every authority when the area is unknown
    candidates: tuple[LocalAuthority, ...] = ()


def load_routing_table(data: Mapping[str, object] | str | bytes | None = None) -> RoutingTable:
    """The bundled table (``None``), or an administrator's table given as parsed JSON or JSON text.

    Raises SpecError if the table is malformed (the hub reports it; the old table stays in use).
    """
    if data is None:
        return _bundled()
    try:
        if isinstance(data, str | bytes):
            return RoutingTable.model_validate_json(data)
        return RoutingTable.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"routing table: {exc}") from exc


@cache
def _bundled() -> RoutingTable:
    raw = resources.files("forms").joinpath("data", "la_routing.json").read_bytes()
    return load_routing_table(json.loads(raw))


def route(postcode: object, table: RoutingTable | None = None) -> Routing:
    """Where a referral for a child at ``postcode`` goes, or whom to offer the user."""
    table = table or _bundled()
    normal = normalise_postcode(postcode)
    if normal is None:
        return Routing(status="invalid_postcode", postcode=None, candidates=table.authorities)
    keys = table.areas.get(normal[:-2]) or table.areas.get(normal.split(" ")[0])
    if not keys:
        return Routing(status="unknown_area", postcode=normal, candidates=table.authorities)
    found = tuple(a for k in keys if (a := table.authority(k)) is not None)
    if len(found) == 1:
        return Routing(status="routed", postcode=normal, authority=found[0], candidates=found)
    return Routing(status="choose", postcode=normal, candidates=found)


def route_postcode(postcode: object, table: RoutingTable | None = None) -> LocalAuthority | None:
    """The one local authority for this postcode, or None when the user must choose (see ``route``)."""
    return route(postcode, table).authority
