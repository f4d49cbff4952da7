"""Routing changes: assign on arrival, acknowledge out of hours, assign the queue, hand over at shift ends.

Every assignment is a row-level claim (`UPDATE ... WHERE assignee_id IS <expected>`), so two
workers or a restarted sweep never assign one conversation twice; decisions are made on
`TeamState.for_decision`, which holds the team's row lock, so loads are never read stale.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from inbox.audit.operations import record
from inbox.conversations import urgency
from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db
from inbox.routing import texts
from inbox.routing.alerts import raise_alert
from inbox.routing.decide import Candidate, choose, needs_of
from inbox.routing.models import Acknowledgement, SweepMark
from inbox.routing.state import OPEN_STATES, TeamState, last_handler
from inbox.sla import operations as sla

REASONS = {"routing": "automatisch zugewiesen", "queue": "aus der Warteschlange zugewiesen",
           "handover": "Übergabe zum Schichtwechsel", "sticky": "an die zuletzt zuständige Person"}


def route(conversation_id: int) -> str:
    """Route one new or reopened conversation; returns what happened (for logs and tests)."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        return "skipped"
    state = TeamState.for_decision(conversation.team, clock.now())
    db.session.refresh(conversation)  # another job may have routed or moved it while this one waited for the lock
    if conversation.status == "resolved":
        return "skipped"
    if conversation.team_id != state.team.id:
        return _route_again(conversation.id)
    sla.start(conversation)
    if not state.is_open:
        acknowledge(conversation, state)
        return "queued"
    if conversation.assignee_id in state.on_shift:
        return "kept"
    if not state.on_shift:
        alert_gap(state)
        return "queued"
    return "assigned" if assign(conversation, state) else "queued"


def _route_again(conversation_id: int) -> str:
    """Moved to another team meanwhile: a new job routes it under that team's lock (taking it here could deadlock)."""
    from inbox.jobs import enqueue
    from inbox.routing.tasks import route_conversation

    enqueue(route_conversation, conversation_id)
    return "moved"


def assign(conversation: Conversation, state: TeamState, *, reason: str = "routing") -> Candidate | None:
    """Give the conversation to the best editor on shift; None if nobody can take it or another worker won."""
    sticky = last_handler(conversation)
    expected = conversation.assignee_id
    pool = state.others(expected) if expected else state.candidates.values()
    chosen = choose(pool, kind=conversation.channel.kind, needs=needs_of(conversation.channel.settings or {}),
                    sticky=sticky)
    if chosen is None:
        alert_full(state)
        return None
    if not claim(conversation, expected, chosen.id):
        return None
    chosen.load += 1
    label = REASONS["sticky"] if chosen.id == sticky and reason == "routing" else REASONS[reason]
    record(conversation.organization_id, "conversation.assigned", conversation, conversation_id=conversation.id,
           assignee_id=chosen.id, previous_id=expected, reason=label)
    return chosen


