"""What a row of the inbox shows besides the conversation itself: the last message, age and SLA timer in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from inbox.conversations.models import Message
from inbox.core import clock
from inbox.extensions import db

PREVIEW_CHARS = 140
# The SLA timer turns amber this long before the answer is due (or once the SLA sweep warned).
SOON = timedelta(minutes=15)
# Short marks for the channel icon; the channel's name stands beside it in words.
CHANNEL_MARKS = {"facebook": "f", "messenger": "m", "instagram": "IG", "x": "X", "mastodon": "M", "bluesky": "BS",
                 "threads": "@", "youtube": "YT", "whatsapp": "WA", "email": "✉", "webform": "WF"}


@dataclass
class LastMessage:
    preview: str
    is_public: bool
    direction: str


def last_messages(conversation_ids: list[int]) -> dict[int, LastMessage]:
    """The newest message of each conversation, in one query for the page."""
    if not conversation_ids:
        return {}
    newest = (select(func.max(Message.id)).where(Message.conversation_id.in_(conversation_ids))
              .group_by(Message.conversation_id))
    rows = db.session.execute(select(Message.conversation_id, Message.text, Message.is_public, Message.direction,
                                     Message.deleted_at).where(Message.id.in_(newest)))
    return {cid: LastMessage(_preview(text, deleted), bool(public), direction)
            for cid, text, public, direction, deleted in rows}


def _preview(text: str | None, deleted_at) -> str:
    if deleted_at is not None:
        return "(von der Person gelöscht)"
    flat = " ".join((text or "").split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[:PREVIEW_CHARS - 1].rstrip() + "…"


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "weniger als 1 Min."
    if minutes < 60:
        return f"{minutes} Min."
    hours = minutes // 60
    if hours < 24:
        return f"{hours} Std."
    days = hours // 24
    return f"{days} {'Tag' if days == 1 else 'Tagen'}"


def ago(moment: datetime | None) -> str:
    """'vor 12 Min.' (the age of a conversation's last activity)."""
    if moment is None:
        return ""
    delta = clock.now() - moment
    if delta < timedelta(minutes=1):
        return "gerade eben"
    return f"vor {_span(delta)}"


@dataclass
class SlaTimer:
    text: str
    level: str  # "", "soon" or "overdue"


def sla_timer(sla) -> SlaTimer | None:
    """The SLA row of a conversation in words: 'fällig in 12 Min.', 'überfällig seit 5 Min.', 'pausiert'."""
    if sla is None:
        return None
    if sla.due_at is None:
        return SlaTimer("Frist pausiert", "") if sla.paused_at else None
    left = sla.due_at - clock.now()
    if left <= timedelta(0):
        return SlaTimer(f"überfällig seit {_span(-left)}", "overdue")
    soon = left <= SOON or sla.warned_at is not None
    return SlaTimer(f"fällig in {_span(left)}", "soon" if soon else "")
