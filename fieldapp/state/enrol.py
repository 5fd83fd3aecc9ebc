"""Enrolment with the hub: address and one-time code, or skip and enrol later (work offline meanwhile)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldapp.state.needs import Enrols


@dataclass
class EnrolState:
    services: Enrols
    hub_url: str = ""
    code: str = ""
    error: str = ""
    done: bool = False

    def __post_init__(self) -> None:
        if not self.hub_url:
            self.hub_url = self.services.config.hub_url or self.services.previous_hub_url()

    def submit(self) -> bool:
        self.error = self.services.enrol(self.hub_url, self.code)
        self.done = not self.error
        if self.done:
            self.code = ""
        return self.done

    def enrol_again_text(self) -> str:
        """Why enrolment is asked for after the hub cancelled the sign-in ("" when it did not)."""
        if not self.services.must_enrol_again():
            return ""
        who = self.services.previous_user()
        return (
            f"The hub cancelled this device's sign-in{f' for {who}' if who else ''}. Enter the hub address and a "
            "new one-time code from your hub administrator. Your unsynced work is kept and is sent once you are "
            "enrolled again."
        )

    def who(self) -> str:
        creds = self.services.credentials()
        if creds is None:
            return ""
        u = creds.user
        return f"{u.display_name} ({u.role.value.replace('_', ' ')}, {u.organisation})"
