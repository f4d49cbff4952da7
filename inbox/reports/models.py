"""The reports' rollups, kept up to date by the periodic pass (inbox/reports/rollup.py), and their settings.

Rollups, not materialized views: both backends must serve reports, SQLite has no materialized views, and
the pass recomputes only the days and conversations the audit trail says changed since its watermark.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.core.models import OrgScoped
from inbox.core.types import UTCDateTime
from inbox.extensions import db


class ReportState(OrgScoped, db.Model):
    """How far the rollups of an organization have read the audit trail."""

    __tablename__ = "report_state"
    __table_args__ = (UniqueConstraint("organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_event_id: Mapped[int] = mapped_column(default=0)
    # Events up to this moment are in the rollups: the page says "Stand: ...".
    covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HourlyRollup(OrgScoped, db.Model):
    """Counts and sums per team, channel and hour (UTC; German offsets are whole hours, so local hours map)."""

    __tablename__ = "report_hourly"
    __table_args__ = (UniqueConstraint("organization_id", "team_id", "channel_id", "hour"),
                      Index("ix_report_hourly_org_hour", "organization_id", "hour"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    arrivals: Mapped[int] = mapped_column(default=0)
    # Inbound messages that arrived while the team's service was closed.
    arrivals_closed: Mapped[int] = mapped_column(default=0)
    mood_negative: Mapped[int] = mapped_column(default=0)
    mood_neutral: Mapped[int] = mapped_column(default=0)
    mood_positive: Mapped[int] = mapped_column(default=0)
    replies: Mapped[int] = mapped_column(default=0)
    # Handling time: the gap before a reply since the same editor's previous reply, when under the cut-off.
    handled: Mapped[int] = mapped_column(default=0)
    handle_seconds: Mapped[int] = mapped_column(default=0)


class ConversationFact(OrgScoped, db.Model):
    """One conversation's figures in business time, recomputed whenever its audit trail grows."""

    __tablename__ = "report_conversation"
    __table_args__ = (Index("ix_report_conversation_org_opened", "organization_id", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    priority: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_closed: Mapped[bool] = mapped_column(default=False)
    # Wall-clock minutes from a first message out of hours until the service opened.
    wait_open_minutes: Mapped[int | None]
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business minutes until the first reply, the time waiting on a department left out (the SLA pauses).
    first_response_minutes: Mapped[int | None]
    first_responder_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Business minutes until resolved, waiting on departments included: what the citizen waited in all.
    resolution_minutes: Mapped[int | None]
    sla_target_minutes: Mapped[int]
    # When the first response falls due given the pauses known so far; None while paused.
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TermCount(OrgScoped, db.Model):
    """In how many inbound messages of a team a term occurred on a local day (for rising topics)."""

    __tablename__ = "report_term"
    __table_args__ = (UniqueConstraint("organization_id", "team_id", "day", "term"),
                      Index("ix_report_term_org_day", "organization_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    term: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(default=0)


class ReportSettings(OrgScoped, db.Model):
    """What an organization allows its reports to show; per-editor figures are off unless turned on."""

    __tablename__ = "report_settings"
    __table_args__ = (UniqueConstraint("organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    per_editor: Mapped[bool] = mapped_column(default=False)


class ReportSubscription(OrgScoped, db.Model):
    """A lead who asked for the weekly report by e-mail."""

    __tablename__ = "report_subscription"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))


class ReportMailing(OrgScoped, db.Model):
    """The weekly report of one week went to one lead: what makes sending it idempotent."""

    __tablename__ = "report_mailing"
    __table_args__ = (UniqueConstraint("organization_id", "user_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
