"""Channels a team receives citizen messages on, and the raw events they deliver."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.core import clock
from inbox.core.models import OrgScoped, Timestamped
from inbox.core.types import UTCDateTime
from inbox.extensions import db
from inbox.orgs.models import Team


class Channel(OrgScoped, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    # Webhook URLs carry no organization, so the slug is unique across the installation.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    credentials_encrypted: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Where polling resumes (since_id, IMAP UID, ...), kept across restarts.
    cursor: Mapped[dict] = mapped_column(JSON, default=dict)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()

    @property
    def credentials(self) -> dict:
        from inbox.core.crypto import decrypt_json

        return decrypt_json(self.credentials_encrypted)

    @credentials.setter
    def credentials(self, value: dict) -> None:
        from inbox.core.crypto import encrypt_json

        self.credentials_encrypted = encrypt_json(value)


RAW_STATES = ("pending", "processed", "ignored", "failed")


class RawEvent(OrgScoped, db.Model):
    """A webhook body or polled item exactly as received, stored before it is acknowledged.

    Its organization and channel are plain columns, not foreign keys: a foreign key check locks
    the referenced row (FOR KEY SHARE), a WAL record each, and under concurrent webhooks of one
    channel a MultiXact; that was a fifth of what storing a webhook cost PostgreSQL. The values
    come from the channel that verified the signature, and channels are disabled, never deleted.
    """

    __table_args__ = (
        Index("ix_raw_event_status", "organization_id", "status"),
        # The sweep's question: which events did no job pick up (the raw event table grows with every webhook).
        Index("ix_raw_event_pending", "received_at", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_raw_event_status, which starts with it.
    organization_id: Mapped[int] = mapped_column()
    channel_id: Mapped[int] = mapped_column(index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    content_type: Mapped[str] = mapped_column(String(200), default="")
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    channel: Mapped[Channel] = relationship(primaryjoin="foreign(RawEvent.channel_id) == Channel.id")
