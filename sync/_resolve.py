"""The user's side of replication: conflicts to resolve field by field, rejections to fix or discard.

A resolution is a new mutation on the current server version, written in one transaction with the decision; the
rows it supersedes are rewritten locally (a user's decision, not a hub answer). User input never raises: bad
choices come back as issues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import JsonValue

from protocol import Issue
from sync._outbox import (
    _NO_CONFLICT,
    ConflictView,
    Outbox,
    RejectionView,
    VaultPort,
    _dumps,
    _now,
    load_record,
)


class Choice:
    """Conflict choices: "mine", "theirs", or ``Choice.edited(value)`` (any other value also counts as edited)."""

    MINE: Final = "mine"
    THEIRS: Final = "theirs"

    @dataclass(frozen=True, slots=True)
    class Edited:
        value: JsonValue

    @staticmethod
    def edited(value: JsonValue) -> Choice.Edited:
        return Choice.Edited(value)


def list_conflicts(vault: VaultPort, record_id: str | None = None) -> list[ConflictView]:
    """Open conflicts as the user must see them: each field's ``mine`` is the latest local value (they may have
    edited it since) and ``theirs`` the hub's latest (it may have moved on since the clash was found)."""
    with vault.transaction() as conn:
        out: list[ConflictView] = []
        for view in Outbox(conn).conflicts(record_id):
            rec = load_record(conn, view.record_id)
            body = rec.body if rec else {}
            hub = rec.server_body if rec else {}
            fields = tuple(
                c.model_copy(update={"mine": body.get(c.field, c.mine), "theirs": hub.get(c.field, c.theirs)})
                for c in view.fields
            )
            out.append(ConflictView(view.id, view.record_id, view.server_version, fields))
    return out


def resolve_conflict(vault: VaultPort, conflict_id: int, choices: Mapping[str, Any]) -> list[Issue]:
    """Apply the user's per-field choices as a new mutation on the current version. Returns issues, never raises
    for bad input: an unknown or resolved conflict, or a field left without a choice."""
    with vault.transaction() as conn:
        outbox = Outbox(conn)
        view = outbox.conflict(conflict_id)
        if view is None:
            return [Issue(path="conflict", code="not_found", message="This conflict is already resolved.")]
        missing = [c.field for c in view.fields if c.field not in choices]
        if missing:
            return [
                Issue(path=f, code="choice_missing", message="Choose mine, theirs or an edited value.") for f in missing
            ]
        rec = load_record(conn, view.record_id)
        if rec is None:
            return [Issue(path="record", code="not_found", message="The record no longer exists.")]
        values: dict[str, JsonValue] = {}
        for c in view.fields:
            choice = choices[c.field]
            if isinstance(choice, Choice.Edited):
                values[c.field] = choice.value
            elif choice == Choice.MINE:
                values[c.field] = rec.body.get(c.field, c.mine)  # the latest local value (edited since?)
            elif choice == Choice.THEIRS:
                values[c.field] = rec.server_body.get(c.field)
            else:
                values[c.field] = choice
        outbox.close_conflict(conflict_id)
        outbox.strip_fields(rec.id, set(values))  # the decision travels alone, in the new row
        changed = {f: v for f, v in values.items() if rec.server_body.get(f) != v}
        rejected = outbox.has_open_rejection(rec.id)
        if not rejected:
            outbox.release(rec.id)
        if changed:
            outbox.add(rec.id, rec.type, rec.case_id, rec.server_version, changed, "held" if rejected else "queued")
        body = {**rec.body, **values}
        conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
        outbox.settle(rec.id)
    return []


def list_rejections(vault: VaultPort, record_id: str | None = None) -> list[RejectionView]:
    with vault.transaction() as conn:
        return Outbox(conn).rejections(record_id)


def fix_rejection(vault: VaultPort, rejection_id: int, corrections: Mapping[str, JsonValue]) -> list[Issue]:
    """Send the rejected edit again with the user's corrections, as a new mutation (the later held edits of the
    record are folded into it, since they were made on top of it)."""
    with vault.transaction() as conn:
        outbox = Outbox(conn)
        found = outbox.open_rejection(rejection_id)
        if found is None:
            return [Issue(path="rejection", code="not_found", message="This item is already dealt with.")]
        rec, held = found
        owned = {c.field for c in (outbox.open_conflict(rec.id) or _NO_CONFLICT).fields}
        fields: dict[str, JsonValue] = {}
        for row in held:
            fields.update(row.fields)
        outbox.complete(row.mutation_id for row in held)  # superseded by the new row below
        fields.update(corrections)
        fields = {k: v for k, v in fields.items() if k not in owned}
        outbox.close_rejection(rejection_id)
        still_rejected = outbox.has_open_rejection(rec.id)
        if fields:
            state = "held" if still_rejected or owned else "queued"
            outbox.add(rec.id, rec.type, rec.case_id, rec.server_version, fields, state)
        body = {**rec.body, **dict(corrections)}
        conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
        outbox.settle(rec.id)
    return []


def discard_rejection(vault: VaultPort, rejection_id: int) -> list[Issue]:
    """Drop the rejected edit. A rejected create takes the whole local record with it (the hub never had it);
    otherwise the later held edits of the record are released."""
    with vault.transaction() as conn:
        outbox = Outbox(conn)
        found = outbox.open_rejection(rejection_id)
        if found is None:
            return [Issue(path="rejection", code="not_found", message="This item is already dealt with.")]
        rec, held = found
        outbox.close_rejection(rejection_id)
        if rec.server_version == 0:
            outbox.discard_record(rec.id)
            conn.execute("DELETE FROM records WHERE id = ?", (rec.id,))
            return []
        outbox.complete([held[0].mutation_id])
        pending: dict[str, JsonValue] = {}
        for row in held[1:]:
            pending.update(row.fields)
        if not outbox.has_open_rejection(rec.id) and outbox.open_conflict(rec.id) is None:
            outbox.release(rec.id, rec.server_version)
        body = {**rec.server_body, **pending}
        conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
        outbox.settle(rec.id)
    return []


__all__ = ["Choice", "discard_rejection", "fix_rejection", "list_conflicts", "list_rejections", "resolve_conflict"]
