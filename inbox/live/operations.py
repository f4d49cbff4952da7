"""Announcing changes: publish() writes the outbox row in the caller's transaction; prune() forgets old rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from inbox.core import clock
from inbox.extensions import db
from inbox.live.fanout import PENDING
from inbox.live.models import LiveEvent


def publish(org_id: int, kind: str, *, team_id: int | None = None, conversation_id: int | None = None,
            user_id: int | None = None, **payload) -> LiveEvent:
    """Announce a change to the organization's open pages (only to team_id's, or only to user_id, if given).

    The row commits or rolls back with the change itself: nothing rolled back is announced, nothing
    committed is missed.
    """
    event = LiveEvent(organization_id=org_id, team_id=team_id, conversation_id=conversation_id, user_id=user_id,
                      kind=kind, payload=payload)
    db.session.add(event)
    db.session.flush()
    db.session.info.setdefault(PENDING, set()).add(org_id)
    return event


def prune(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete events older than older_than; a page away that long reloads anyway. Returns how many."""
    # Ids grow with time: the first young row bounds the old ones, found by walking the primary key from its start.
    first_young = db.session.scalar(select(LiveEvent.id).where(LiveEvent.created_at >= clock.now() - older_than)
                                    .order_by(LiveEvent.id).limit(1))
    query = delete(LiveEvent)
    if first_young is not None:
        query = query.where(LiveEvent.id < first_young)
    return db.session.execute(query).rowcount


def newest_id() -> int:
    """The newest event id of all organizations: where a page rendered now starts listening."""
    return db.session.scalar(select(LiveEvent.id).order_by(LiveEvent.id.desc()).limit(1)) or 0
