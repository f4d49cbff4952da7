"""Jobs of the conversations domain."""

from __future__ import annotations

from flask import current_app

from inbox.audit.operations import record
from inbox.conversations import delivery
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
    retry_in = delivery.send(message)
    if retry_in is None:
        return
    if current_app.config.get("REDIS_URL"):
        enqueue(deliver_message, message_id, delay=retry_in)
    else:
        # In-process mode has no scheduler to wait on: show the failure and let the editor retry.
        message.delivery_state = "failed"
        record(message.organization_id, "message.failed", message, conversation_id=message.conversation_id,
               error=message.delivery_error)
