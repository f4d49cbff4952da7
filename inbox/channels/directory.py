"""Which channel a webhook is for, without a database round trip per request.

A webhook must be checked against its channel's secret before anything is stored. Reading
the channel row and decrypting its credentials costs more than storing the event itself,
so each process keeps a short-lived snapshot per slug. A change to a channel made in this
process clears the snapshots when it commits; other processes see it after `ttl` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from inbox.core.safetext import column_length, is_odd
from inbox.core.web import within
from inbox.extensions import db

EXTENSION = "mitreden_channel_directory"


@dataclass(frozen=True)
class ChannelKey:
    """What an adapter needs to check and parse a webhook: a detached, decrypted channel snapshot."""

    id: int
    organization_id: int
    slug: str
    kind: str
    credentials: dict
    settings: dict
    loaded_at: float = field(default_factory=time.monotonic, compare=False)


class ChannelDirectory:
    """Snapshots of enabled channels by slug, refreshed after `ttl` seconds (unknown slugs too).

    Known channels are as many as the installation has. Unknown slugs are whatever senders make
    up (scanners, typos, a disabled channel's platform retrying): only the latest `max_unknown` of
    them are remembered, so a flood of invented addresses cannot fill the memory.
    """

    def __init__(self, app: Flask, ttl: float, max_unknown: int = 4096):
        self.app, self.ttl, self.max_unknown = app, ttl, max_unknown
        # After a signature failure the row is read again at most this often per slug, so forged
        # requests cannot turn into one database query each.
        self.refresh_after = 1.0
        self._entries: dict[str, tuple[float, ChannelKey]] = {}
        self._unknown: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, slug: str, *, max_age: float | None = None) -> ChannelKey | None:
        fresh, key = self.peek(slug, self.ttl if max_age is None else min(max_age, self.ttl))
        if fresh:
            return key
        key = self._load(slug)
        with self._lock:
            self._remember(slug, key)
        return key

    def peek(self, slug: str, max_age: float | None = None) -> tuple[bool, ChannelKey | None]:
        """(True, snapshot) when this process holds one younger than max_age (default ttl); never reads the row.

        A slug no channel can have (too long for the column, odd characters) is known to be unknown.
        """
        max_age = self.ttl if max_age is None else max_age
        entry = self._entries.get(slug)
        if entry is not None:
            return (True, entry[1]) if time.monotonic() - entry[0] < max_age else (False, None)
        seen = self._unknown.get(slug)
        if seen is not None and time.monotonic() - seen < max_age:
            return True, None
        return (True, None) if impossible(slug) else (False, None)

    def refresh(self, key: ChannelKey) -> ChannelKey | None:
        """A fresh, different snapshot after a signature failure (was the secret rotated?), else None."""
        if time.monotonic() - key.loaded_at < self.refresh_after:
            return None
        fresh = self.get(key.slug, max_age=0)
        return fresh if fresh != key else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._unknown.clear()

    def unknown_count(self) -> int:
        return len(self._unknown)

    def _remember(self, slug: str, key: ChannelKey | None) -> None:
        """Under the lock: note what the row said, forgetting the oldest unknown slugs beyond max_unknown."""
        if key is not None:
            self._unknown.pop(slug, None)
            self._entries[slug] = (time.monotonic(), key)
            return
        self._entries.pop(slug, None)
        self._unknown[slug] = time.monotonic()
        self._unknown.move_to_end(slug)
        while len(self._unknown) > self.max_unknown:
            self._unknown.popitem(last=False)

    def _load(self, slug: str) -> ChannelKey | None:
        return within(self.app, _read, slug)


def impossible(slug: str) -> bool:
    """Whether no channel can have this slug: longer than the column, or holding a NUL or lone surrogate."""
    from inbox.channels.models import Channel

    limit = column_length(Channel.slug)
    return (limit is not None and len(slug) > limit) or is_odd(slug)


def _read(slug: str) -> ChannelKey | None:
    from inbox.channels.models import Channel

    if impossible(slug):
        return None
    # populate_existing: the row as stored now, even if this session has met the channel before.
    channel = db.session.scalar(select(Channel).where(Channel.slug == slug, Channel.enabled.is_(True))
                                .execution_options(populate_existing=True))
    if channel is None:
        return None
    return ChannelKey(id=channel.id, organization_id=channel.organization_id, slug=channel.slug, kind=channel.kind,
                      credentials=channel.credentials, settings=dict(channel.settings or {}))


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"].get("ingest", {})
    app.extensions[EXTENSION] = ChannelDirectory(app, float(settings.get("channel_cache_seconds", 10)),
                                                 int(settings.get("unknown_slugs_remembered", 4096)))


def directory() -> ChannelDirectory:
    return current_app.extensions[EXTENSION]


@event.listens_for(Session, "after_flush")
def _note_channel_changes(session: Session, _context) -> None:
    from inbox.channels.models import Channel

    if any(isinstance(obj, Channel) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["channels_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_changed_channels(session: Session) -> None:
    # After the commit, not the flush: a reader must not cache the old row again before the change is visible.
    if session.info.pop("channels_changed", False) and has_app_context():
        found = current_app.extensions.get(EXTENSION)
        if found is not None:
            found.clear()


@event.listens_for(Session, "after_rollback")
def _drop_channel_note(session: Session) -> None:
    session.info.pop("channels_changed", None)
