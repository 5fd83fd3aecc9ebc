"""Passphrase strength feedback while the user types (zxcvbn), shown before the vault's own check on submit."""

from __future__ import annotations

from dataclasses import dataclass, field

from zxcvbn import zxcvbn

LABELS = ("Very weak", "Weak", "Fair", "Good", "Strong")
MIN_SCORE = 3  # the vault refuses weaker; the screen says so before the user presses the button


@dataclass(frozen=True)
class Strength:
    """How strong a passphrase looks: score 0-4, a label, zxcvbn's warning and suggestions."""

    score: int
    label: str
    warning: str = ""
    suggestions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def acceptable(self) -> bool:
        return self.score >= MIN_SCORE


def assess(passphrase: str, user_inputs: list[str] | None = None) -> Strength:
    """Score a passphrase. Empty input scores 0 without calling zxcvbn."""
    if not passphrase:
        return Strength(0, LABELS[0], "", ("Use four or more unrelated words.",))
    # zxcvbn's cost grows with length; it truncates internally, but keep it bounded for typing latency.
    result = zxcvbn(passphrase[:100], user_inputs=user_inputs or [])
    score = int(result["score"])
    fb = result.get("feedback", {})
    return Strength(
        score, LABELS[score], str(fb.get("warning") or ""), tuple(str(s) for s in fb.get("suggestions", []))
    )
