"""Waking the open streams after a commit: Redis pub/sub across processes, or within the process without Redis.

Each process keeps a `Hub` of its open streams per organization; a stream is a callable that
takes a message (None: "new rows, read the table"; a dict: a transient event such as presence).
With REDIS_URL, commits publish on `mitreden:live:<org_id>` and one relay thread per process
passes what arrives to its hub; without it, commits deliver to the hub directly. Streams read
the table again on every heartbeat, so a lost wake-up (Redis restarting) only delays an update.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
EXTENSION = "mitreden_live"
PREFIX = "mitreden:live:"
CHANGED = "changed"
# Ends a stream (the process is shutting down): its browser reconnects, to another process if there is one.
CLOSE = {"kind": "close"}
# Organizations with events in the session's open transaction; their streams are woken after the commit.
PENDING = "live_orgs"


class Hub:
    """The streams of one process by organization, and (with Redis) the thread relaying wake-ups to them."""

    def __init__(self, redis_url: str = ""):
        self.redis_url = redis_url
        self._lock = threading.Lock()
        self._streams: dict[int, set[Callable]] = {}
        self._relay: threading.Thread | None = None
        self._stopping = threading.Event()
        self.relay_ready = threading.Event()
        self._publisher = None

    @contextmanager
    def subscription(self, org_id: int, put: Callable) -> Iterator[None]:
        """put(message) receives the organization's wake-ups for as long as the block runs."""
        with self._lock:
            self._streams.setdefault(org_id, set()).add(put)
        if self.redis_url:
            self._start_relay()
        try:
            yield
        finally:
            with self._lock:
                self._streams.get(org_id, set()).discard(put)

    def stream_count(self, org_id: int | None = None) -> int:
        with self._lock:
            return sum(len(s) for org, s in self._streams.items() if org_id in (None, org))

    def deliver(self, org_id: int, message: dict | None) -> None:
        with self._lock:
            streams = list(self._streams.get(org_id, ()))
        for put in streams:
            put(message)

    def deliver_all(self, message: dict | None) -> None:
        with self._lock:
            orgs = list(self._streams)
        for org_id in orgs:
            self.deliver(org_id, message)

    def close_streams(self) -> None:
        """End every open stream of this process; browsers reconnect and catch up from their Last-Event-ID."""
        self.deliver_all(CLOSE)

    def publish(self, org_id: int, message: dict | None) -> None:
        from redis import Redis

        if self._publisher is None:
            self._publisher = Redis.from_url(self.redis_url)
        self._publisher.publish(PREFIX + str(org_id), encode(message))

    def stop(self) -> None:
        self._stopping.set()

    def _start_relay(self) -> None:
        with self._lock:
            if self._relay is not None:
                return
            self._relay = threading.Thread(target=self._relay_loop, name="live-relay", daemon=True)
        self._relay.start()

    def _relay_loop(self) -> None:
        from redis import Redis

        pause = 0.5
        while not self._stopping.is_set():
            try:
                pubsub = Redis.from_url(self.redis_url, health_check_interval=30).pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(PREFIX + "*")
                pubsub.get_message(timeout=5)  # the subscription's confirmation
                self.relay_ready.set()
                # Whatever was published while we were not subscribed is in the table: every stream reads it now.
                self.deliver_all(None)
                pause = 0.5
                while not self._stopping.is_set():
                    item = pubsub.get_message(timeout=1.0)
                    if item is not None:
                        self._relay_one(item)
            except Exception:  # noqa: BLE001  (Redis restarting: streams still poll the table on their heartbeat)
                self.relay_ready.clear()
                log.warning("live relay lost Redis; subscribing again in %.1f s", pause, exc_info=True)
                time.sleep(pause)
                pause = min(pause * 2, 10.0)

    def _relay_one(self, item: dict) -> None:
        channel = item["channel"].decode() if isinstance(item["channel"], bytes) else item["channel"]
        try:
            org_id = int(channel.removeprefix(PREFIX))
            message = decode(item["data"])
        except ValueError:
            log.warning("live relay: ignoring a message on %r", channel)
            return
        self.deliver(org_id, message)


def hub(app: Flask) -> Hub:
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = Hub(app.config.get("REDIS_URL") or "")
    return app.extensions[EXTENSION]


def encode(message: dict | None) -> bytes:
    return CHANGED.encode() if message is None else json.dumps(message).encode()


def decode(data: bytes | str) -> dict | None:
    text = data.decode() if isinstance(data, bytes) else data
    if text == CHANGED:
        return None
    message = json.loads(text)
    if not isinstance(message, dict):
        raise ValueError("not an object")
    return message


def announce(app: Flask, org_id: int, message: dict | None = None) -> None:
    """Wake the organization's streams in every process (message None: read the table; else pass it on)."""
    if not app.config.get("REDIS_URL"):
        hub(app).deliver(org_id, message)
        return
    try:
        hub(app).publish(org_id, message)
    except Exception:  # noqa: BLE001  (the change is committed; streams find it on their next heartbeat)
        log.warning("live wake-up for organization %s not published", org_id, exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (SQLAlchemy calls this hook for those too): the real commit is still to come
    orgs = session.info.pop(PENDING, None)
    if not orgs or not has_app_context():
        return
    app = current_app._get_current_object()
    for org_id in sorted(orgs):
        announce(app, org_id)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
