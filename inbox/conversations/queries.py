"""Reading conversations for the workspace, always within one organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import joinedload

from inbox.accounts.models import Membership, User
from inbox.audit.models import AuditEvent
from inbox.channels.window import Window, applies, window_for
from inbox.conversations.models import Conversation, ConversationRead, Message, Note
from inbox.core.types import UTCDateTime
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import adapter

VIEWS = {
    "mine": "Meine",
    "unassigned": "Nicht zugewiesen",
    "open": "Alle offenen",
    "resolved": "Erledigt",
}
SORTS = {"urgency": "Dringlichkeit", "recent": "Neueste Aktivität"}
# Message and note events are shown as the message or note itself.
QUIET_ACTIONS = ("message.received", "message.replied", "note.added")


def inbox_page(org_id: int, user_id: int, *, view: str, team_ids: set[int] | None, channel_id: int | None,
               page: int, page_size: int, sort: str = "recent") -> tuple[list[Conversation], bool]:
    """One page of the inbox; the flag says whether a next page exists.

    "recent": newest activity first. "urgency": the order defined in inbox/conversations/urgency.py
    (overdue first by how overdue, then due soonest, then unassigned and assigned ones waiting longest,
    waiting on a department last), read in the order of its partial index. Resolved conversations have
    no urgency: their view is always newest first. Both orders end on the id, so pages never overlap.
    """
    if sort == "urgency" and view != "resolved":
        order = (Conversation.urgency_tier, Conversation.urgency_at, Conversation.id)
    else:
        order = (Conversation.last_activity_at.desc(), Conversation.id.desc())
    # The page's ids first, read along the index; contact, channel and assignee are joined to those rows only
    # (joined before the OFFSET, page 40 would join a thousand rows to throw them away).
    page_ids = (_filtered(select(Conversation.id), org_id, user_id, view, team_ids, channel_id).order_by(*order)
                .offset((page - 1) * page_size).limit(page_size + 1))
    query = (select(Conversation).where(Conversation.id.in_(page_ids)).order_by(*order)
             .options(joinedload(Conversation.contact), joinedload(Conversation.channel),
                      joinedload(Conversation.assignee)))
    rows = list(db.session.scalars(query))
    return rows[:page_size], len(rows) > page_size


def default_sort(org_id: int, team_ids: set[int] | None, now: datetime) -> str:
    """Urgency while one of the user's teams is in service hours (the shift works the queue), else newest first."""
    query = select(Team).where(Team.organization_id == org_id).order_by(Team.id)
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids or {-1}))
    return "urgency" if any(adapter.calendar_for(t).is_open(now) for t in db.session.scalars(query)) else "recent"


def unread_for(user_id: int, conversations: list[Conversation]) -> set[int]:
    """The conversations in which the citizen wrote since this user last opened them (or that they never opened)."""
    if not conversations:
        return set()
    read = dict(db.session.execute(
        select(ConversationRead.conversation_id, ConversationRead.read_at)
        .where(ConversationRead.user_id == user_id,
               ConversationRead.conversation_id.in_([c.id for c in conversations]))).all())
    return {c.id for c in conversations
            if c.last_inbound_at is not None and (c.id not in read or read[c.id] < c.last_inbound_at)}


def _filtered(query, org_id, user_id, view, team_ids, channel_id):
    query = query.where(Conversation.organization_id == org_id)
    if view == "resolved":
        query = query.where(Conversation.status == "resolved")
    else:
        # "!= resolved" (open or waiting) matches the partial index's predicate.
        query = query.where(Conversation.status != "resolved")
    if view == "mine":
        query = query.where(Conversation.assignee_id == user_id)
    elif view == "unassigned":
        query = query.where(Conversation.assignee_id.is_(None))
    if team_ids is not None:
        query = query.where(Conversation.team_id.in_(team_ids or {-1}))
    if channel_id:
        query = query.where(Conversation.channel_id == channel_id)
    return query


@dataclass
class HistoryItem:
    at: datetime
    kind: str  # "message", "note" or "event"
    item: object


def history(conversation: Conversation) -> list[HistoryItem]:
    """Messages, notes and state changes in the order they happened."""
    cid = conversation.id
    messages = db.session.scalars(select(Message).options(joinedload(Message.author))
                                  .where(Message.conversation_id == cid))
    notes = db.session.scalars(select(Note).options(joinedload(Note.author)).where(Note.conversation_id == cid))
    events = db.session.scalars(select(AuditEvent).options(joinedload(AuditEvent.actor))
                                .where(AuditEvent.conversation_id == cid,
                                       AuditEvent.organization_id == conversation.organization_id,
                                       AuditEvent.action.not_in(QUIET_ACTIONS)))
    items = [HistoryItem(m.created_at, "message", m) for m in messages]
    items += [HistoryItem(n.created_at, "note", n) for n in notes]
    items += [HistoryItem(e.created_at, "event", e) for e in events]
    return sorted(items, key=lambda h: (h.at, {"message": 0, "note": 1, "event": 2}[h.kind]))


def staff_of(org_id: int, team_id: int) -> list[User]:
    """Editors and leads who can take a conversation of this team."""
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.organization_id == org_id, Membership.role.in_(("editor", "lead", "admin")),
                    (Membership.team_id == team_id) | Membership.team_id.is_(None), User.active.is_(True))
             .distinct().order_by(User.name))
    return list(db.session.scalars(query))


def names_by_id(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())


def citizen_last_wrote(conversation_id: int) -> datetime | None:
    """When the citizen last wrote in the conversation, by the platform's timestamp of their message.

    A timestamp later than when we stored the message counts as that moment: a payload's clock
    must not hold a window open into the future.
    """
    written = case((Message.sent_at > Message.created_at, Message.created_at),
                   else_=func.coalesce(Message.sent_at, Message.created_at))
    return db.session.scalar(select(type_coerce(func.max(written), UTCDateTime))
                             .where(Message.conversation_id == conversation_id, Message.direction == "in"))


def window_of(conversation: Conversation) -> Window | None:
    """The messaging window of a private Meta conversation (WhatsApp, Messenger, Instagram); None elsewhere."""
    channel = conversation.channel
    if not applies(channel.kind, conversation.thread_key):
        return None
    return window_for(channel, conversation.thread_key, citizen_last_wrote(conversation.id))
