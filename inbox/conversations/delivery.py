"""Sending replies out through the channel, at most once, with retries on passing errors."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from inbox.audit.operations import record
from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError, DeliveryStatus, OutboundReply
from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db
from inbox.live.operations import publish

log = logging.getLogger(__name__)
BACKOFF = [10, 30, 120, 600, 1800]  # seconds; doubled steps, then give up
SENT_STATES = ("sent", "delivered", "read")
# Platforms may report out of order (read before delivered); a status never moves a reply backwards.
STATUS_RANK = {"sending": 0, "sent": 1, "delivered": 2, "read": 3}


def claim(message_id: int) -> bool:
    """Mark the message as being sent; False if another run has it or it was sent already."""
    result = db.session.execute(
        update(Message).where(Message.id == message_id, Message.delivery_state.in_(("queued", "retrying")))
        .values(delivery_state="sending", delivery_attempts=Message.delivery_attempts + 1)
    )
    return result.rowcount == 1


def build_reply(message: Message) -> OutboundReply:
    conversation = db.session.get(Conversation, message.conversation_id)
    contact = conversation.contact
    last_in = db.session.scalar(
        select(Message).where(Message.conversation_id == conversation.id, Message.direction == "in")
        .order_by(Message.id.desc()).limit(1)
    )
    return OutboundReply(
        text=message.text, recipient_id=contact.external_id, recipient_handle=contact.handle,
        recipient_email=contact.email, thread_key=conversation.thread_key,
        in_reply_to=last_in.external_id if last_in else "", subject=conversation.subject,
        is_public=message.is_public, message_id=message.id,
        extra={"last_inbound_at": conversation.last_inbound_at,
               "parent": last_in.parent_external_id if last_in else "",
               "attachments": list(message.attachments or [])},
    )


def send(message: Message) -> timedelta | None:
    """Send a claimed message; returns a delay when it should be tried again later."""
    channel = db.session.get(Conversation, message.conversation_id).channel
    try:
        message.external_id = get_adapter(channel.kind).send(channel, build_reply(message))
    except DeliveryError as exc:
        return _failed(message, exc)
    except Exception as exc:  # noqa: BLE001
        # An adapter bug must not leave the reply "sending" for ever: it shows as failed and can be retried.
        log.exception("sending message %s failed unexpectedly", message.id)
        return _failed(message, DeliveryError(f"Interner Fehler beim Senden ({exc.__class__.__name__})",
                                              permanent=True))
    message.delivery_state, message.delivery_error, message.sent_at = "sent", "", clock.now()
    db.session.flush()
    record(message.organization_id, "message.sent", message, conversation_id=message.conversation_id)
    return None


def _failed(message: Message, exc: DeliveryError) -> timedelta | None:
    attempt = message.delivery_attempts
    if exc.permanent or attempt > len(BACKOFF):
        message.delivery_state, message.delivery_error = "failed", str(exc)
        db.session.flush()
        record(message.organization_id, "message.failed", message, conversation_id=message.conversation_id,
               error=str(exc))
        return None
    message.delivery_state, message.delivery_error = "retrying", str(exc)
    db.session.flush()
    # Not an audit event (the final outcome is), but the open page's badge changes to "neuer Versuch geplant".
    conversation = db.session.get(Conversation, message.conversation_id)
    publish(message.organization_id, "message.retrying", team_id=conversation.team_id, conversation_id=conversation.id,
            object="message", object_id=message.id)
    return timedelta(seconds=max(BACKOFF[attempt - 1], exc.retry_after or 0))


def apply_status(channel, status: DeliveryStatus) -> None:
    """A platform reports what became of a reply (delivered, read, failed)."""
    message = db.session.scalar(select(Message).where(Message.channel_id == channel.id,
                                                      Message.external_id == status.external_id))
    if message is None or message.direction != "out":
        return
    current = STATUS_RANK.get(message.delivery_state, -1)
    if status.state == message.delivery_state or STATUS_RANK.get(status.state, 99) < current:
        return
    message.delivery_state = status.state
    message.delivery_error = status.error
    db.session.flush()
    record(message.organization_id, f"message.{status.state}", message, conversation_id=message.conversation_id)
