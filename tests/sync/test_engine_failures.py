"""The engine's failure table: every exception that ends a run has one state and one plain sentence."""

from __future__ import annotations

import pytest

from protocol import ErrorCode
from sync import (
    AccessEnded,
    BadAnswer,
    HubBusy,
    HubRefused,
    HubTimeout,
    HubUnreachable,
    NotEnrolled,
    SyncState,
    TokenExpired,
    TooLarge,
    VaultLocked,
)
from sync._engine import FAILURES, failure_of


def test_no_row_is_hidden_behind_an_earlier_base_class() -> None:
    kinds = [kind for kind, _, _ in FAILURES]
    for i, kind in enumerate(kinds):
        assert not any(issubclass(kind, earlier) for earlier in kinds[:i]), kind


def test_every_sentence_is_plain() -> None:
    for _, _, message in FAILURES:
        assert message[0].isupper()
        assert message.endswith(".")
        assert "Error" not in message
        assert "Exception" not in message


@pytest.mark.parametrize(
    ("exc", "state", "words"),
    [
        (HubTimeout("slow"), SyncState.OFFLINE, "too slow"),
        (HubUnreachable("down"), SyncState.OFFLINE, "cannot be reached"),
        (HubBusy("busy", status=503, code=None), SyncState.ERROR, "busy"),
        (BadAnswer("junk"), SyncState.ERROR, "cannot read"),
        (TooLarge("big", status=413, code=None), SyncState.ERROR, "too large"),
        (NotEnrolled("none"), SyncState.ERROR, "not enrolled"),
        (
            TokenExpired("old", status=401, code=ErrorCode.TOKEN_EXPIRED),
            SyncState.ERROR,
            "refused the sync (token_expired)",
        ),
        (HubRefused("no", status=400, code=None), SyncState.ERROR, "refused the sync (400)"),
        (AccessEnded("gone", status=403, code=ErrorCode.USER_DISABLED), SyncState.ERROR, "no longer accepts"),
        (VaultLocked(), SyncState.ERROR, "vault is locked"),
    ],
)
def test_each_failure_maps_to_its_state_and_sentence(exc: Exception, state: SyncState, words: str) -> None:
    got_state, message = failure_of(exc)
    assert got_state == state
    assert words in message


def test_an_exception_not_in_the_table_is_not_swallowed() -> None:
    with pytest.raises(ZeroDivisionError):
        failure_of(ZeroDivisionError())
