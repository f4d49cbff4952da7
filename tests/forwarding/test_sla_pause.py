"""The citizen's SLA clock stops the moment a question goes to a department and restarts with the answer."""

from datetime import timedelta

from sqlalchemy import select

from inbox.core import clock
from inbox.extensions import db
from inbox.forwarding import operations
from inbox.sla.models import ConversationSLA


def sla_of(conversation):
    db.session.expire_all()
    return db.session.scalar(select(ConversationSLA).where(ConversationSLA.conversation_id == conversation.id))


def test_forward_pauses_the_sla_at_once_and_the_answer_restarts_it(city, make_forward):
    running = sla_of(city.conversation)
    assert running.due_at is not None and running.paused_at is None
    left = (running.due_at - clock.now()).total_seconds() // 60

    forward = make_forward()
    paused = sla_of(city.conversation)
    assert paused.due_at is None and paused.paused_at is not None  # no sweep needed
    remaining = paused.remaining_minutes  # the same row object is refreshed below
    assert abs(remaining - left) <= 1

    clock.advance(timedelta(hours=2))
    operations.answer(forward, "Die Genehmigung gilt bis 22 Uhr.", author_id=city.officer.id)
    db.session.commit()
    resumed = sla_of(city.conversation)
    assert resumed.paused_at is None
    assert abs((resumed.due_at - clock.now()).total_seconds() // 60 - remaining) <= 1
