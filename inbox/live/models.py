"""The outbox of live events: one row per announced change, kept for a day."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.core.models import Timestamped
from inbox.extensions import db


class LiveEvent(Timestamped, db.Model):
    """What changed (kind, a few ids in payload), for whom: the organization, optionally a team or one user.

    team_id, conversation_id and user_id carry no foreign keys: a row is a notice pruned within a day, and
    a key would make every insert take a share lock on the hot conversation and team rows that routing
    locks. Payloads hold ids and Mitreden's own short texts, never citizen content.
    """

    __table_args__ = (Index("ix_live_event_org_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not OrgScoped's own index: streams read (organization_id, id > n), which the composite index serves.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    team_id: Mapped[int | None]
    conversation_id: Mapped[int | None]
    user_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
