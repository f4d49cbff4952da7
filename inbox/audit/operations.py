"""Writing to the audit trail; every state change calls record(). Entries are never changed (audit/guard.py).

A change of a conversation is also what its open pages must show: the history lists these
events, the inbox row reflects them. So record() announces every event of a conversation to
the live streams (inbox/live) in the same transaction, and no operation can forget to.
"""

from __future__ import annotations

from flask_login import current_user

from inbox.audit import guard
from inbox.audit.models import AuditEvent
from inbox.extensions import db


def _actor_id() -> int | None:
    try:
        return current_user.id if current_user and current_user.is_authenticated else None
    except (AttributeError, RuntimeError):
        return None  # jobs and CLI run without a logged-in user


def record(org_id: int, action: str, obj, *, conversation_id: int | None = None, actor_id=None, **detail):
    """Add one audit event for obj (any model with an id) and flush."""
    event = AuditEvent(
        organization_id=org_id,
        actor_id=actor_id if actor_id is not None else _actor_id(),
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.id,
        conversation_id=conversation_id,
        detail=detail,
    )
    db.session.add(event)
    db.session.flush()
    if conversation_id is not None:
        _announce(org_id, action, obj, conversation_id, detail)
    return event


def _announce(org_id: int, action: str, obj, conversation_id: int, detail: dict) -> None:
    from inbox.conversations.models import Conversation
    from inbox.live.operations import publish

    conversation = obj if isinstance(obj, Conversation) else db.session.get(Conversation, conversation_id)
    team_id = conversation.team_id if conversation is not None else None
    publish(org_id, action, team_id=team_id, conversation_id=conversation_id, object=type(obj).__name__.lower(),
            object_id=obj.id)
    previous_team = detail.get("previous_team_id")
    if previous_team and previous_team != team_id:  # handed to another team: it leaves the old team's lists too
        publish(org_id, action, team_id=previous_team, conversation_id=conversation_id, object="conversation",
                object_id=conversation_id)


def scrub_detail(events: list[AuditEvent], keep: tuple[str, ...] = ()) -> int:
    """Remove the content of events (their detail but the keys in keep), keeping who, what and when; flushed.

    The one change the append-only guard allows, for retention and erasure (issue 20, items 1 and 2): the
    entry stays, so the trail still shows that something happened, without the citizen's words.
    """
    with guard.scrubbing(db.session, events):
        for event in events:
            event.detail = {k: v for k, v in (event.detail or {}).items() if k in keep} | {"scrubbed": True}
    return len(events)
