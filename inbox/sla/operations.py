"""SLA clocks in business time: start on a citizen message, stop on a reply, pause while waiting.

Other domains call `pause(conversation)` when a conversation starts waiting on a department and
`resume(conversation)` when the answer is in; the sweep also notices status changes by itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from inbox.conversations.models import Conversation
from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import adapter
from inbox.sla.models import ConversationSLA


def settings() -> dict:
    return current_app.config["SETTINGS"]["sla"]


def target_minutes(conversation: Conversation, kind: str) -> int:
    """Business minutes for a first or next response; the channel's settings override the defaults."""
    key = f"{kind}_response_minutes"
    value = (conversation.channel.settings or {}).get(f"sla_{key}", settings()[key])
    if isinstance(value, dict):
        value = value.get(conversation.priority, value.get("normal", 120))
    return int(value)


def row_for(conversation: Conversation) -> ConversationSLA:
    row = db.session.scalar(select(ConversationSLA).where(ConversationSLA.conversation_id == conversation.id))
    if row is None:
        row = ConversationSLA(organization_id=conversation.organization_id, conversation_id=conversation.id,
                              team_id=conversation.team_id)
        db.session.add(row)
    return row


def start(conversation: Conversation) -> ConversationSLA:
    """A citizen wrote: the clock runs from the oldest unanswered message."""
    row = row_for(conversation)
    row.team_id = conversation.team_id
    if row.awaiting_since is None:
        row.kind = "first" if conversation.first_response_at is None else "next"
        row.awaiting_since = conversation.last_inbound_at or clock.now()
        row.warned_at = row.escalated_at = None
        _set_due(row, conversation, row.awaiting_since, target_minutes(conversation, row.kind))
    if conversation.status == "waiting":
        pause(conversation)
    db.session.flush()
    return row


def _set_due(row: ConversationSLA, conversation: Conversation, since: datetime, minutes: int) -> None:
    row.paused_at, row.remaining_minutes = None, None
    calendar = adapter.calendar_for(db.session.get(Team, conversation.team_id))
    row.due_at = calendar.add_business_minutes(since, max(minutes, 0))


def answered(row: ConversationSLA) -> None:
    row.awaiting_since = row.due_at = row.paused_at = row.remaining_minutes = None
    row.warned_at = row.escalated_at = None


def pause(conversation: Conversation) -> None:
    """Stop the clock while the conversation waits on a department; keeps the business minutes left."""
    row = db.session.scalar(select(ConversationSLA).where(ConversationSLA.conversation_id == conversation.id))
    if row is None or row.paused_at is not None or row.due_at is None:
        return
    now = clock.now()
    calendar = adapter.calendar_for(db.session.get(Team, conversation.team_id))
    row.remaining_minutes = calendar.business_minutes_between(now, row.due_at)
    row.paused_at, row.due_at = now, None
    db.session.flush()


def resume(conversation: Conversation) -> None:
    """Restart a paused clock with the business minutes it had left (at least none)."""
    row = db.session.scalar(select(ConversationSLA).where(ConversationSLA.conversation_id == conversation.id))
    if row is None or row.paused_at is None:
        return
    _set_due(row, conversation, clock.now(), row.remaining_minutes or 0)
    # A breach before the pause stays escalated; a fresh deadline earns a fresh warning.
    if row.due_at > clock.now():
        row.warned_at = row.escalated_at = None
    db.session.flush()


def warn_delta() -> timedelta:
    return timedelta(minutes=int(settings().get("warn_before_minutes", 30)))


def due_for(conversation_ids: list[int]) -> dict[int, ConversationSLA]:
    if not conversation_ids:
        return {}
    rows = db.session.scalars(select(ConversationSLA).where(ConversationSLA.conversation_id.in_(conversation_ids)))
    return {r.conversation_id: r for r in rows}
