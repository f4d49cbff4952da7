"""Reading forwards: the portal's list, the overview, turnaround and the waiting time of a conversation."""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from inbox.conversations.models import Conversation
from inbox.core import clock
from inbox.extensions import db
from inbox.forwarding import business_time
from inbox.forwarding.models import ACTIVE, Forward
from inbox.orgs.models import Department, Organization


def for_conversation(conversation_id: int) -> list[Forward]:
    return list(db.session.scalars(select(Forward).options(joinedload(Forward.department))
                                   .where(Forward.conversation_id == conversation_id).order_by(Forward.id)))


def for_departments(org_id: int, department_ids: set[int]) -> list[Forward]:
    """The portal's list: open ones first, then the rest, newest first."""
    rows = db.session.scalars(select(Forward).options(joinedload(Forward.department), selectinload(Forward.entries))
                              .where(Forward.organization_id == org_id,
                                     Forward.department_id.in_(department_ids or {-1}))
                              .order_by(Forward.id.desc()))
    return sorted(rows, key=lambda f: (not f.is_active, f.due_at if f.is_active else clock.now()))


def open_by_department(org_id: int, team_ids: set[int] | None) -> dict[Department, list[Forward]]:
    """Every forward still owed an answer, per department, overdue first, then by due time."""
    query = (select(Forward).join(Conversation, Conversation.id == Forward.conversation_id)
             .options(joinedload(Forward.department))
             .where(Forward.organization_id == org_id, Forward.state.in_(ACTIVE)))
    if team_ids is not None:
        query = query.where(Conversation.team_id.in_(team_ids or {-1}))
    now = clock.now()
    rows = sorted(db.session.scalars(query), key=lambda f: (not (f.state == "overdue" or f.due_at <= now), f.due_at))
    grouped: dict[Department, list[Forward]] = {}
    for forward in rows:
        grouped.setdefault(forward.department, []).append(forward)
    return grouped


def median_turnaround(org_id: int) -> dict[int, int]:
    """Department id -> median business minutes from forwarding to the answer."""
    org = db.session.get(Organization, org_id)
    calendar = business_time.workday_calendar(org)
    rows = db.session.execute(select(Forward.department_id, Forward.created_at, Forward.answered_at).where(
        Forward.organization_id == org_id, Forward.answered_at.is_not(None)))
    spans: dict[int, list[int]] = {}
    for department_id, created, answered in rows:
        spans.setdefault(department_id, []).append(calendar.business_minutes_between(created, answered))
    return {dep: int(statistics.median(values)) for dep, values in spans.items()}


def waiting_intervals(conversation_id: int) -> list[tuple[datetime, datetime | None]]:
    """When the conversation waited on a department: merged [start, end) pairs, end None while still waiting.

    The citizen SLA pauses inside these intervals. A forward waits from its creation until it is
    answered, declined or closed (settled_at); a question back keeps it waiting.
    """
    return waiting_intervals_of([conversation_id]).get(conversation_id, [])


def waiting_intervals_of(conversation_ids: list[int]) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """waiting_intervals for many conversations with one query (the reports' rollup reads thousands)."""
    rows = db.session.execute(select(Forward.conversation_id, Forward.created_at, Forward.settled_at)
                              .where(Forward.conversation_id.in_(conversation_ids))
                              .order_by(Forward.conversation_id, Forward.created_at)) if conversation_ids else []
    spans: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for conversation_id, start, end in rows:
        spans.setdefault(conversation_id, []).append((start, end))
    return {cid: _merged(pairs) for cid, pairs in spans.items()}


def _merged(pairs: list[tuple[datetime, datetime | None]]) -> list[tuple[datetime, datetime | None]]:
    merged: list[list] = []
    for start, end in pairs:
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last = merged[-1]
            last[1] = None if last[1] is None or end is None else max(last[1], end)
            continue
        merged.append([start, end])
    return [(start, end) for start, end in merged]


def is_waiting(conversation_id: int) -> bool:
    return bool(db.session.scalar(select(Forward.id).where(Forward.conversation_id == conversation_id,
                                                           Forward.state.in_(ACTIVE)).limit(1)))


def age_text(moment: datetime) -> str:
    minutes = int((clock.now() - moment).total_seconds() // 60)
    days, rest = divmod(max(minutes, 0), 24 * 60)
    return f"{days} T. {rest // 60} Std." if days else f"{rest // 60} Std. {rest % 60} Min."


def duration_text(minutes: int) -> str:
    return f"{minutes // 60} Std. {minutes % 60:02d} Min."
