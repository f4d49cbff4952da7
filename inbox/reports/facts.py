"""One row of figures per conversation, in the team's business time (report_conversation).

Recomputed by the rollup whenever the conversation's audit trail grows, so a report reads finished numbers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import joinedload

from inbox.conversations.models import Conversation, Message
from inbox.extensions import db
from inbox.forwarding.queries import waiting_intervals_of
from inbox.reports.models import ConversationFact
from inbox.rota.adapter import BusinessCalendar
from inbox.sla.operations import target_minutes

CHUNK = 500
Waits = list[tuple[datetime, datetime | None]]


def paused_minutes(calendar: BusinessCalendar, start: datetime, end: datetime, waits: Waits) -> int:
    """Business minutes of [start, end) spent waiting on a department."""
    total = 0
    for w_start, w_end in waits:
        lo, hi = max(start, w_start), min(end, w_end or end)
        if lo < hi:
            total += calendar.business_minutes_between(lo, hi)
    return total


def sla_due(calendar: BusinessCalendar, opened: datetime, target: int, waits: Waits) -> datetime | None:
    """When the first response falls due: target business minutes from opening, the clock stopped while waiting.

    None while a wait is still open (the clock is paused).
    """
    moment, remaining = opened, target
    for w_start, w_end in waits:
        if w_end is not None and w_end <= moment:
            continue
        if w_start > moment:
            available = calendar.business_minutes_between(moment, w_start)
            if available >= remaining:
                return calendar.add_business_minutes(moment, remaining)
            remaining -= available
        if w_end is None:
            return None
        moment = max(moment, w_end)
    return calendar.add_business_minutes(moment, remaining)


def figures(conversation: Conversation, calendar: BusinessCalendar, waits: Waits, first_responder: int | None) -> dict:
    opened = conversation.created_at
    closed = not calendar.is_open(opened)
    first = conversation.first_response_at
    target = target_minutes(conversation, "first")
    resolved = conversation.resolved_at if conversation.status == "resolved" else None
    return {
        "organization_id": conversation.organization_id, "conversation_id": conversation.id,
        "team_id": conversation.team_id, "channel_id": conversation.channel_id, "priority": conversation.priority,
        "opened_at": opened, "opened_closed": closed,
        "wait_open_minutes": int((calendar.next_opening(opened) - opened).total_seconds() // 60) if closed else None,
        "first_response_at": first,
        "first_response_minutes": (calendar.business_minutes_between(opened, first)
                                   - paused_minutes(calendar, opened, first, waits)) if first else None,
        "first_responder_id": first_responder,
        "resolution_minutes": calendar.business_minutes_between(opened, resolved) if resolved else None,
        "sla_target_minutes": target, "sla_due_at": sla_due(calendar, opened, target, waits),
    }


def rebuild(org_id: int, conversation_ids: set[int], calendar_of) -> int:
    """Replace the facts of these conversations; calendar_of(team_id) gives the team's BusinessCalendar."""
    ids, done = sorted(conversation_ids), 0
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        conversations = db.session.scalars(select(Conversation).options(joinedload(Conversation.channel))
                                           .where(Conversation.organization_id == org_id,
                                                  Conversation.id.in_(chunk))).all()
        waits = waiting_intervals_of(chunk)
        responders = _first_responders(chunk)
        rows = [figures(c, calendar_of(c.team_id), waits.get(c.id, []), responders.get(c.id)) for c in conversations]
        db.session.execute(delete(ConversationFact).where(ConversationFact.conversation_id.in_(chunk)))
        if rows:
            db.session.execute(insert(ConversationFact.__table__), rows)
        done += len(rows)
    return done


def _first_responders(conversation_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(select(Message.conversation_id, Message.author_id)
                              .where(Message.conversation_id.in_(conversation_ids), Message.direction == "out",
                                     Message.author_id.is_not(None))
                              .order_by(Message.conversation_id.desc(), Message.created_at.desc(), Message.id.desc()))
    return dict(rows.all())
