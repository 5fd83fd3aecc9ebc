"""The local authorities one hub serves (Devon, Torbay, Plymouth, Cornwall in the demo), and which referrals a
console user may read and act on.

An authority is named by its ONS code (``users.authority``); a referral's authority is its ``records.routed_to``,
written by the push from the body's ``local_authority`` (``"Torbay Council (E06000027)"``) and moved only by a
transfer (hub._boundaries). The list comes from the postcode routing table the devices use
(forms/data/la_routing.json), so routing and scoping can never name different councils.

Rule: a console user with an authority reads and acts on that authority's referrals only; one without (a
single-authority hub, a regional admin) on all of them. Every core function that reads or changes a referral asks
``may_act`` or filters with ``scope`` itself: templates and routes never decide it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from hub._tables import records
from protocol import Role

SCOPED_ROLES: Final = frozenset({Role.HUB_STAFF, Role.MANAGER, Role.ADMIN, Role.COMMISSIONER})

# Each MASH's front door, for the staff of another authority who find that it knows a child. Demo values: a
# deployment replaces them through Settings.authority_contacts.
DEMO_CONTACTS: Final = {
    "E10000008": "Devon MASH, mash@devon.example, 0300 000 0001",
    "E06000027": "Torbay MASH, mash@torbay.example, 0300 000 0002",
    "E06000026": "Plymouth MASH (Gateway), gateway@plymouth.example, 0300 000 0003",
    "E06000052": "Cornwall MASH, mash@cornwall.example, 0300 000 0004",
}


@dataclass(frozen=True)
class Authority:
    code: str  # ONS code, E06000027
    key: str  # torbay
    name: str  # Torbay Council

    @property
    def label(self) -> str:
        """How a referral routed here names it (hub._push: ``name (code)``)."""
        return f"{self.name} ({self.code})"


@functools.cache
def _load() -> tuple[Authority, ...]:
    text = resources.files("forms").joinpath("data/la_routing.json").read_text(encoding="utf-8")
    raw = json.loads(text)["authorities"]
    return tuple(Authority(str(a["code"]), str(a["key"]), str(a["name"])) for a in raw)


ALL: Final = _load()
PENINSULA: Final = tuple(a for a in ALL if a.key in ("devon", "torbay", "plymouth", "cornwall"))


def find(value: str | None) -> Authority | None:
    """An authority by ONS code, key, name or routed-to label; None if it is not one the hub knows."""
    if not value:
        return None
    wanted = value.strip().lower()
    for a in ALL:
        if wanted in (a.code.lower(), a.key, a.name.lower(), a.label.lower()):
            return a
    return None


def of_referral(routed_to: str | None) -> Authority | None:
    return find(routed_to)


def name_of(code: str | None) -> str:
    found = find(code)
    return found.name if found else "Not known"


def scope(authority: str | None, routed_to: Any = None) -> ColumnElement[bool]:
    """A SQL condition on ``records`` true for the referrals a user of ``authority`` may read. ``routed_to``: the
    column to test when the referral is an alias of ``records`` (default ``records.routed_to``)."""
    if authority is None:
        return sa.true()
    found = find(authority)
    if found is None:
        return sa.false()
    column = records.c.routed_to if routed_to is None else routed_to
    return column.in_([found.label, found.name])


def may_act(authority: str | None, routed_to: str | None) -> bool:
    """The same rule for a referral in hand."""
    if authority is None:
        return True
    here = of_referral(routed_to)
    return here is not None and here.code == authority
