"""The user's side of replication: conflicts to resolve field by field, rejections to fix or discard.

A resolution is a new mutation on the current server version, written in one transaction with the decision; the
rows it supersedes are rewritten locally (a user's decision, not a hub answer). User input never raises: bad
choices come back as issues.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import JsonValue

from sync._outbox import (
    _NO_CONFLICT,
    ConflictView,
    RejectionView,
    VaultPort,
    _conflict_view,
    _dumps,
    _has_open,
    _insert_row,
    _load,
    _loads,
    _now,
    _open_conflict,
    _open_rejection,
    _set_state,
    _strip_fields,
)
from sync.protocol import (
    Issue,
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
        sql = "SELECT id, record_id, server_version, fields FROM conflicts WHERE resolved_at IS NULL"
        params: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " AND record_id = ?"
            params = (record_id,)
        views = [_conflict_view(r) for r in conn.execute(sql + " ORDER BY id", params).fetchall()]
        out: list[ConflictView] = []
        for view in views:
            rec = _load(conn, view.record_id)
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
        raw = conn.execute(
            "SELECT id, record_id, server_version, fields FROM conflicts WHERE id = ? AND resolved_at IS NULL",
            (conflict_id,),
        ).fetchone()
        if raw is None:
            return [Issue(path="conflict", code="not_found", message="This conflict is already resolved.")]
        view = _conflict_view(raw)
        missing = [c.field for c in view.fields if c.field not in choices]
        if missing:
            return [
                Issue(path=f, code="choice_missing", message="Choose mine, theirs or an edited value.") for f in missing
            ]
        rec = _load(conn, view.record_id)
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
        conn.execute("UPDATE conflicts SET resolved_at = ? WHERE id = ?", (_now(), conflict_id))
        _strip_fields(conn, rec.id, set(values))  # the decision travels alone, in the new row
        changed = {f: v for f, v in values.items() if rec.server_body.get(f) != v}
        rejected = _has_open(conn, "rejections", rec.id)
        if not rejected:
            conn.execute(
                "UPDATE outbox SET state = 'queued' WHERE record_id = ? AND state = 'held' AND attempts = 0",
                (rec.id,),
            )
        if changed:
            _insert_row(conn, rec, changed, rec.server_version, "held" if rejected else "queued")
        body = {**rec.body, **values}
        conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
        _set_state(conn, rec.id)
    return []


def list_rejections(vault: VaultPort, record_id: str | None = None) -> list[RejectionView]:
    with vault.transaction() as conn:
        sql = (
            "SELECT r.id, r.record_id, r.mutation_id, r.outcome, r.issues, o.fields FROM rejections r "
            "LEFT JOIN outbox o ON o.mutation_id = r.mutation_id WHERE r.resolved_at IS NULL"
        )
        params: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " AND r.record_id = ?"
            params = (record_id,)
        rows = conn.execute(sql + " ORDER BY r.id", params).fetchall()
    return [
        RejectionView(
            id=int(r[0]),
            record_id=str(r[1]),
            mutation_id=str(r[2]),
            outcome=str(r[3]),
            issues=tuple(Issue.model_validate(i) for i in json.loads(r[4])),
            fields=_loads(r[5]),
        )
        for r in rows
    ]


def fix_rejection(vault: VaultPort, rejection_id: int, corrections: Mapping[str, JsonValue]) -> list[Issue]:
    """Send the rejected edit again with the user's corrections, as a new mutation (the later held edits of the
    record are folded into it, since they were made on top of it)."""
    with vault.transaction() as conn:
        found = _open_rejection(conn, rejection_id)
        if found is None:
            return [Issue(path="rejection", code="not_found", message="This item is already dealt with.")]
        rec, held = found
        owned = {c.field for c in (_open_conflict(conn, rec.id) or _NO_CONFLICT).fields}
        fields: dict[str, JsonValue] = {}
        for row in held:
            fields.update(row.fields)
            conn.execute("DELETE FROM outbox WHERE mutation_id = ?", (row.mutation_id,))
        fields.update(corrections)
        fields = {k: v for k, v in fields.items() if k not in owned}
        conn.execute("UPDATE rejections SET resolved_at = ? WHERE id = ?", (_now(), rejection_id))
        still_rejected = _has_open(conn, "rejections", rec.id)
        if fields:
            state = "held" if still_rejected or owned else "queued"
            _insert_row(conn, rec, fields, rec.server_version, state)
        body = {**rec.body, **dict(corrections)}
        conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
        _set_state(conn, rec.id)
    return []


def discard_rejection(vault: VaultPort, rejection_id: int) -> list[Issue]:
    """Drop the rejected edit. A rejected create takes the whole local record with it (the hub never had it);
    otherwise the later held edits of the record are released."""
    with vault.transaction() as conn:
        found = _open_rejection(conn, rejection_id)
        if found is None:
            return [Issue(path="rejection", code="not_found", message="This item is already dealt with.")]
        rec, held = found
        conn.execute("UPDATE rejections SET resolved_at = ? WHERE id = ?", (_now(), rejection_id))
        if rec.server_version == 0:
            conn.execute("DELETE FROM outbox WHERE record_id = ?", (rec.id,))
            conn.execute("DELETE FROM records WHERE id = ?", (rec.id,))
            conn.execute("UPDATE rejections SET resolved_at = ? WHERE record_id = ?", (_now(), rec.id))
            return []
        conn.execute("DELETE FROM outbox WHERE mutation_id = ?", (held[0].mutation_id,))
        pending: dict[str, JsonValue] = {}
        for row in held[1:]:
            pending.update(row.fields)
        if not _has_open(conn, "rejections", rec.id) and _open_conflict(conn, rec.id) is None:
            conn.execute(
                "UPDATE outbox SET state = 'queued', base_version = ? WHERE record_id = ? AND attempts = 0",
                (rec.server_version, rec.id),
            )
        body = {**rec.server_body, **pending}
        conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
        _set_state(conn, rec.id)
    return []


__all__ = ["Choice", "discard_rejection", "fix_rejection", "list_conflicts", "list_rejections", "resolve_conflict"]
