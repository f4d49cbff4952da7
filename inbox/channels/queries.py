"""Reading channels and their raw events for the admin pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import LargeBinary, func, select

from inbox.channels.models import Channel, RawEvent
from inbox.extensions import db

PREVIEW_BYTES = 2048


@dataclass
class ChannelRow:
    channel: Channel
    last_event_at: datetime | None
    failed: int


@dataclass
class EventRow:
    id: int
    received_at: datetime
    content_type: str
    status: str
    error: str
    attempts: int
    size: int
    preview: str
    truncated: bool


def channel_rows(org_id: int) -> list[ChannelRow]:
    channels = db.session.scalars(select(Channel).where(Channel.organization_id == org_id)
                                  .order_by(Channel.name, Channel.id))
    last = dict(db.session.execute(
        select(RawEvent.channel_id, func.max(RawEvent.received_at))
        .where(RawEvent.organization_id == org_id).group_by(RawEvent.channel_id)).all())
    failed = dict(db.session.execute(
        select(RawEvent.channel_id, func.count()).where(RawEvent.organization_id == org_id,
                                                        RawEvent.status == "failed")
        .group_by(RawEvent.channel_id)).all())
    return [ChannelRow(c, last.get(c.id), failed.get(c.id, 0)) for c in channels]


def event_counts(channel: Channel) -> dict[str, int]:
    rows = db.session.execute(
        select(RawEvent.status, func.count()).where(RawEvent.organization_id == channel.organization_id,
                                                    RawEvent.channel_id == channel.id)
        .group_by(RawEvent.status)).all()
    return dict(rows)


def raw_events(channel: Channel, status: str, *, page: int, page_size: int) -> tuple[list[EventRow], bool]:
    """One page of the channel's raw events in status, newest first, with the start of each body."""
    # Only the first bytes of each body leave the database: bodies can be large.
    head = func.substr(RawEvent.body, 1, PREVIEW_BYTES, type_=LargeBinary)
    size = func.length(RawEvent.body)
    rows = db.session.execute(
        select(RawEvent.id, RawEvent.received_at, RawEvent.content_type, RawEvent.status, RawEvent.error,
               RawEvent.attempts, size, head)
        .where(RawEvent.organization_id == channel.organization_id, RawEvent.channel_id == channel.id,
               RawEvent.status == status)
        .order_by(RawEvent.received_at.desc(), RawEvent.id.desc())
        .offset((page - 1) * page_size).limit(page_size + 1)).all()
    return [_event_row(row) for row in rows[:page_size]], len(rows) > page_size


def _event_row(row) -> EventRow:
    id_, received_at, content_type, status, error, attempts, size, head = row
    preview = bytes(head or b"").decode("utf-8", errors="replace")
    return EventRow(id_, received_at, content_type, status, error, attempts, size or 0, preview,
                    (size or 0) > PREVIEW_BYTES)


def event_ids(channel: Channel, status: str) -> list[int]:
    return list(db.session.scalars(select(RawEvent.id).where(
        RawEvent.organization_id == channel.organization_id, RawEvent.channel_id == channel.id,
        RawEvent.status == status).order_by(RawEvent.id)))
