"""Passphrase strength, judged by zxcvbn (realistic guessing, not character-class rules).

``check_passphrase`` never raises: the UI calls it as the user types and shows ``message`` and ``suggestions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

MAX_CHECKED_LENGTH: Final = 100  # zxcvbn slows down sharply on long inputs; a 100-character prefix is plenty


@dataclass(frozen=True, slots=True)
class PassphraseCheck:
    ok: bool
    score: int  # zxcvbn 0 (too guessable) .. 4 (very unguessable)
    message: str
    suggestions: tuple[str, ...] = ()


def check_passphrase(
    passphrase: str, *, min_score: int = 3, min_length: int = 10, user_inputs: Sequence[str] = ()
) -> PassphraseCheck:
    """How guessable ``passphrase`` is, with a plain message and tips."""
    from zxcvbn import zxcvbn  # imported here: only creating or changing a passphrase needs it

    if len(passphrase) < min_length:
        return PassphraseCheck(
            ok=False,
            score=0,
            message=f"Use at least {min_length} characters.",
            suggestions=("A few unrelated words make a passphrase that is long and easy to remember.",),
        )
    result = zxcvbn(passphrase[:MAX_CHECKED_LENGTH], user_inputs=list(user_inputs))
    score = int(result["score"])
    feedback = result.get("feedback") or {}
    suggestions = tuple(str(s) for s in feedback.get("suggestions") or ())
    if score >= min_score:
        return PassphraseCheck(ok=True, score=score, message="Strong enough.", suggestions=())
    warning = str(feedback.get("warning") or "")
    message = "This passphrase would be easy to guess." + (f" {warning}" if warning else "")
    if not suggestions:
        suggestions = ("Add another word or two. Uncommon words are better.",)
    return PassphraseCheck(ok=False, score=score, message=message, suggestions=suggestions)


__all__ = ["PassphraseCheck", "check_passphrase"]
