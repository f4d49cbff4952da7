"""Rota data per team: shift templates, service hours, monthly rotas, absences, wishes, editor profiles."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.accounts.models import User
from inbox.core.models import OrgScoped, Timestamped
from inbox.core.types import UTCDateTime
from inbox.extensions import db

DAY_TYPES = ("workday", "weekend", "holiday")
ABSENCE_KINDS = {"vacation": "Urlaub", "sick": "Krankheit", "training": "Fortbildung"}
OVERRIDE_KINDS = {"crisis": "Krisenmodus (rund um die Uhr)", "closed": "Geschlossen", "hours": "Andere Zeiten"}
ROTA_STATES = {"draft": "Entwurf", "published": "Veröffentlicht"}
SWAP_STATES = {"offered": "angeboten", "taken": "übernommen, wartet auf Freigabe", "done": "getauscht",
               "rejected": "abgelehnt", "withdrawn": "zurückgezogen"}


class ShiftTemplateRow(OrgScoped, db.Model):
    """A kind of shift a team plans, with the headcount it needs per day type."""

    __tablename__ = "shift_template"
    __table_args__ = (UniqueConstraint("team_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    day_types: Mapped[list] = mapped_column(JSON, default=list)
    headcount: Mapped[dict] = mapped_column(JSON, default=dict)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    break_minutes: Mapped[int | None]
    late: Mapped[bool] = mapped_column(default=False)
    # Plannable on its day types even where no headcount is demanded (a lead allows it).
    optional: Mapped[bool] = mapped_column(default=False, server_default=false())


class ShiftDemand(OrgScoped, db.Model):
    """Extra editors on one shift on one date, on top of the day type's headcount (election day)."""

    __table_args__ = (UniqueConstraint("team_id", "day", "template_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    template_code: Mapped[str] = mapped_column(String(8))
    extra: Mapped[int] = mapped_column(default=1)


class TeamRotaRules(OrgScoped, db.Model):
    """A team's own rota rules beside the law: forbidden shift sequences, the legal basis of long shifts."""

    __tablename__ = "team_rota_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), unique=True)
    # Lists of template codes, "-" for a day off, "*" for any shift, e.g. [["S", "F"]].
    forbidden_sequences: Mapped[list] = mapped_column(JSON, default=list)
    long_shift_basis: Mapped[str] = mapped_column(String(300), default="")
    long_shift_max_minutes: Mapped[int | None]
    # Swaps that keep every rule for both editors take effect without the lead's approval.
    swaps_without_approval: Mapped[bool] = mapped_column(default=False, server_default=false())


class TeamHours(OrgScoped, db.Model):
    """A team's weekly service hours; teams without a row use the settings' [service_hours]."""

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), unique=True)
    weekly: Mapped[dict] = mapped_column(JSON, default=dict)


class HoursOverride(OrgScoped, Timestamped, db.Model):
    """Different hours for a date range: crisis mode around the clock, a closure, shorter hours."""

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    slots: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class EditorProfile(OrgScoped, db.Model):
    """What routing and planning know about one editor: contract, skills, limits, capacity, presence."""

    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    contract_hours_week: Mapped[float] = mapped_column(default=39.0)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    # Channel kinds this editor takes; empty means every channel.
    channel_kinds: Mapped[list] = mapped_column(JSON, default=list)
    limits: Mapped[dict] = mapped_column(JSON, default=dict)
    capacity: Mapped[int | None]
    away_reason: Mapped[str] = mapped_column(String(32), default="")
    away_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    user: Mapped[User] = relationship()


class Rota(OrgScoped, Timestamped, db.Model):
    """A team's plan for one month; editors see it once published."""

    __table_args__ = (UniqueConstraint("team_id", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    month: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignments: Mapped[list[RotaAssignment]] = relationship(cascade="all, delete-orphan",
                                                            order_by="RotaAssignment.day")


class RotaAssignment(OrgScoped, db.Model):
    __table_args__ = (UniqueConstraint("rota_id", "user_id", "day"), Index("ix_rota_assignment_day", "rota_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rota.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    template_code: Mapped[str] = mapped_column(String(8))


class Absence(OrgScoped, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)

    user: Mapped[User] = relationship()


class Wish(OrgScoped, Timestamped, db.Model):
    """A day off (no template), a preferred shift, or a shift not wanted (avoid) on a date."""

    __tablename__ = "rota_wish"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    template_code: Mapped[str] = mapped_column(String(8), default="")
    weight: Mapped[int] = mapped_column(default=1)
    # With a template: not that shift on that day.
    avoid: Mapped[bool] = mapped_column(default=False, server_default=false())

    user: Mapped[User] = relationship()


class RotaRun(OrgScoped, Timestamped, db.Model):
    """One solver run for a rota; the job writes its progress here while it searches."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rota.id", ondelete="CASCADE"), index=True)
    replan: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    solutions: Mapped[int] = mapped_column(default=0)
    best_objective: Mapped[float | None]
    best_bound: Mapped[float | None]
    gap: Mapped[float | None]
    # [[elapsed seconds, objective, gap], ...] as the search went on, for the progress display.
    history: Mapped[list] = mapped_column(JSON, default=list)
    # Set by the lead's cancel button; the job's stop check reads it while the solver searches.
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    elapsed: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SwapOffer(OrgScoped, Timestamped, db.Model):
    """An editor offers a published shift; a colleague takes it; the lead approves (or the team lets it pass)."""

    __tablename__ = "rota_swap"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("rota_assignment.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    template_code: Mapped[str] = mapped_column(String(8))
    offered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default="offered")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offered_by: Mapped[User] = relationship(foreign_keys=[offered_by_id])
    taken_by: Mapped[User | None] = relationship(foreign_keys=[taken_by_id])
