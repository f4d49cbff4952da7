"""The SLA part of the periodic sweep: follow status changes, notice replies, warn and escalate once."""

from __future__ import annotations

from sqlalchemy import and_, func, select, update

from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db
from inbox.routing.alerts import raise_alert
from inbox.sla import operations
from inbox.sla.models import ConversationSLA


def run() -> dict[str, int]:
    counts = {"paused": _sync_waiting(), "answered": _close_answered()}
    counts["warned"], counts["escalated"] = _warn(), _escalate()
    return counts


def _sync_waiting() -> int:
    """Forwarding may only flip the status; pause and resume follow it here."""
    rows = db.session.execute(
        select(ConversationSLA, Conversation).join(Conversation, Conversation.id == ConversationSLA.conversation_id)
        .where(((Conversation.status == "waiting") & ConversationSLA.due_at.is_not(None))
               | ((Conversation.status != "waiting") & ConversationSLA.paused_at.is_not(None)))).all()
    for row, conversation in rows:
        if conversation.status == "waiting":
            operations.pause(conversation)
        elif conversation.status == "resolved":
            operations.answered(row)
        else:
            operations.resume(conversation)
    return len(rows)


def _close_answered() -> int:
    """A running clock stops when an editor replied after the citizen wrote, or the case was resolved."""
    replied = (select(Message.conversation_id, func.max(Message.created_at).label("at"))
               .where(Message.direction == "out", Message.author_id.is_not(None)).group_by(Message.conversation_id)
               .subquery())
    rows = db.session.scalars(
        select(ConversationSLA).join(Conversation, Conversation.id == ConversationSLA.conversation_id)
        .outerjoin(replied, replied.c.conversation_id == ConversationSLA.conversation_id)
        .where(ConversationSLA.awaiting_since.is_not(None),
               (Conversation.status == "resolved") | (replied.c.at >= ConversationSLA.awaiting_since))).all()
    for row in rows:
        operations.answered(row)
    db.session.flush()
    return len(rows)


def _claim(row_id: int, column) -> bool:
    """Mark the row as warned or escalated; only the first sweep to do so goes on."""
    result = db.session.execute(update(ConversationSLA).where(ConversationSLA.id == row_id, column.is_(None))
                                .values({column.key: clock.now()}))
    return result.rowcount == 1


def _due(before, column) -> list[tuple[ConversationSLA, Conversation]]:
    return db.session.execute(
        select(ConversationSLA, Conversation).join(Conversation, Conversation.id == ConversationSLA.conversation_id)
        .where(and_(ConversationSLA.due_at.is_not(None), ConversationSLA.due_at <= before, column.is_(None)))
        .order_by(ConversationSLA.due_at)).all()


def _warn() -> int:
    now, count = clock.now(), 0
    for row, conv in _due(now + operations.warn_delta(), ConversationSLA.warned_at):
        if row.due_at <= now or not _claim(row.id, ConversationSLA.warned_at):
            continue  # already breached: the escalation says it better than a late warning
        count += 1
        raise_alert(conv.organization_id, conv.team_id, "sla_warning", f"sla-warn:{conv.id}:{row.due_at.isoformat()}",
                    f"„{conv.subject}“: {_what(row)} fällig um {_local(row.due_at)}.", conversation_id=conv.id,
                    email=False)
    return count


def _escalate() -> int:
    count = 0
    for row, conv in _due(clock.now(), ConversationSLA.escalated_at):
        if not _claim(row.id, ConversationSLA.escalated_at):
            continue
        count += 1
        raise_alert(conv.organization_id, conv.team_id, "sla_breach", f"sla-breach:{conv.id}:{row.due_at.isoformat()}",
                    f"„{conv.subject}“: {_what(row)} überfällig seit {_local(row.due_at)}.", conversation_id=conv.id)
    return count


def _what(row: ConversationSLA) -> str:
    return "Erste Antwort" if row.kind == "first" else "Nächste Antwort"


def _local(moment) -> str:
    from inbox.core.clock import local_text

    return local_text(moment)
