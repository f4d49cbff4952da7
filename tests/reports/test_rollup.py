"""The rollup pass: incremental from its watermark, idempotent, and leaving unsettled events for later."""

from sqlalchemy import func, select

from inbox.extensions import db
from inbox.reports.models import HourlyRollup, ReportState
from tests.reports.helpers import citizen_writes, roll_up


def arrivals() -> int:
    return db.session.scalar(select(func.coalesce(func.sum(HourlyRollup.arrivals), 0)))


def test_later_messages_are_added_once_each(app, create_org, create_channel, post_webhook, citizen_message):
    from inbox.reports import rollup

    channel = create_channel(create_org())
    citizen_writes(post_webhook, citizen_message, channel, "2026-11-18 10:00")
    roll_up("2026-11-18 10:00")
    assert arrivals() == 1
    citizen_writes(post_webhook, citizen_message, channel, "2026-11-18 10:06")
    rollup.run()  # the event is a minute old: not settled yet, left for the next pass
    db.session.commit()
    assert arrivals() == 1
    roll_up("2026-11-18 10:06")
    roll_up("2026-11-18 10:10")  # again: recomputing a day counts nothing twice
    assert arrivals() == 2
    assert db.session.scalar(select(ReportState.audit_event_id)) > 0
