"""Organizations (a city), their teams and departments."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.core.models import OrgScoped, Timestamped
from inbox.extensions import db


class Organization(Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    bundesland: Mapped[str] = mapped_column(String(2), default="NW")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    # Admins and leads without two-factor login are sent to set it up right after logging in.
    require_2fa: Mapped[bool] = mapped_column(default=False)

    teams: Mapped[list[Team]] = relationship(back_populates="organization", order_by="Team.name")


class Team(OrgScoped, Timestamped, db.Model):
    __table_args__ = (UniqueConstraint("organization_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    organization: Mapped[Organization] = relationship(back_populates="teams")


class Department(OrgScoped, Timestamped, db.Model):
    __table_args__ = (UniqueConstraint("organization_id", "short_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(32))
    press_email: Mapped[str] = mapped_column(String(254), default="")
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
