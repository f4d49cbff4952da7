"""What routing needs to know about a team at one instant, loaded in a handful of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from inbox.conversations.models import Contact, Conversation, Message
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import adapter
from inbox.rota.models import EditorProfile
from inbox.routing.decide import Candidate

OPEN_STATES = ("open", "waiting")


@dataclass
class TeamState:
    team: Team
    now: datetime
    calendar: object
    rota: object
    is_open: bool
    on_shift: frozenset[int]
    candidates: dict[int, Candidate]

    @classmethod
    def for_decision(cls, team: Team, now: datetime) -> TeamState:
        """The state to assign by, holding the team's row lock until the transaction ends.

        Two workers (a routing job and the sweep, or two routing jobs) that read the editors'
        loads at once would both see the same editor as least loaded. On PostgreSQL the lock
        makes them decide one after the other; SQLite runs one writer at a time anyway.

        The lock is FOR NO KEY UPDATE, which excludes other deciders but not the key-share lock that
        every insert referring to the team takes for its foreign key (an SLA row, a new conversation).
        With FOR UPDATE, two jobs that had each written such a row and then asked for this lock deadlocked.
        """
        db.session.execute(select(Team.id).where(Team.id == team.id).with_for_update(key_share=True))
        return cls.load(team, now)

    @classmethod
    def load(cls, team: Team, now: datetime) -> TeamState:
        calendar, rota = adapter.calendar_for(team), adapter.live_rota(team, now)
        on_shift = frozenset(rota.on_shift(now))
        return cls(team, now, calendar, rota, calendar.is_open(now), on_shift, _candidates(team, on_shift))

    def others(self, excluded: int) -> list[Candidate]:
        return [c for c in self.candidates.values() if c.id != excluded]


def default_capacity() -> int:
    return int(current_app.config["SETTINGS"].get("routing", {}).get("capacity", 15))


def _candidates(team: Team, on_shift: frozenset[int]) -> dict[int, Candidate]:
    if not on_shift:
        return {}
    profiles = {p.user_id: p for p in db.session.scalars(
        select(EditorProfile).where(EditorProfile.organization_id == team.organization_id,
                                    EditorProfile.user_id.in_(on_shift)))}
    loads = loads_of(team.organization_id, on_shift)
    found = {}
    for user_id in on_shift:
        p = profiles.get(user_id)
        if p is not None and p.away_reason:
            continue  # away on a break or in a meeting: no new conversations meanwhile
        found[user_id] = Candidate(user_id, loads.get(user_id, 0), (p and p.capacity) or default_capacity(),
                                   frozenset(p.skills if p else ()), frozenset(p.channel_kinds if p else ()))
    return found


def loads_of(org_id: int, user_ids) -> dict[int, int]:
    rows = db.session.execute(select(Conversation.assignee_id, func.count())
                              .where(Conversation.organization_id == org_id, Conversation.status.in_(OPEN_STATES),
                                     Conversation.assignee_id.in_(list(user_ids)))
                              .group_by(Conversation.assignee_id))
    return dict(rows.all())


def last_handler(conversation: Conversation) -> int | None:
    """The editor who last wrote to this citizen on this channel, else who held one of their conversations."""
    author = db.session.scalar(
        select(Message.author_id).join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.contact_id == conversation.contact_id, Message.direction == "out",
               Message.author_id.is_not(None)).order_by(Message.id.desc()).limit(1))
    if author:
        return author
    return conversation.assignee_id or db.session.scalar(
        select(Conversation.assignee_id).join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.contact_id == conversation.contact_id, Conversation.assignee_id.is_not(None))
        .order_by(Conversation.last_activity_at.desc()).limit(1))
