"""What a channel already holds: lets adapters thread a reply onto an earlier conversation."""

from __future__ import annotations

from sqlalchemy import select

from inbox.channels.models import RawEvent
from inbox.conversations.fitting import stored_id
from inbox.conversations.models import Conversation, Message
from inbox.extensions import db


def thread_key_of(channel, external_ids: list[str]) -> str | None:
    """The thread key of the conversation holding any of these messages (in or out), latest id first."""
    # Ids as they are stored (a platform's odd or over-long id is stored in its digest form).
    ids = [stored_id(i) for i in dict.fromkeys(external_ids) if i]
    if not ids:
        return None
    rows = db.session.execute(
        select(Message.external_id, Conversation.thread_key)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.organization_id == channel.organization_id, Message.channel_id == channel.id,
               Message.external_id.in_(ids))
    ).all()
    found = dict(rows)
    for external_id in reversed(ids):
        if external_id in found:
            return found[external_id]
    return None


def stored_ids(channel, external_ids: list[str]) -> set[str]:
    """Which of these external ids the channel already holds as messages."""
    if not external_ids:
        return set()
    as_stored = {stored_id(i): i for i in external_ids}
    found = db.session.scalars(
        select(Message.external_id).where(Message.organization_id == channel.organization_id,
                                          Message.channel_id == channel.id, Message.external_id.in_(list(as_stored)))
    )
    return {as_stored[i] for i in found}


def inbound_body(channel, external_id: str) -> bytes | None:
    """The raw polled item a citizen message came from (it holds details the message table does not)."""
    if not external_id:
        return None
    return db.session.scalar(
        select(RawEvent.body).join(Message, Message.raw_event_id == RawEvent.id)
        .where(Message.organization_id == channel.organization_id, Message.channel_id == channel.id,
               Message.external_id == stored_id(external_id))
    )


def conversation_external_ids(channel, message_id: int) -> list[str]:
    """External ids of all messages in the conversation of one of our messages, oldest first."""
    conversation_id = db.session.scalar(select(Message.conversation_id).where(
        Message.organization_id == channel.organization_id, Message.id == message_id))
    if conversation_id is None:
        return []
    return [i for i in db.session.scalars(
        select(Message.external_id).where(Message.conversation_id == conversation_id,
                                          Message.external_id.is_not(None)).order_by(Message.id)) if i]
