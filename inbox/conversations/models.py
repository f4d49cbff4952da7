"""Contacts, conversations, their messages and internal notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.accounts.models import User
from inbox.channels.models import Channel
from inbox.core import clock
from inbox.core.models import OrgScoped, Timestamped
from inbox.core.types import UTCDateTime
from inbox.extensions import db
from inbox.orgs.models import Team

STATES = ("open", "waiting", "resolved")
PRIORITIES = ("low", "normal", "high")
PREVIEW_LENGTH = 160


class Contact(OrgScoped, Timestamped, db.Model):
    """A citizen as one channel knows them (a page-scoped id, a handle, an e-mail address)."""

    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(255))
    handle: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(254), default="")


class Conversation(OrgScoped, Timestamped, db.Model):
    __table_args__ = (
        Index("ix_conversation_inbox", "organization_id", "status", "last_activity_at"),
        Index("ix_conversation_assignee", "organization_id", "assignee_id", "status", "last_activity_at"),
        Index("ix_conversation_thread", "contact_id", "thread_key"),
        # The inbox's busiest question: unresolved conversations, newest activity first.
        Index("ix_conversation_unresolved_recent", "organization_id", "last_activity_at", "id",
              postgresql_where=text("status <> 'resolved'"), sqlite_where=text("status <> 'resolved'")),
        # The urgency sort (inbox/conversations/urgency.py) reads this index in order instead of sorting.
        Index("ix_conversation_unresolved_urgency", "organization_id", "urgency_tier", "urgency_at", "id",
              postgresql_where=text("status <> 'resolved'"), sqlite_where=text("status <> 'resolved'")),
        # "Meine" by urgency: without it the scan above passes every colleague's conversations first.
        Index("ix_conversation_assignee_urgency", "organization_id", "assignee_id", "urgency_tier", "urgency_at",
              "id", postgresql_where=text("status <> 'resolved'"), sqlite_where=text("status <> 'resolved'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    thread_key: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the inbox row shows, kept here by ingest and reply so the list reads no messages.
    last_message_preview: Mapped[str] = mapped_column(String(PREVIEW_LENGTH), default="")
    last_message_direction: Mapped[str] = mapped_column(String(3), default="")
    # The citizen's last message was a public comment (or post), not a private message.
    is_public: Mapped[bool] = mapped_column(default=False)
    # The urgency sort key, set before every flush by inbox/conversations/urgency.py; never set it by hand.
    urgency_tier: Mapped[int] = mapped_column(SmallInteger, default=0)
    urgency_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    team: Mapped[Team] = relationship()
    channel: Mapped[Channel] = relationship()
    contact: Mapped[Contact] = relationship()
    assignee: Mapped[User | None] = relationship()


class Message(OrgScoped, Timestamped, db.Model):
    __table_args__ = (
        # Platforms retry deliveries; this constraint is what makes ingest idempotent.
        UniqueConstraint("channel_id", "external_id"),
        # The periodic check's question: replies on their way past their deadline. Only those are in it.
        Index("ix_message_delivery_deadline", "delivery_deadline",
              postgresql_where=text("delivery_deadline IS NOT NULL"),
              sqlite_where=text("delivery_deadline IS NOT NULL")),
        # The reports' rollup reads an organization's messages day by day (inbox/reports/rollup.py).
        Index("ix_message_org_created", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(255))
    direction: Mapped[str] = mapped_column(String(3))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    is_public: Mapped[bool] = mapped_column(default=False)
    parent_external_id: Mapped[str] = mapped_column(String(255), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_state: Mapped[str] = mapped_column(String(16), default="")
    delivery_error: Mapped[str] = mapped_column(Text, default="")
    delivery_attempts: Mapped[int] = mapped_column(default=0)
    # While a reply is queued, retrying or sending: by when that step must be over, else the periodic check
    # takes it up (a dead worker, a lost job, a platform that never answered). None once the outcome is known.
    delivery_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw_event_id: Mapped[int | None] = mapped_column(ForeignKey("raw_event.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Stimmungsbarometer (inbox/reports/mood.py): the analyser's polarity of an inbound message, and an
    # editor's correction, kept beside it; reports count the correction where there is one.
    mood: Mapped[str | None] = mapped_column(String(8))
    mood_corrected: Mapped[str | None] = mapped_column(String(8))
    mood_corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    mood_corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def effective_mood(self) -> str | None:
        return self.mood_corrected or self.mood


class Note(OrgScoped, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User | None] = relationship()


class ConversationRead(OrgScoped, db.Model):
    """When an editor last opened a conversation: it is unread for them if the citizen wrote since."""

    __tablename__ = "conversation_read"
    __table_args__ = (UniqueConstraint("conversation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
