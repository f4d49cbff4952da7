"""Jobs of the channels domain: turning stored raw events into conversations."""

from __future__ import annotations

import logging

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import PayloadError
from inbox.channels.models import RawEvent
from inbox.conversations import operations
from inbox.conversations.delivery import apply_status
from inbox.core import clock
from inbox.extensions import db
from inbox.jobs import task

log = logging.getLogger(__name__)


@task
def process_raw_event(event_id: int) -> None:
    """Parse one raw event into messages; safe to run again (ingest is idempotent)."""
    event = db.session.get(RawEvent, event_id)
    if event is None or event.status == "processed":
        return
    event.attempts += 1
    try:
        result = get_adapter(event.channel.kind).parse(event.channel, event.body, event.content_type)
    except PayloadError as exc:
        log.warning("raw event %s of channel %s cannot be parsed: %s", event.id, event.channel_id, exc)
        event.status, event.error = "failed", str(exc)
        return
    except Exception as exc:  # noqa: BLE001  (an adapter bug: keep the event failed and visible, not pending forever)
        log.exception("raw event %s of channel %s: adapter error", event.id, event.channel_id)
        event.status, event.error = "failed", f"Interner Fehler beim Verarbeiten: {exc.__class__.__name__}: {exc}"
        return
    stored = [operations.ingest(event.channel, item, event.id) for item in result.messages]
    for status in result.statuses:
        apply_status(event.channel, status)
    event.status = "ignored" if result.empty else "processed"
    event.error, event.processed_at = "", clock.now()
    _after_ingest([m.conversation_id for m in stored if m is not None and m.direction == "in"])


def _after_ingest(conversation_ids: list[int]) -> None:
    from inbox.conversations.hooks import conversation_received

    for conversation_id in dict.fromkeys(conversation_ids):
        conversation_received(conversation_id)
