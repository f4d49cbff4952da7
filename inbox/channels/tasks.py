"""Jobs of the channels domain: turning stored raw events into conversations."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import PayloadError
from inbox.channels.models import RawEvent
from inbox.channels.rawstore import JOB_SIZE
from inbox.conversations import operations
from inbox.conversations.delivery import apply_status
from inbox.core import clock
from inbox.core.safetext import clean
from inbox.extensions import db
from inbox.jobs import enqueue, task

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def queue_events(event_ids: list[int]) -> None:
    """Queue processing for raw events (after the commit), in jobs of JOB_SIZE events."""
    for start in range(0, len(event_ids), JOB_SIZE):
        enqueue(process_raw_events, event_ids[start:start + JOB_SIZE])


@task
def process_raw_events(event_ids: list[int]) -> None:
    """Parse raw events into messages (a webhook batch, a poll, a re-processing); safe to run again.

    Each event is its own unit of work and commits on its own, so one event that cannot be
    processed neither holds back nor rolls back the others; it stays pending and the periodic
    sweep gives it another attempt.
    """
    for event_id in event_ids:
        try:
            _process(event_id)
            db.session.commit()
        except Exception:  # noqa: BLE001
            db.session.rollback()
            if current_app.config.get("JOBS_RAISE"):
                raise
            log.exception("raw event %s could not be processed; it stays pending for the sweep", event_id)
            _note_failure(event_id)


def _note_failure(event_id: int) -> None:
    event = db.session.get(RawEvent, event_id)
    if event is not None:
        event.attempts += 1
        if event.attempts >= MAX_ATTEMPTS:
            event.status, event.error = "failed", "Verarbeitung mehrfach fehlgeschlagen (siehe Server-Log)"
        db.session.commit()


def _process(event_id: int) -> None:
    event = db.session.get(RawEvent, event_id)
    if event is None or event.status != "pending":
        return
    event.attempts += 1
    try:
        result = get_adapter(event.channel.kind).parse(event.channel, event.body, event.content_type)
    except PayloadError as exc:
        log.warning("raw event %s of channel %s cannot be parsed: %s", event.id, event.channel_id, exc)
        event.status, event.error = "failed", clean(str(exc))  # the reason may quote the payload
        return
    except Exception as exc:  # noqa: BLE001  (an adapter bug: keep the event failed and visible, not pending forever)
        log.exception("raw event %s of channel %s: adapter error", event.id, event.channel_id)
        event.status = "failed"
        event.error = clean(f"Interner Fehler beim Verarbeiten: {exc.__class__.__name__}: {exc}")
        return
    stored = [operations.ingest(event.channel, item, event.id, received_at=event.received_at)
              for item in result.messages]
    for status in result.statuses:
        apply_status(event.channel, status)
    event.status = "ignored" if result.empty else "processed"
    event.error, event.processed_at = "", clock.now()
    _after_ingest([m.conversation_id for m in stored if m is not None and m.direction == "in"])


def _after_ingest(conversation_ids: list[int]) -> None:
    from inbox.conversations.hooks import conversation_received

    for conversation_id in dict.fromkeys(conversation_ids):
        conversation_received(conversation_id)


def requeue_stale(older_than: timedelta = timedelta(minutes=2), limit: int = 500) -> int:
    """Queue pending events nobody processed: stored while Redis was down, or a worker died on them."""
    ids = list(db.session.scalars(select(RawEvent.id).where(
        RawEvent.status == "pending", RawEvent.received_at < clock.now() - older_than).order_by(RawEvent.id)
        .limit(limit)))
    queue_events(ids)
    return len(ids)
