"""Reading the audit trail of one organization: filters for the admin page and its CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from inbox.accounts.models import Membership, User
from inbox.audit.models import AuditEvent
from inbox.extensions import db


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    object_type: str = ""
    object_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict:
        """The filter as query-string arguments (for page links and the export link)."""
        values = {"actor": self.actor_id, "object_type": self.object_type, "object_id": self.object_id,
                  "action": self.action, "from": self.date_from and self.date_from.isoformat(),
                  "to": self.date_to and self.date_to.isoformat()}
        return {k: v for k, v in values.items() if v}


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    # Dates are the organization's calendar days, the column is UTC.
    return datetime.combine(day, time.min, tzinfo=zone)


def _query(org_id: int, f: AuditFilter, zone: ZoneInfo):
    query = select(AuditEvent).where(AuditEvent.organization_id == org_id)
    if f.actor_id:
        query = query.where(AuditEvent.actor_id == f.actor_id)
    if f.object_type:
        query = query.where(AuditEvent.object_type == f.object_type)
    if f.object_id:
        query = query.where(AuditEvent.object_id == f.object_id)
    if f.action:
        # "session." finds every session event; a full name finds that one.
        query = query.where(AuditEvent.action.startswith(f.action, autoescape=True))
    if f.date_from:
        query = query.where(AuditEvent.created_at >= _day_start(f.date_from, zone))
    if f.date_to:
        query = query.where(AuditEvent.created_at < _day_start(f.date_to + timedelta(days=1), zone))
    return query.options(joinedload(AuditEvent.actor)).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def page(org_id: int, f: AuditFilter, zone: ZoneInfo, *, number: int, size: int) -> tuple[list[AuditEvent], bool]:
    """One page of entries, newest first, and whether another page follows."""
    rows = list(db.session.scalars(_query(org_id, f, zone).offset((number - 1) * size).limit(size + 1)))
    return rows[:size], len(rows) > size


def all_rows(org_id: int, f: AuditFilter, zone: ZoneInfo):
    """Every matching entry, streamed in batches (the export)."""
    return db.session.scalars(_query(org_id, f, zone).execution_options(yield_per=500))


def choices(org_id: int) -> dict[str, list]:
    """What the filter's selects offer: the organization's users, and the object types and actions it has."""
    users = db.session.scalars(select(User).where(User.id.in_(
        select(Membership.user_id).where(Membership.organization_id == org_id))).order_by(User.name)).all()
    types = db.session.scalars(select(AuditEvent.object_type).distinct()
                               .where(AuditEvent.organization_id == org_id).order_by(AuditEvent.object_type)).all()
    actions = db.session.scalars(select(AuditEvent.action).distinct()
                                 .where(AuditEvent.organization_id == org_id).order_by(AuditEvent.action)).all()
    return {"users": users, "object_types": types, "actions": actions}
