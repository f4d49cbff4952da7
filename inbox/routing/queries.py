"""The team lead dashboard: who is on shift, open and unassigned, SLA risks, load, coming gaps, alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from inbox.accounts.models import User
from inbox.conversations.models import Conversation
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import adapter
from inbox.routing.models import Alert
from inbox.routing.state import OPEN_STATES, TeamState, loads_of
from inbox.sla.models import ConversationSLA
from inbox.sla.operations import warn_delta


def team_overview(team: Team, now: datetime) -> dict:
    state = TeamState.load(team, now)
    counts = dict(db.session.execute(
        select(Conversation.assignee_id.is_(None), func.count())
        .where(Conversation.team_id == team.id, Conversation.status.in_(OPEN_STATES))
        .group_by(Conversation.assignee_id.is_(None))).all())
    staff = {u.id: u for u in adapter.planned_users(team)}
    loads = loads_of(team.organization_id, staff)
    return {"team": team, "is_open": state.is_open, "next_opening": None if state.is_open else
            state.calendar.next_opening(now),
            "on_shift": [staff.get(i) or db.session.get(User, i) for i in sorted(state.on_shift)],
            "away": {i for i in state.on_shift if i not in state.candidates},
            "open": sum(counts.values()), "unassigned": counts.get(True, 0),
            "load": [(u, loads.get(u.id, 0)) for u in staff.values()],
            "risks": _risks(team, now), "gaps": adapter.gaps_ahead(team, now, 7)[:10]}


def _risks(team: Team, now: datetime) -> list[tuple[Conversation, ConversationSLA]]:
    return list(db.session.execute(
        select(Conversation, ConversationSLA).join(ConversationSLA, ConversationSLA.conversation_id == Conversation.id)
        .where(ConversationSLA.team_id == team.id, ConversationSLA.due_at.is_not(None),
               ConversationSLA.due_at <= now + warn_delta() + timedelta(minutes=30))
        .order_by(ConversationSLA.due_at).limit(20)).all())


def recent_alerts(org_id: int, team_ids: list[int]) -> list[Alert]:
    return list(db.session.scalars(select(Alert).where(Alert.organization_id == org_id, Alert.team_id.in_(team_ids),
                                                       Alert.read_at.is_(None))
                                   .order_by(Alert.created_at.desc()).limit(50)))
