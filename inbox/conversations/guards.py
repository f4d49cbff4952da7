"""Checks that make the workspace ask before an action the editor might regret."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from inbox.conversations.delivery import SENT_STATES
from inbox.conversations.models import Conversation, Message


@dataclass
class PendingReply:
    """The conversation's last reply has not reached the citizen (yet)."""

    message: Message

    @property
    def failed(self) -> bool:
        return self.message.delivery_state == "failed"

    @property
    def question(self) -> str:
        if self.failed:
            reason = f": {self.message.delivery_error}" if self.message.delivery_error else ""
            return f"Die letzte Antwort konnte nicht gesendet werden{reason}. Die Person hat sie nicht erhalten."
        return "Die letzte Antwort ist noch nicht gesendet. Die Person hat sie noch nicht erhalten."


def pending(conversation: Conversation) -> PendingReply | None:
    """The last reply when it failed or is still unsent; None when it went out or there is none."""
    from inbox.extensions import db

    last = db.session.scalar(select(Message).where(Message.conversation_id == conversation.id,
                                                   Message.direction == "out")
                             .order_by(Message.id.desc()).limit(1))
    if last is None or last.delivery_state in SENT_STATES:
        return None
    return PendingReply(last)