def claim(conversation: Conversation, expected: int | None, assignee: int | None) -> bool:
    """Set the assignee only if nobody changed it meanwhile."""
    held = Conversation.assignee_id.is_(None) if expected is None else Conversation.assignee_id == expected
    result = db.session.execute(update(Conversation).where(Conversation.id == conversation.id, held)
                                .values(assignee_id=assignee).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.refresh(conversation, ["assignee_id"])
    urgency.refresh(conversation)  # the UPDATE above bypassed the ORM, so the flush hook did not see it
    return True


def acknowledge(conversation: Conversation, state: TeamState) -> Message | None:
    """Tell the citizen when the team is back, once per conversation and closed period."""
    opening = state.calendar.next_opening(state.now)
    known = db.session.scalar(select(Acknowledgement.id).where(Acknowledgement.conversation_id == conversation.id,
                                                               Acknowledgement.period_end == opening))
    if known:
        return None
    ack = Acknowledgement(organization_id=conversation.organization_id, conversation_id=conversation.id,
                          period_end=opening)
    try:
        with db.session.begin_nested():
            db.session.add(ack)
    except IntegrityError:
        return None  # a parallel job acknowledged this period already
    message = _automatic_message(conversation, texts.ack_text(conversation.channel.settings, opening, state.now))
    ack.message_id = message.id
    record(conversation.organization_id, "routing.acknowledged", message, conversation_id=conversation.id,
           label="Automatische Eingangsbestätigung außerhalb der Servicezeiten", text=message.text)
    return message


def _automatic_message(conversation: Conversation, text: str) -> Message:
    from inbox.conversations import delivery

    public = db.session.scalar(select(Message.is_public).where(Message.conversation_id == conversation.id,
                                                               Message.direction == "in")
                               .order_by(Message.id.desc()).limit(1))
    message = Message(organization_id=conversation.organization_id, conversation_id=conversation.id,
                      channel_id=conversation.channel_id, direction="out", author_id=None, text=text,
                      is_public=bool(public), sent_at=clock.now())
    db.session.add(message)
    db.session.flush()
    delivery.queue(message)
    return message


def queue_of(team_id: int, org_id: int) -> list[Conversation]:
    """Open conversations without an owner, oldest citizen message first."""
    return list(db.session.scalars(
        select(Conversation).where(Conversation.organization_id == org_id, Conversation.team_id == team_id,
                                   Conversation.status.in_(OPEN_STATES), Conversation.assignee_id.is_(None))
        .order_by(Conversation.last_inbound_at, Conversation.id)))


def assign_queue(state: TeamState) -> int:
    if not state.is_open or not state.candidates:
        return 0
    count = 0
    for conversation in queue_of(state.team.id, state.team.organization_id):
        if assign(conversation, state, reason="queue"):
            count += 1
    return count


def mark(org_id: int, key: str) -> bool:
    """Claim one piece of periodic work; False when it was done (or is being done) elsewhere."""
    if db.session.scalar(select(SweepMark.id).where(SweepMark.organization_id == org_id, SweepMark.key == key)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(SweepMark(organization_id=org_id, key=key))
    except IntegrityError:
        return False
    return True


def hand_over(state: TeamState, editor_id: int, shift_label: str) -> int:
    """Pass the open conversations of an editor leaving shift to those on shift now (or back to the queue)."""
    held = db.session.scalars(select(Conversation).where(
        Conversation.organization_id == state.team.organization_id, Conversation.team_id == state.team.id,
        Conversation.assignee_id == editor_id, Conversation.status.in_(OPEN_STATES)).order_by(Conversation.id))
    count = 0
    for conversation in held:
        chosen = choose(state.others(editor_id), kind=conversation.channel.kind,
                        needs=needs_of(conversation.channel.settings or {}))
        target = chosen.id if chosen else None
        if not claim(conversation, editor_id, target):
            continue
        if chosen:
            chosen.load += 1
        count += 1
        _handover_note(conversation, editor_id, target, shift_label)
    return count


def _handover_note(conversation: Conversation, previous: int, target: int | None, shift_label: str) -> None:
    from inbox.accounts.models import User

    before = db.session.get(User, previous)
    after = db.session.get(User, target) if target else None
    text = (f"{before.name if before else 'Unbekannt'} → {after.name if after else 'Warteschlange'} "
            f"({shift_label} beendet)")
    record(conversation.organization_id, "routing.handover", conversation, conversation_id=conversation.id,
           label="Übergabe zum Schichtwechsel", text=text, assignee_id=target, previous_id=previous)


def alert_gap(state: TeamState) -> None:
    """Service hours but nobody on shift: tell the lead, once per gap."""
    from inbox.rota import adapter

    gap = next((g for g in adapter.gaps_ahead(state.team, state.now, 1)
                if g.start <= state.now < g.end and g.present == 0), None)
    start = gap.start if gap else state.now.replace(minute=0, second=0, microsecond=0)
    raise_alert(state.team.organization_id, state.team.id, "coverage_gap", f"gap:{state.team.id}:{start.isoformat()}",
                f"{state.team.name}: Servicezeit, aber niemand im Dienst (seit {texts.local(start)}). "
                "Neue Unterhaltungen warten in der Warteschlange.")


def alert_full(state: TeamState) -> None:
    hour = state.now.replace(minute=0, second=0, microsecond=0)
    raise_alert(state.team.organization_id, state.team.id, "capacity", f"full:{state.team.id}:{hour.isoformat()}",
                f"{state.team.name}: Alle im Dienst sind ausgelastet oder abwesend; Unterhaltungen warten.",
                email=False)
