"""The sync client's exceptions: one tree, rooted at ``SyncError``.

    SyncError
    ├── InsecureHubURL          the hub URL is not https and its host is not loopback
    ├── NotEnrolled             no credentials in the vault yet (or dropped: enrol again)
    ├── OtherUsersWork          enrolment refused: the vault holds another user's unsynced work
    ├── HubUnreachable          connection refused, reset, dropped: the device is offline
    │   ├── HubNotTrusted       the hub's certificate is not trusted (OS store, or the CA bundle given)
    │   └── HubTimeout          the request or its answer took longer than the timeout
    ├── BadAnswer               garbage, truncated, wrong-schema or oversized answer
    └── HubRefused              the hub answered with an error (``code``, ``status``, ``retry_after``)
        ├── HubBusy             429 / 5xx: try again later (honours Retry-After)
        ├── ConsoleUser         enrolment refused: the code is a console user's (hub staff, admin); not spent
        ├── TokenExpired        the access token ran out: refresh once, then retry
        ├── AccessEnded         refresh_reused / device_revoked / user_disabled / token_invalid: no retry helps
        └── TooLarge            the hub refused a request as too large

Only ``AccessEnded`` with ``erase`` set (``device_revoked``) makes the engine erase the vault key. With
``enrol_again`` set (``refresh_reused`` or ``token_invalid``: the token family is dead, the device is not revoked)
the engine drops the tokens and keeps the vault and its outbox for the next enrolment.
"""

from __future__ import annotations

from protocol import ErrorCode


class SyncError(Exception):
    """Base of every error the sync client raises."""


class InsecureHubURL(SyncError):
    """The hub URL must be https, except on a loopback host."""


class NotEnrolled(SyncError):
    """The device holds no credentials: enrol with a one-time code first."""


class OtherUsersWork(SyncError):
    """Enrolment refused: the vault holds work of another user that has not reached the hub. ``str()`` is a
    sentence for the user."""


class HubUnreachable(SyncError):
    """The hub could not be reached (refused, reset, dropped connection)."""


class HubNotTrusted(HubUnreachable):
    """The hub's certificate is not trusted by this computer (not in its trust store, nor in the given CA bundle)."""


class HubTimeout(HubUnreachable):
    """The hub did not answer in time."""


class BadAnswer(SyncError):
    """The hub's answer could not be read: not JSON, truncated, wrong schema or too large."""


class HubRefused(SyncError):
    """The hub answered with an error body."""

    def __init__(self, message: str, *, status: int, code: ErrorCode | None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


class HubBusy(HubRefused):
    """Rate limited or a server error: try again later."""


class ConsoleUser(HubRefused):
    """Enrolment refused: the code belongs to hub staff, a MASH manager or an admin, who use the MASH console in a
    browser, not a field device. The code was not spent. ``str()`` is a sentence for the user."""

    MESSAGE = (
        "This code is for a MASH hub account (hub staff, manager or administrator). Those accounts do not use the "
        "field app: open the MASH console in a web browser and sign in there. The code was not used."
    )

    def __init__(self, *, status: int, code: ErrorCode | None) -> None:
        super().__init__(self.MESSAGE, status=status, code=code)


class TokenExpired(HubRefused):
    """The access token expired: refresh it once, then retry."""


class TooLarge(HubRefused):
    """The hub refused the request as too large."""


class AccessEnded(HubRefused):
    """The hub will not serve this device any more; ``erase`` says whether the vault key must go now."""

    @property
    def erase(self) -> bool:
        return self.code == ErrorCode.DEVICE_REVOKED

    @property
    def enrol_again(self) -> bool:
        """The device is not revoked but its sign-in is gone (the token family was revoked because a copy was used,
        or the hub no longer knows the token): keep the data, drop the tokens, enrol again."""
        return self.code in (ErrorCode.REFRESH_REUSED, ErrorCode.TOKEN_INVALID)


__all__ = [
    "AccessEnded",
    "BadAnswer",
    "ConsoleUser",
    "HubBusy",
    "HubRefused",
    "HubTimeout",
    "HubUnreachable",
    "InsecureHubURL",
    "NotEnrolled",
    "OtherUsersWork",
    "SyncError",
    "TokenExpired",
    "TooLarge",
]
