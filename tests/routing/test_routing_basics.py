"""Routing on arrival: on shift, sticky, least load, capacity, skills, away, out of hours."""

from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.conversations.models import Message
from inbox.extensions import db
from inbox.routing.models import Alert


def test_in_hours_goes_to_the_editor_on_shift(team_setup, publish, sim):
    s = team_setup
    publish(s.team, [(s.anna, "2026-10-22", "F"), (s.ben, "2026-10-22", "S")])
    sim.at("2026-10-22 10:00")
    first = sim.write("karin")
    assert sim.owner(first) == "Anna"
    sim.at("2026-10-22 15:00")
    second = sim.write("dirk")
    assert sim.owner(second) == "Ben"


def test_out_of_hours_acknowledges_once_with_the_next_opening(team_setup, publish, sim):
    s = team_setup
    publish(s.team, [(s.anna, "2026-10-23", "F")])
    sim.at("2026-10-22 22:30")
    conversation = sim.write("karin")
    sim.at("2026-10-22 23:10")
    assert sim.write("karin", "Hallo? Noch jemand da?") == conversation
    acks = list(db.session.scalars(select(Message).where(Message.conversation_id == conversation,
                                                         Message.direction == "out")))
    assert [m.text.rsplit(". ", 1)[-1] for m in acks] == ["Wir sind morgen ab 07:00 Uhr wieder für Sie da."]
    assert acks[0].author_id is None
    assert sim.owner(conversation) is None


def test_coverage_gap_alerts_the_lead_once(team_setup, sim):
    sim.at("2026-10-22 10:00")
    sim.write("karin")
    sim.write("dirk")
    sim.sweep("2026-10-22 10:05")
    alerts = list(db.session.scalars(select(Alert).where(Alert.kind == "coverage_gap")))
    assert len(alerts) == 1
    assert "niemand im Dienst" in alerts[0].text


def test_away_editor_gets_nothing_new_and_capacity_is_kept(team_setup, publish, sim, client, auth):
    from inbox.rota import adapter

    s = team_setup
    publish(s.team, [(s.anna, "2026-10-22", "F"), (s.ben, "2026-10-22", "F")])
    adapter.profile(s.org.id, s.ben.id).capacity = 1
    db.session.commit()
    auth.login(s.anna)
    assert client.post_form("/meine-dienste/abwesend", {"reason": "break"}).status_code == 303
    sim.at("2026-10-22 10:00")
    assert sim.owner(sim.write("c1")) == "Ben"
    assert sim.owner(sim.write("c2")) is None  # Ben full, Anna on a break
    assert db.session.scalar(select(Alert).where(Alert.kind == "capacity"))
    client.post_form("/meine-dienste/abwesend", {"reason": ""})
    sim.sweep("2026-10-22 10:01")
    assert sim.owner(sim.write("c3")) == "Anna"


def test_sticky_editor_who_last_answered_the_citizen(team_setup, publish, sim):
    from inbox.conversations import operations
    from inbox.conversations.models import Conversation

    s = team_setup
    publish(s.team, [(s.anna, "2026-10-22", "F"), (s.ben, "2026-10-22", "F")])
    sim.at("2026-10-22 08:00")
    first = sim.write("karin")
    owner = sim.owner(first)
    other = s.ben if owner == "Anna" else s.anna
    sim.write("dirk")  # balances load so least-load alone would pick the other editor next
    sim.reply(first, other)
    operations.resolve(db.session.get(Conversation, first))
    db.session.commit()
    sim.at("2026-10-22 09:00")
    assert sim.write("karin", "Noch eine Frage") == first
    assert sim.owner(first) == owner  # still on shift and holding it: kept
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conversation.reopened"))
