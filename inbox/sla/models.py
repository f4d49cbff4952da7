"""Per-conversation SLA state, kept on a row so the inbox can sort by urgency without computing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.core.models import OrgScoped
from inbox.core.types import UTCDateTime
from inbox.extensions import db


class ConversationSLA(OrgScoped, db.Model):
    __tablename__ = "conversation_sla"
    __table_args__ = (Index("ix_conversation_sla_due", "organization_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    # "first" until the first reply, then "next" for each later citizen message.
    kind: Mapped[str] = mapped_column(String(8), default="first")
    awaiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remaining_minutes: Mapped[int | None]
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
