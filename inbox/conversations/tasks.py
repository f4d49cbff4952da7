"""Jobs of the conversations domain."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from inbox.audit.operations import record
from inbox.conversations import delivery, recovery
from inbox.conversations.models import Message
from inbox.extensions import db
from inbox.jobs import enqueue, task


@task
def deliver_message(message_id: int) -> None:
    """Send one reply. The claim is committed before the platform call so no reply goes out twice."""
    if not delivery.claim(message_id):
        return
    # A job commits once as a rule; here the claim must be durable before the network call.
    db.session.commit()
    message = db.session.get(Message, message_id)
    _again_later(message, delivery.send(message))


@task
def check_delivery(message_id: int, attempt: int) -> None:
    """Resolve a reply left "sending" past its deadline; the periodic pass committed the claim (attempt)."""
    message = db.session.get(Message, message_id)
    if not recovery.holds_check(message, attempt):
        return  # resolved meanwhile, or a later pass took the reply over
    _again_later(message, recovery.resolve(message))


def _again_later(message: Message, retry_in: timedelta | None) -> None:
    if retry_in is None:
        return
    if current_app.config.get("REDIS_URL"):
        enqueue(deliver_message, message.id, delay=retry_in)
    else:
        # In-process mode has no scheduler to wait on: show the failure and let the editor retry.
        message.delivery_state, message.delivery_deadline = "failed", None
        record(message.organization_id, "message.failed", message, conversation_id=message.conversation_id,
               error=message.delivery_error)
