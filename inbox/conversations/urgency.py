"""How urgent an unresolved conversation is, as a sort key stored on the conversation.

Urgency, most urgent first:

0. The citizen's SLA clock runs: by its due time, earliest first. Overdue conversations come first,
   the most overdue at the top, then those due soonest.
1. No clock runs (not routed yet, or answered) and nobody is assigned: the citizen who has waited
   longest first (by their last message).
2. No clock runs and someone is assigned: likewise, waiting longest first.
3. Waiting on a department (status "waiting") or the clock is paused: last, the longest waiting first.

Resolved conversations get tier 4; the urgency sort does not list them.

The order of two conversations never changes with the passing of time (a due time stays a due time),
so the key can be stored and indexed (`ix_conversation_unresolved_urgency`) and the list read in index
order instead of joining and sorting every open conversation per request. It is kept up to date before
every flush from the columns it depends on (status, assignee, last citizen message, the SLA row's due
and pause times); a bulk UPDATE that bypasses the ORM must call `refresh` itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from inbox.conversations.models import Conversation

DUE, UNASSIGNED, ASSIGNED, PAUSED, RESOLVED = range(5)
# Changes to these columns can move a conversation in the urgency order.
CONVERSATION_INPUTS = ("status", "assignee_id", "last_inbound_at", "last_activity_at", "resolved_at")
SLA_INPUTS = ("due_at", "paused_at")


def key(status: str, assignee_id: int | None, last_inbound_at: datetime | None, last_activity_at: datetime,
        due_at: datetime | None, paused_at: datetime | None, resolved_at: datetime | None = None
        ) -> tuple[int, datetime]:
    """(tier, moment): the urgency order is tier, then moment, then id, all ascending."""
    if status == "resolved":
        return RESOLVED, resolved_at or last_activity_at
    if status == "waiting" or paused_at is not None:
        return PAUSED, paused_at or last_activity_at
    if due_at is not None:
        return DUE, due_at
    return (ASSIGNED if assignee_id else UNASSIGNED), last_inbound_at or last_activity_at


def refresh(conversation: Conversation, sla_row=None) -> None:
    """Set the conversation's stored key from its current state (and its SLA row, looked up if not given)."""
    from inbox.core import clock

    session = inspect(conversation).session
    if sla_row is None and conversation.id is not None and session is not None:
        sla_row = _sla_row_of(session, conversation.id)
    tier, at = key(conversation.status or "open", conversation.assignee_id, conversation.last_inbound_at,
                   conversation.last_activity_at or clock.now(), sla_row.due_at if sla_row else None,
                   sla_row.paused_at if sla_row else None, conversation.resolved_at)
    if conversation.urgency_tier != tier:
        conversation.urgency_tier = tier
    if conversation.urgency_at != at:
        conversation.urgency_at = at


def _sla_row_of(session: Session, conversation_id: int):
    from inbox.sla.models import ConversationSLA

    for obj in session.new:
        if isinstance(obj, ConversationSLA) and obj.conversation_id == conversation_id:
            return obj
    with session.no_autoflush:
        return session.scalar(select(ConversationSLA).where(ConversationSLA.conversation_id == conversation_id))


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return state.pending or any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _keep_keys(session: Session, _context, _instances) -> None:
    from inbox.sla.models import ConversationSLA

    touched: dict[int, tuple[Conversation, object]] = {}
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Conversation) and _changed(obj, CONVERSATION_INPUTS):
            touched.setdefault(id(obj), (obj, None))
        elif isinstance(obj, ConversationSLA) and _changed(obj, SLA_INPUTS):
            with session.no_autoflush:
                conversation = session.get(Conversation, obj.conversation_id)
            if conversation is not None:
                touched[id(conversation)] = (conversation, obj)
    for conversation, sla_row in touched.values():
        refresh(conversation, sla_row)
