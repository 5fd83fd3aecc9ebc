"""Each screen's state takes only what it uses (state/needs.py): a small stand-in is enough to drive it."""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldapp._services import Services
from fieldapp.state.enrol import EnrolState
from fieldapp.state.needs import Enrols, FillsForms, KeepsSettings, ShowsSync, Unlocks
from fieldapp.state.vault_screens import UnlockState
from sync import StoredCredentials


@dataclass(frozen=True)
class _Config:
    hub_url: str | None = None


@dataclass
class _Enrolling:
    """Only what the enrolment screen uses; no vault, no engine."""

    config: _Config = field(default_factory=_Config)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def credentials(self) -> StoredCredentials | None:
        return None

    def must_enrol_again(self) -> bool:
        return True

    def previous_user(self) -> str:
        return "Sam Carter"

    def previous_hub_url(self) -> str:
        return "https://hub.example"

    def enrol(self, hub_url: str, code: str) -> str:
        self.calls.append((hub_url, code))
        return "" if code == "good-code" else "That enrolment code is not valid (wrong, used or expired)."


def test_the_enrolment_screen_runs_on_just_what_it_needs() -> None:
    needs = _Enrolling()
    state = EnrolState(needs)
    assert state.hub_url == "https://hub.example"  # starts from the last hub the vault knew
    assert "for Sam Carter" in state.enrol_again_text()
    assert state.submit() is False
    assert "not valid" in state.error
    state.code = "good-code"
    assert state.submit() is True
    assert state.code == ""
    assert needs.calls == [("https://hub.example", ""), ("https://hub.example", "good-code")]


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    message: str = ""
    tries_left: int | None = None
    delay_s: float = 0.0
    erased: bool = False


class _Unlocking:
    def unlock(self, passphrase: str, session: object = None) -> _Outcome:
        return _Outcome(False, "That passphrase is not right.", tries_left=4, delay_s=2.0)


def test_the_unlock_screen_runs_on_just_what_it_needs() -> None:
    state = UnlockState(_Unlocking())
    assert state.submit("wrong words") is False
    assert (state.error, state.tries_left, state.delay_s, state.erased) == (
        "That passphrase is not right.",
        4,
        2.0,
        False,
    )


def test_services_offers_every_screen_what_it_needs(services: Services) -> None:
    """The protocols are structural; this names the members each one asks for, so a rename in Services fails here
    (mypy checks the same through the views)."""
    for protocol in (Enrols, FillsForms, KeepsSettings, ShowsSync, Unlocks):
        members = {
            name
            for klass in protocol.__mro__
            if klass.__module__ == "fieldapp.state.needs"
            for name in vars(klass)
            if not name.startswith("_")
        }
        assert members, protocol
        missing = sorted(m for m in members if not hasattr(services, m))
        assert missing == [], (protocol.__name__, missing)
