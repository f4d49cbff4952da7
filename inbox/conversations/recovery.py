"""Replies whose delivery step overran its deadline: a worker killed mid-send, a lost job, no answer.

The periodic check (check_overdue, part of inbox.periodic.run_all) finds them. A queued or retrying
reply whose job never ran is queued again; the job's claim makes a second copy harmless. A reply
left "sending" is claimed for a check (its attempts counter is the claim's token), and after the
commit a job looks on the platform (resolve): found, it is marked sent; certainly not there, it is
sent again with the same idempotency key; where the platform cannot tell, it becomes "unclear" and
the editor decides ("als gesendet markieren" or "erneut senden").
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from inbox.audit.operations import record
from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import CannotTell, DeliveryError
from inbox.conversations import delivery
from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db
from inbox.jobs import enqueue

log = logging.getLogger(__name__)
BATCH = 200  # replies per pass; the rest follow in the next pass
GAVE_UP = "Ob die Antwort angekommen ist, ließ sich nach mehreren Versuchen nicht klären"


def check_overdue(limit: int = BATCH) -> dict[str, int]:
    """One pass: take up every reply whose step is past its deadline. Changes flush; the caller commits."""
    from inbox.conversations.tasks import check_delivery, deliver_message

    now = clock.now()
    overdue = db.session.execute(
        select(Message.id, Message.delivery_state, Message.delivery_attempts)
        .where(Message.delivery_deadline < now, Message.delivery_state.in_(delivery.ON_THE_WAY))
        .order_by(Message.delivery_deadline).limit(limit)).all()
    totals = {"replies_requeued": 0, "replies_checked": 0, "replies_unclear": 0}
    for message_id, state, attempts in overdue:
        if state != "sending":
            if _take(message_id, state, now, attempts):
                enqueue(deliver_message, message_id)
                totals["replies_requeued"] += 1
        elif attempts > len(delivery.BACKOFF):
            if _take(message_id, state, now, attempts):
                mark_unclear(db.session.get(Message, message_id, populate_existing=True), GAVE_UP)
                totals["replies_unclear"] += 1
        elif _take(message_id, state, now, attempts, count_attempt=True):
            enqueue(check_delivery, message_id, attempts + 1)
            totals["replies_checked"] += 1
    return totals


def _take(message_id: int, state: str, now, attempts: int, *, count_attempt: bool = False) -> bool:
    """Claim an overdue reply for this pass (a parallel pass finds its deadline moved and leaves it)."""
    values = {"delivery_deadline": now + delivery.check_after()}
    if count_attempt:
        values["delivery_attempts"] = attempts + 1
    result = db.session.execute(
        update(Message).where(Message.id == message_id, Message.delivery_state == state,
                              Message.delivery_attempts == attempts, Message.delivery_deadline < now)
        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def holds_check(message: Message | None, attempt: int) -> bool:
    """True while the check claimed as this attempt is still the reply's latest step."""
    return message is not None and message.delivery_state == "sending" and message.delivery_attempts == attempt


def resolve(message: Message) -> timedelta | None:
    """Look on the platform for a reply whose send never reported back; returns a delay to try again later."""
    channel = db.session.get(Conversation, message.conversation_id).channel
    try:
        found = get_adapter(channel.kind).find_delivered(channel, delivery.build_reply(message))
    except CannotTell as exc:
        mark_unclear(message, f"Die Plattform hat nicht geantwortet; {exc}")
        return None
    except DeliveryError as exc:
        reason = f"Nachsehen, ob die Antwort angekommen ist, schlug fehl: {exc}"
        if exc.permanent:
            mark_unclear(message, reason)
        else:
            # Still "sending" with the deadline of this check: the next pass after it looks again.
            message.delivery_error = f"{reason}; neuer Versuch folgt"
            db.session.flush()
        return None
    except Exception as exc:  # noqa: BLE001  (an adapter bug: the editor decides, nothing is sent blindly)
        log.exception("looking up reply %s on %s failed unexpectedly", message.id, channel.kind)
        mark_unclear(message, f"Interner Fehler beim Nachsehen ({exc.__class__.__name__})")
        return None
    if found:
        delivery.mark_sent(message, found, checked=True)
        return None
    log.info("reply %s did not arrive on %s; sending it again", message.id, channel.kind)
    return delivery.send(message)


def mark_unclear(message: Message, reason: str) -> None:
    message.delivery_state, message.delivery_error, message.delivery_deadline = "unclear", reason, None
    db.session.flush()
    record(message.organization_id, "message.unclear", message, conversation_id=message.conversation_id,
           error=reason)


def confirm_sent(message: Message) -> None:
    """The editor saw the reply on the platform: an unclear reply is marked sent, without sending."""
    if message.delivery_state != "unclear":
        raise ValueError("only an unclear reply can be marked as sent")
    message.delivery_state, message.delivery_error, message.delivery_deadline = "sent", "", None
    db.session.flush()
    record(message.organization_id, "message.marked_sent", message, conversation_id=message.conversation_id)
