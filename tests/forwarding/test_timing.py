"""Due dates, reminders and escalation over a weekend and the Christmas holidays in NW, with the test clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from inbox.audit.models import AuditEvent
from inbox.core import clock
from inbox.extensions import db
from inbox.forwarding.sweep import sweep
from inbox.notifications.models import Notification

BERLIN = ZoneInfo("Europe/Berlin")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def run_sweep():
    from inbox import jobs

    counts = sweep()
    db.session.commit()
    jobs.run_ready()
    return counts


def count(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_due_skips_the_weekend(app, city, make_forward):
    clock.set_time(at(2026, 12, 18, 15, 0))  # Friday afternoon
    forward = make_forward()
    assert forward.due_at == at(2026, 12, 22, 15, 0)  # Tuesday: Saturday and Sunday do not count


def test_christmas_reminder_and_escalation(app, city, smtp, make_forward):
    clock.set_time(at(2026, 12, 23, 15, 0))  # Wednesday before Christmas
    forward = make_forward()
    # Thursday 24th is a working day in NW; 25th and 26th are holidays, 27th a Sunday.
    assert forward.due_at == at(2026, 12, 28, 15, 0)

    clock.set_time(at(2026, 12, 26, 12, 0))  # a holiday: nobody reminded
    assert run_sweep() == {"reminded": 0, "escalated": 0}
    clock.set_time(at(2026, 12, 28, 10, 59))  # 241 business minutes left
    assert run_sweep()["reminded"] == 0
    clock.set_time(at(2026, 12, 28, 11, 0))
    assert run_sweep() == {"reminded": 1, "escalated": 0}
    assert run_sweep() == {"reminded": 0, "escalated": 0}  # idempotent
    reminders = [m for _r, m in smtp.deliveries if m["Subject"].startswith("Erinnerung")]
    assert len(reminders) == 1 and "28.12.2026 15:00" in reminders[0].get_content()

    clock.set_time(at(2026, 12, 28, 14, 59))
    assert run_sweep()["escalated"] == 0
    clock.set_time(at(2026, 12, 28, 15, 0))
    assert run_sweep() == {"reminded": 0, "escalated": 1}
    assert run_sweep() == {"reminded": 0, "escalated": 0}
    db.session.expire_all()
    assert forward.state == "overdue" and city.conversation.status == "waiting"
    notified = set(db.session.scalars(select(Notification.user_id).where(Notification.text.startswith("Überfällig"))))
    assert notified == {city.deputy.id, city.lead.id}
    [(recipients, escalation)] = [(r, m) for r, m in smtp.deliveries if m["Subject"].startswith("Überfällig")]
    assert set(recipients) == {city.deputy.email, city.lead.email}
    assert count("forward.reminded") == 1 and count("forward.escalated") == 1


def test_weekend_reminder_waits_for_monday(app, city, make_forward):
    clock.set_time(at(2026, 12, 18, 21, 0))  # Friday evening: due Tuesday 21:00
    make_forward()
    clock.set_time(at(2026, 12, 19, 12, 0))  # Saturday: closed, nothing happens
    assert run_sweep() == {"reminded": 0, "escalated": 0}
    clock.set_time(at(2026, 12, 22, 17, 0))  # Tuesday, 240 business minutes before 21:00
    assert run_sweep() == {"reminded": 1, "escalated": 0}


def test_question_back_moves_the_due_time(app, city, make_forward):
    from inbox.forwarding.operations import ask_back, reply_to_question

    clock.set_time(at(2026, 12, 18, 15, 0))
    forward = make_forward()
    clock.set_time(at(2026, 12, 21, 9, 0))  # Monday
    ask_back(forward, "Welche Straße?", author_id=city.officer.id)
    clock.set_time(at(2026, 12, 21, 11, 0))
    reply_to_question(forward, city.editor.id, "Marktstraße")
    db.session.commit()
    assert forward.due_at == at(2026, 12, 22, 17, 0)  # two business hours later than before


def test_turnaround_median_in_business_time(app, client, auth, city, make_forward):
    from inbox.forwarding.operations import answer
    from inbox.forwarding.queries import median_turnaround

    clock.set_time(at(2026, 12, 18, 21, 0))  # Friday 21:00
    first = make_forward()
    clock.set_time(at(2026, 12, 21, 8, 0))  # Monday 08:00: 60 + 60 business minutes
    answer(first, "Antwort", author_id=city.officer.id)
    db.session.commit()
    assert median_turnaround(city.org.id) == {city.ordnung.id: 120}
    auth.login(city.lead)
    page = client.get("/forwards").get_data(as_text=True)
    assert "2 Std. 00 Min." in page
