"""Enrolment with the hub: address and one-time code, or skip and enrol later (work offline meanwhile)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldapp._services import Services


@dataclass
class EnrolState:
    services: Services
    hub_url: str = ""
    code: str = ""
    error: str = ""
    done: bool = False

    def __post_init__(self) -> None:
        if not self.hub_url:
            self.hub_url = self.services.config.hub_url or ""

    def submit(self) -> bool:
        self.error = self.services.enrol(self.hub_url, self.code)
        self.done = not self.error
        if self.done:
            self.code = ""
        return self.done

    def who(self) -> str:
        creds = self.services.credentials()
        if creds is None:
            return ""
        u = creds.user
        return f"{u.display_name} ({u.role.value.replace('_', ' ')}, {u.organisation})"
