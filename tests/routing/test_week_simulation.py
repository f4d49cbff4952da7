"""A simulated week with the controllable clock: weekday evening, weekend with the DST change, NW holidays.

Every assignment, acknowledgement, handover and SLA alert is asserted in order.
"""

from datetime import UTC, datetime

from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.conversations.models import Message
from inbox.extensions import db
from inbox.routing.models import Acknowledgement, Alert

QUEUE = "aus der Warteschlange zugewiesen"


def events(action: str, since: int = 0) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.id > since)
                                   .order_by(AuditEvent.id)))


def last_event_id() -> int:
    return db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def assigned(since: int, names: dict) -> list[tuple[int, str, str]]:
    return [(e.conversation_id, names[e.detail["assignee_id"]], e.detail["reason"])
            for e in events("conversation.assigned", since)]


def handovers(since: int) -> list[tuple[int, str]]:
    return [(e.conversation_id, e.detail["text"]) for e in events("routing.handover", since)]


def alerts(kind: str) -> list[int]:
    return [a.conversation_id for a in db.session.scalars(select(Alert).where(Alert.kind == kind).order_by(Alert.id))]


def acks() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Acknowledgement.conversation_id, Message.text)
                              .join(Message, Message.id == Acknowledgement.message_id).order_by(Acknowledgement.id))
    return [(cid, text.rsplit(". ", 1)[-1]) for cid, text in rows]


def test_week_across_evening_weekend_and_dst_change(team_setup, publish, sim):
    s = team_setup
    names = {s.anna.id: "Anna", s.ben.id: "Ben", s.cem.id: "Cem"}
    publish(s.team, [(s.anna, "2026-10-22", "F"), (s.ben, "2026-10-22", "S"), (s.anna, "2026-10-23", "F"),
                     (s.ben, "2026-10-23", "S"), (s.cem, "2026-10-24", "T"), (s.cem, "2026-10-25", "T"),
                     (s.anna, "2026-10-26", "F")])
    mark = last_event_id()
    # Thursday in service hours: Anna has the early shift alone.
    sim.at("2026-10-22 10:00")
    k1 = sim.write("k1")
    sim.at("2026-10-22 11:00")
    k2 = sim.write("k2")
    assert assigned(mark, names) == [(k1, "Anna", "automatisch zugewiesen"), (k2, "Anna", "automatisch zugewiesen")]
    sim.at("2026-10-22 11:30")
    sim.reply(k1, s.anna)
    # k2's first response is due at 13:00 (120 business minutes): one warning, one escalation, never again.
    assert sim.sweep("2026-10-22 12:29")["warned"] == 0
    assert sim.sweep("2026-10-22 12:35")["warned"] == 1
    assert alerts("sla_warning") == [k2]
    assert sim.sweep("2026-10-22 13:01")["escalated"] == 1
    sim.sweep("2026-10-22 13:02")
    assert alerts("sla_breach") == [k2]
    # 14:30 early shift ends: Anna's open conversations go to Ben with a visible note.
    mark = last_event_id()
    sim.sweep("2026-10-22 14:31")
    assert handovers(mark) == [(k1, "Anna → Ben (Frühdienst bis 14:30 beendet)"),
                               (k2, "Anna → Ben (Frühdienst bis 14:30 beendet)")]
    sim.sweep("2026-10-22 14:32")
    assert len(handovers(mark)) == 2
    # Weekday evening, still in hours: Ben.
    sim.at("2026-10-22 21:30")
    k3 = sim.write("k3")
    assert sim.owner(k3) == "Ben"
    # 22:00 closing: nobody comes on, the conversations wait in the queue.
    mark = last_event_id()
    sim.sweep("2026-10-22 22:01")
    assert [c for c, _ in handovers(mark)] == [k1, k2, k3]
    assert all(text.endswith("→ Warteschlange (Spätdienst bis 22:00 beendet)") for _, text in handovers(mark))
    # Out of hours: one acknowledgement per closed period, even when the citizen writes twice.
    sim.at("2026-10-22 22:30")
    k4 = sim.write("k4")
    sim.at("2026-10-22 23:00")
    assert sim.write("k4", "Hallo?") == k4
    assert acks() == [(k4, "Wir sind morgen ab 07:00 Uhr wieder für Sie da.")]
    assert sim.owner(k4) is None
    # Friday 07:00 shift start: the queue goes to Anna, oldest first.
    mark = last_event_id()
    sim.sweep("2026-10-23 07:00")
    assert assigned(mark, names) == [(k1, "Anna", QUEUE), (k2, "Anna", QUEUE), (k3, "Anna", QUEUE),
                                     (k4, "Anna", QUEUE)]
    # k3 (due 08:30) and k4 (due 09:00, counted from the first unanswered message) breach while unanswered.
    sim.sweep("2026-10-23 14:31")
    assert alerts("sla_breach") == [k2, k3, k4]
    sim.sweep("2026-10-23 22:01")
    # Friday night: the next opening is Saturday 09:00 (weekend hours).
    sim.at("2026-10-23 22:30")
    k5 = sim.write("k5")
    assert acks()[-1] == (k5, "Wir sind morgen ab 09:00 Uhr wieder für Sie da.")
    mark = last_event_id()
    sim.sweep("2026-10-24 09:00")
    assert assigned(mark, names) == [(k, "Cem", QUEUE) for k in (k1, k2, k3, k4, k5)]
    sim.sweep("2026-10-24 17:01")
    # Saturday evening before the DST change; Sunday 09:00 CET is 08:00 UTC.
    sim.at("2026-10-24 20:00")
    k6 = sim.write("k6")
    assert acks()[-1] == (k6, "Wir sind morgen ab 09:00 Uhr wieder für Sie da.")
    period = db.session.scalar(select(Acknowledgement.period_end).where(Acknowledgement.conversation_id == k6))
    assert period == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    mark = last_event_id()
    sim.sweep("2026-10-25 08:30")  # 07:30 UTC: an hour too early if the offset of summer time were used
    assert assigned(mark, names) == []
    sim.sweep("2026-10-25 09:00")
    assert assigned(mark, names) == [(k, "Cem", QUEUE) for k in (k1, k2, k3, k4, k5, k6)]
    assert len(acks()) == 3  # k4, k5, k6; none twice
    assert alerts("coverage_gap") == []


