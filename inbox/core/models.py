"""Mixins every organization-scoped table uses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from inbox.core import clock
from inbox.core.types import UTCDateTime


class OrgScoped:
    """Carries the organization a row belongs to; every query filters on it."""

    @declared_attr
    def organization_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
