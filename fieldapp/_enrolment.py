"""Enrolment with the hub: who this device works for, a one-time code becoming credentials, enrolling again.

The tokens live in the vault (``sync``'s enrolment); this module reads who is enrolled for the screens and the
forms' writer answers, and swaps the sync engine around an enrolment: none runs while the credentials change.
"""

from __future__ import annotations

from fieldapp._sync_runner import SyncRunner
from fieldapp._vault_keeper import VaultKeeper
from protocol import ErrorCode
from sync import (
    ENROL_AGAIN,
    HUB_URL,
    ConsoleUser,
    HubNotTrusted,
    HubRefused,
    HubUnreachable,
    InsecureHubURL,
    OtherUsersWork,
    StoredCredentials,
    SyncError,
    Vault,
    enrol,
    load_credentials,
    load_user,
    meta_get,
)


class Enrolment:
    def __init__(self, keeper: VaultKeeper, runner: SyncRunner) -> None:
        self._keeper = keeper
        self._runner = runner

    def _unlocked(self) -> Vault | None:
        vault = self._keeper.vault
        return vault if vault is not None and vault.is_unlocked else None

    def credentials(self) -> StoredCredentials | None:
        vault = self._unlocked()
        if vault is None:
            return None
        with vault.read() as conn:
            return load_credentials(conn)

    def must_enrol_again(self) -> bool:
        """The hub cancelled this device's sign-in (the tokens are gone, the work is kept): enrolment is needed."""
        vault = self._unlocked()
        if vault is None:
            return False
        with vault.read() as conn:
            return meta_get(conn, ENROL_AGAIN) is not None and load_credentials(conn) is None

    def previous_user(self) -> str:
        """The display name of the user this vault was last enrolled for ("" if never)."""
        vault = self._unlocked()
        if vault is None:
            return ""
        with vault.read() as conn:
            user = load_user(conn)
        return user.display_name if user is not None else ""

    def writer(self) -> dict[str, str | None]:
        """Who is writing, for the answers a form asks about its writer ("Your name", registration, practice): the
        enrolled user as the hub knows them, which is what the hub checks those answers against."""
        vault = self._unlocked()
        if vault is None:
            return {}
        with vault.read() as conn:
            user = load_user(conn)
        if user is None:
            return {}
        return {"display_name": user.display_name, "ods_code": user.ods_code, "registration": user.registration}

    def previous_hub_url(self) -> str:
        """The hub address this vault was last enrolled with ("" if never): enrolling again starts from it."""
        vault = self._unlocked()
        if vault is None:
            return ""
        with vault.read() as conn:
            return meta_get(conn, HUB_URL) or ""

    def resume(self) -> None:
        """Just unlocked: run the engine when enrolled, else say why nothing syncs."""
        creds = self.credentials()
        if creds is not None:
            self._runner.start(creds.hub_url)
        else:
            self._runner.not_enrolled(enrol_again=self.must_enrol_again())

    def enrol(self, hub_url: str, code: str, device_name: str = "field device") -> str:
        """Enrol this device with a one-time code. Returns "" on success, else a message for the user."""
        vault = self._unlocked()
        if vault is None:
            return "Unlock the app first."
        code = code.strip()
        if not hub_url.strip():
            return "Enter the hub address your administrator gave you."
        if len(code) < 6:
            return "Enter the one-time code your administrator gave you."
        try:
            client = self._runner.client(hub_url.strip())
        except InsecureHubURL as exc:
            return str(exc)
        # One engine at a time, and none while the credentials change under it (a run that hears "sign-in
        # cancelled" would otherwise drop the tokens just stored). On failure the old one carries on.
        previous_hub = self._runner.stop()
        try:
            enrol(vault, client, code, device_name)
        except (HubUnreachable, HubRefused, SyncError) as exc:
            if previous_hub is not None:
                self._runner.start(previous_hub)
            return self._enrol_message(exc)
        finally:
            client.close()
        self._runner.start(client.base_url)
        return ""

    def _enrol_message(self, exc: SyncError) -> str:
        if isinstance(exc, OtherUsersWork):
            who = self.previous_user() or "another user"
            return (
                f"This device holds unsynced work of {who} that has not reached the hub, so it cannot be enrolled "
                f"for someone else yet. {who} must enrol it again (with a new code from the hub administrator) so "
                "the work can be sent. The code you entered was not used: it still works for its own user."
            )
        if isinstance(exc, ConsoleUser):
            return str(exc)
        if isinstance(exc, HubNotTrusted):
            return (
                "This computer does not trust the hub's certificate. Ask your IT team to install the council's "
                "certificate authority, or start the app with --ca-bundle and the authority's file."
            )
        if isinstance(exc, HubUnreachable):
            return "The hub cannot be reached. Check the address and your connection, or enrol later."
        if isinstance(exc, HubRefused):
            if getattr(exc, "code", None) == ErrorCode.ENROLMENT_INVALID:
                return "That enrolment code is not valid (wrong, used or expired). Ask for a new one."
            return f"The hub refused the enrolment: {exc}"
        return f"Enrolment failed: {exc}"