def test_holidays_in_nrw_open_late_and_keep_the_sla_in_business_time(team_setup, publish, sim):
    s = team_setup
    names = {s.anna.id: "Anna", s.ben.id: "Ben", s.cem.id: "Cem"}
    publish(s.team, [(s.anna, "2026-12-24", "F"), (s.ben, "2026-12-24", "S"), (s.cem, "2026-12-25", "T"),
                     (s.cem, "2026-12-26", "T")])
    sim.at("2026-12-24 23:00")
    k1 = sim.write("k1")
    # 1. Weihnachtstag is a holiday: holiday hours 09:00-17:00, not the Friday's 07:00.
    assert acks() == [(k1, "Wir sind morgen ab 09:00 Uhr wieder für Sie da.")]
    mark = last_event_id()
    sim.sweep("2026-12-25 07:30")
    assert assigned(mark, names) == []
    sim.sweep("2026-12-25 09:00")
    assert assigned(mark, names) == [(k1, "Cem", QUEUE)]
    sim.sweep("2026-12-25 10:31")
    assert alerts("sla_warning") == [k1]  # due 11:00: two business hours after the 09:00 opening
    sim.at("2026-12-25 10:40")
    sim.reply(k1, s.cem)
    sim.sweep("2026-12-25 11:05")
    assert alerts("sla_breach") == []
    sim.at("2026-12-25 17:30")
    k2 = sim.write("k2")
    assert acks()[-1] == (k2, "Wir sind morgen ab 09:00 Uhr wieder für Sie da.")
    sim.at("2026-12-27 17:30")  # Sunday evening: next opening Monday 07:00
    k3 = sim.write("k3")
    assert acks()[-1] == (k3, "Wir sind morgen ab 07:00 Uhr wieder für Sie da.")
