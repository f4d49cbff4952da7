"""Routing state: acknowledgements sent out of hours, alerts for leads, claims of periodic work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.core.models import OrgScoped, Timestamped
from inbox.core.types import UTCDateTime
from inbox.extensions import db


class Acknowledgement(OrgScoped, Timestamped, db.Model):
    """An automatic out-of-hours answer; one per conversation and closed period (named by its end)."""

    __table_args__ = (UniqueConstraint("conversation_id", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)


class Alert(OrgScoped, Timestamped, db.Model):
    """A notification for the team lead; the key makes each alert happen once."""

    __table_args__ = (UniqueConstraint("organization_id", "key"), Index("ix_alert_team", "team_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SweepMark(OrgScoped, Timestamped, db.Model):
    """Periodic work already done (a shift end handed over); inserting it is the claim."""

    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
