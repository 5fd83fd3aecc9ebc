"""The inbox of information requests and one request: RAG, deadline countdown, whether and how it was answered.

GPs get the requests to their practice, health visitors and school nurses the requests to their team (the hub
decides what each device pulls); a request to a team is answered with the team's response form, one to a
practice with the GP's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from fieldapp.state.case import sync_label
from forms import TEAM_KINDS, role_forms
from protocol import Role

if TYPE_CHECKING:
    from fieldapp.state.needs import ReadsRecords
    from sync import LocalRecord

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}
#: The roles whose devices receive information requests (the hub's access rules send them).
INBOX_ROLES = frozenset({"gp", "health_visitor", "school_nurse"})
TEAM_WORDS = {"health_visiting": "health visiting team", "school_nursing": "school nursing team"}


def has_inbox(role: str) -> bool:
    """Whether a user in this role gets information requests, so the caseload offers the inbox."""
    return role in INBOX_ROLES


def response_form(request: Mapping[str, Any]) -> str:
    """The form that answers this request, from the forms' role table: the team's role's for a team (a health
    visiting or school nursing team), the GP's for a practice."""
    team = request.get("team")
    role = TEAM_KINDS.get(str(team.get("kind"))) if isinstance(team, dict) else Role.GP
    return role_forms(role or Role.HEALTH_VISITOR).answers_with


def addressed_to(request: Mapping[str, Any]) -> str:
    """Who the request asks, in words: "Your health visiting team (RA9HV1)", "Your practice (A81001)"."""
    team = request.get("team")
    if isinstance(team, dict):
        return f"Your {TEAM_WORDS.get(str(team.get('kind')), 'team')} ({team.get('code') or ''})"
    return f"Your practice ({request.get('practice_ods') or ''})"


def countdown(deadline: str, now: datetime | None = None) -> str:
    """'Due in 3 h 20 min' / 'Overdue by 1 day 2 h'. A bad deadline says so rather than raising."""
    try:
        due = datetime.fromisoformat(deadline)
    except (TypeError, ValueError):
        return "Deadline not known"
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    seconds = int((due - now).total_seconds())
    late = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if not days:
        parts.append(f"{minutes} min")
    text = " ".join(parts)
    return f"Overdue by {text}" if late else f"Due in {text}"


@dataclass(frozen=True)
class RequestRow:
    record_id: str
    case_id: str
    reference: str
    rag: str
    child: str
    deadline: str
    countdown: str
    answered: str  # "" | "Waiting to sync" | "Received by hub ..."


def _answer_state(services: ReadsRecords, request: LocalRecord, responses: list[LocalRecord]) -> str:
    mine = [r for r in responses if r.body.get("request_id") == str(request.id)]
    if not mine:
        return ""
    repo = services.repo
    assert repo is not None
    rec = mine[-1]
    receipt = repo.get_receipt(rec.id)
    return "Answered · " + sync_label(rec.state, receipt.hub_reference if receipt else None)


def _row(services: ReadsRecords, rec: LocalRecord, responses: list[LocalRecord], now: datetime | None) -> RequestRow:
    b = rec.body
    raw_child = b.get("child")
    child: dict[str, Any] = raw_child if isinstance(raw_child, dict) else {}
    return RequestRow(
        str(rec.id),
        str(rec.case_id),
        str(b.get("reference") or ""),
        str(b.get("rag") or ""),
        str(child.get("name") or ""),
        str(b.get("deadline") or ""),
        countdown(str(b.get("deadline") or ""), now),
        _answer_state(services, rec, responses),
    )


@dataclass
class InboxState:
    services: ReadsRecords
    rows: list[RequestRow] = field(default_factory=list)

    def load(self, now: datetime | None = None) -> list[RequestRow]:
        repo = self.services.repo
        if repo is None:
            return []
        responses = repo.list_records(record_type="response")
        requests = repo.list_records(record_type="info_request")
        rows = [_row(self.services, r, responses, now) for r in requests]
        # Unanswered first, then the nearest deadline.
        rows.sort(key=lambda r: (bool(r.answered), r.deadline))
        self.rows = rows
        return rows


@dataclass
class RequestState:
    services: ReadsRecords
    record_id: UUID
    row: RequestRow | None = None
    body: dict[str, Any] = field(default_factory=dict)

    def load(self, now: datetime | None = None) -> bool:
        repo = self.services.repo
        assert repo is not None
        rec = repo.get_record(self.record_id)
        if rec is None or rec.type != "info_request":
            return False
        self.body = dict(rec.body)
        self.row = _row(self.services, rec, repo.list_records(record_type="response", case_id=rec.case_id), now)
        return True

    @property
    def form_id(self) -> str:
        return response_form(self.body)

    @property
    def addressed_to(self) -> str:
        return addressed_to(self.body)

    @property
    def adults(self) -> list[str]:
        out = []
        for a in self.body.get("adults") or []:
            if isinstance(a, dict):
                out.append(", ".join(str(a[k]) for k in ("name", "relationship", "date_of_birth") if a.get(k)))
        return out

    @property
    def questions(self) -> list[str]:
        return [str(q) for q in self.body.get("questions") or []]
