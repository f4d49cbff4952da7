"""Polling the platforms that offer no push: one job per channel, a sweep that starts them when due.

Polled items take exactly the path webhook bodies take: stored as raw events, then
`process_raw_events` (idempotent on channel + external id). The new cursor is saved in the
same commit as the raw events, so a restart resumes where the last successful poll ended.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from inbox.audit.operations import record
from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError
from inbox.channels.models import Channel, RawEvent
from inbox.channels.tasks import queue_events
from inbox.core import clock
from inbox.extensions import db
from inbox.jobs import enqueue, task

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 60  # seconds between polls of one channel
MAX_BACKOFF = 3600  # seconds; repeated failures double the pause up to this
LOCK_SECONDS = 900  # a poll taking longer than this is presumed dead
STATE_KEYS = ("backoff_until", "failures", "last_error")
_local_locks: dict[int, threading.Lock] = {}
_local_guard = threading.Lock()


def poll_interval(channel: Channel) -> int:
    try:
        return max(1, int((channel.settings or {}).get("poll_interval_seconds") or DEFAULT_INTERVAL))
    except (TypeError, ValueError):
        return DEFAULT_INTERVAL


def backoff_until(channel: Channel) -> datetime | None:
    value = (channel.cursor or {}).get("backoff_until")
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def is_due(channel: Channel, now: datetime) -> bool:
    pause = backoff_until(channel)
    if pause and pause > now:
        return False
    last = channel.last_polled_at
    return last is None or last <= now - timedelta(seconds=poll_interval(channel))


@task
def poll_channel(channel_id: int) -> None:
    """Fetch what is new on one channel; a failure pauses this channel only."""
    channel = db.session.get(Channel, channel_id)
    if channel is None or not channel.enabled or not getattr(get_adapter(channel.kind), "polls", False):
        return
    pause = backoff_until(channel)
    if pause and pause > clock.now():
        log.info("channel %s pauses polling until %s", channel_id, pause.isoformat())
        return
    with _poll_lock(channel_id) as acquired:
        if not acquired:
            log.info("channel %s is being polled by another worker", channel_id)
            return
        _poll(channel)
        # The lock must outlive the commit, or a second worker could read the old cursor.
        db.session.commit()


def _poll(channel: Channel) -> None:
    adapter = get_adapter(channel.kind)
    cursor = {k: v for k, v in (channel.cursor or {}).items() if k not in STATE_KEYS}
    try:
        items, new_cursor = adapter.poll(channel, cursor)
    except DeliveryError as exc:
        _back_off(channel, exc)
        return
    except Exception as exc:  # an adapter bug must not make us hammer the platform every minute
        log.exception("polling channel %s failed unexpectedly", channel.id)
        db.session.rollback()
        _back_off(channel, DeliveryError(f"Unerwarteter Fehler: {exc.__class__.__name__}: {exc}"))
        return
    queue_events([_store(channel, body, content_type).id for body, content_type in (_item(i) for i in items)])
    channel.cursor = dict(new_cursor)
    channel.last_polled_at = clock.now()
    db.session.flush()


def _item(item) -> tuple[bytes, str]:
    """Adapters return raw bodies, or (body, content type) where it is not JSON."""
    if isinstance(item, tuple):
        return item[0], item[1]
    return item, "application/json"


def _store(channel: Channel, body: bytes, content_type: str) -> RawEvent:
    event = RawEvent(organization_id=channel.organization_id, channel_id=channel.id, body=body,
                     content_type=content_type, headers={"X-Mitreden-Source": "poll"})
    db.session.add(event)
    db.session.flush()
    return event


def _back_off(channel: Channel, exc: DeliveryError) -> None:
    """Pause this channel: the platform's Retry-After, at least an interval doubled per failure in a row."""
    cursor = dict(channel.cursor or {})
    failures = int(cursor.get("failures") or 0) + 1
    delay = min(poll_interval(channel) * 2 ** (failures - 1), MAX_BACKOFF)
    delay = max(delay, exc.retry_after or 0)
    now = clock.now()
    cursor.update(failures=failures, last_error=str(exc)[:500],
                  backoff_until=(now + timedelta(seconds=delay)).isoformat())
    channel.cursor, channel.last_polled_at = cursor, now
    db.session.flush()
    log.warning("polling channel %s failed (%s in a row), pausing %ss: %s", channel.id, failures, delay, exc)
    record(channel.organization_id, "channel.poll_failed", channel, error=str(exc)[:500], failures=failures,
           pause_seconds=delay)


@contextlib.contextmanager
def _poll_lock(channel_id: int):
    """One poll per channel at a time: a Redis lock across workers, a thread lock in-process."""
    if current_app.config.get("REDIS_URL"):
        from inbox.jobs import redis_connection

        name = f"mitreden:{current_app.config['RQ_QUEUE']}:poll-lock:{channel_id}"
        lock = redis_connection().lock(name, timeout=LOCK_SECONDS, blocking=False)
        acquired = lock.acquire()
        try:
            yield acquired
        finally:
            if acquired:
                with contextlib.suppress(Exception):
                    lock.release()
        return
    with _local_guard:
        lock = _local_locks.setdefault(channel_id, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


@task
def poll_due_channels() -> int:
    """The sweep: start a poll for every enabled polling channel whose interval has passed."""
    now = clock.now()
    started = 0
    for channel in db.session.scalars(select(Channel).where(Channel.enabled.is_(True)).order_by(Channel.id)):
        if not _polls(channel.kind) or not is_due(channel, now):
            continue
        if _claim(channel, now):
            enqueue(poll_channel, channel.id)
            started += 1
    return started


def _polls(kind: str) -> bool:
    try:
        return bool(getattr(get_adapter(kind), "polls", False))
    except KeyError:
        return False


def _claim(channel: Channel, now: datetime) -> bool:
    """Mark the channel as polled now, unless a parallel sweep did so first (then it is not due any more)."""
    cutoff = now - timedelta(seconds=poll_interval(channel))
    result = db.session.execute(
        update(Channel).where(Channel.id == channel.id,
                              or_(Channel.last_polled_at.is_(None), Channel.last_polled_at <= cutoff))
        .values(last_polled_at=now).execution_options(synchronize_session=False)
    )
    db.session.expire(channel, ["last_polled_at"])
    return result.rowcount == 1
