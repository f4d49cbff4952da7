"""Sending replies out through the channel, at most once, with retries on passing errors.

Every step of a reply on its way (queued, retrying, sending) carries a deadline; recovery.py takes up
the replies whose step overran it, so none stays "wird gesendet" for good.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from inbox.audit.operations import record
from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError, DeliveryStatus, OutboundReply
from inbox.conversations.fitting import fitted_status, stored_id
from inbox.conversations.models import Conversation, Message
from inbox.conversations.queries import citizen_last_wrote
from inbox.core import clock
from inbox.core.safetext import clean
from inbox.extensions import db
from inbox.live.operations import publish

log = logging.getLogger(__name__)
BACKOFF = [10, 30, 120, 600, 1800]  # seconds; doubled steps, then give up
SENT_STATES = ("sent", "delivered", "read")
ON_THE_WAY = ("queued", "retrying", "sending")
# Platforms may report out of order (read before delivered); a status never moves a reply backwards.
STATUS_RANK = {"sending": 0, "sent": 1, "delivered": 2, "read": 3}
DEFAULT_CHECK_AFTER = 300


def check_after() -> timedelta:
    """How long one step may take; well above what a send can take (each HTTP call times out after 25 s)."""
    settings = current_app.config["SETTINGS"].get("delivery", {})
    return timedelta(seconds=float(settings.get("check_after_seconds", DEFAULT_CHECK_AFTER)))


def queue(message: Message) -> None:
    """Hand a reply to the delivery job (after the commit); the periodic check queues it again if the job is lost."""
    from inbox.conversations.tasks import deliver_message
    from inbox.jobs import enqueue

    message.delivery_state, message.delivery_error = "queued", ""
    message.delivery_deadline = clock.now() + check_after()
    db.session.flush()
    enqueue(deliver_message, message.id)


def claim(message_id: int) -> bool:
    """Mark the message as being sent; False if another run has it or it was sent already."""
    result = db.session.execute(
        update(Message).where(Message.id == message_id, Message.delivery_state.in_(("queued", "retrying")))
        .values(delivery_state="sending", delivery_attempts=Message.delivery_attempts + 1,
                delivery_deadline=clock.now() + check_after())
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
        # The window of Meta's private channels runs from when the citizen wrote, not when we received it.
        extra={"last_inbound_at": citizen_last_wrote(conversation.id),
               "parent": last_in.parent_external_id if last_in else "",
               "attachments": list(message.attachments or []),
               # When the editor wrote it: lookups after a lost answer only consider posts made since.
               "created_at": message.created_at},
    )


def send(message: Message) -> timedelta | None:
    """Send a claimed message; returns a delay when it should be tried again later."""
    channel = db.session.get(Conversation, message.conversation_id).channel
    try:
        external_id = get_adapter(channel.kind).send(channel, build_reply(message))
    except DeliveryError as exc:
        if exc.uncertain:
            return _unanswered(message, exc)
        return _failed(message, exc)
    except Exception as exc:  # noqa: BLE001
        if _job_timed_out(exc):
            # RQ ended the job during the platform call: the platform may have the reply, so it is looked up.
            return _unanswered(message, DeliveryError("Zeitlimit des Auftrags überschritten", uncertain=True))
        # An adapter bug must not leave the reply "sending" for ever: it shows as failed and can be retried.
        log.exception("sending message %s failed unexpectedly", message.id)
        return _failed(message, DeliveryError(f"Interner Fehler beim Senden ({exc.__class__.__name__})",
                                              permanent=True))
    mark_sent(message, external_id)
    return None


def _job_timed_out(exc: Exception) -> bool:
    from rq.timeouts import JobTimeoutException  # here, not at the top: web processes load no RQ

    return isinstance(exc, JobTimeoutException)


def mark_sent(message: Message, external_id: str, **detail) -> None:
    message.external_id = stored_id(external_id)  # the platform's id, fitted to the column like inbound ids
    message.delivery_state, message.delivery_error, message.sent_at = "sent", "", clock.now()
    message.delivery_deadline = None
    db.session.flush()
    record(message.organization_id, "message.sent", message, conversation_id=message.conversation_id, **detail)


def _unanswered(message: Message, exc: DeliveryError) -> None:
    """The platform took the request but never answered: sending again could post twice.

    The reply stays "sending" with the deadline of its claim; the periodic check then looks on the
    platform (recovery.py), as it does for a reply whose worker died.
    """
    message.delivery_error = f"{exc} – es wird geprüft, ob die Antwort angekommen ist"
    db.session.flush()
    record(message.organization_id, "message.unconfirmed", message, conversation_id=message.conversation_id,
           error=str(exc))
    return None


def _failed(message: Message, exc: DeliveryError) -> timedelta | None:
    attempt, error = message.delivery_attempts, clean(str(exc))  # the platform's words may hold a NUL
    if exc.permanent or attempt > len(BACKOFF):
        message.delivery_state, message.delivery_error, message.delivery_deadline = "failed", error, None
        db.session.flush()
        record(message.organization_id, "message.failed", message, conversation_id=message.conversation_id,
               error=error)
        return None
    delay = timedelta(seconds=max(BACKOFF[attempt - 1], exc.retry_after or 0))
    message.delivery_state, message.delivery_error = "retrying", error
    message.delivery_deadline = clock.now() + delay + check_after()
    db.session.flush()
    # Not an audit event (the final outcome is), but the open page's badge changes to "neuer Versuch geplant".
    conversation = db.session.get(Conversation, message.conversation_id)
    publish(message.organization_id, "message.retrying", team_id=conversation.team_id, conversation_id=conversation.id,
            object="message", object_id=message.id)
    return delay


def apply_status(channel, status: DeliveryStatus) -> None:
    """A platform reports what became of a reply (delivered, read, failed)."""
    status = fitted_status(status)
    message = db.session.scalar(select(Message).where(Message.channel_id == channel.id,
                                                      Message.external_id == status.external_id))
    if message is None or message.direction != "out":
        return
    current = STATUS_RANK.get(message.delivery_state, -1)
    if status.state == message.delivery_state or STATUS_RANK.get(status.state, 99) < current:
        return
    message.delivery_state = status.state
    message.delivery_error = status.error
    message.delivery_deadline = None
    db.session.flush()
    record(message.organization_id, f"message.{status.state}", message, conversation_id=message.conversation_id)
