"""Reminders and escalation. Each step is claimed with a conditional UPDATE, so two sweeps never
send the same reminder twice, and a sweep run again later changes nothing."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from inbox.audit.operations import record
from inbox.core import clock
from inbox.extensions import db
from inbox.forwarding import business_time, mails
from inbox.forwarding.models import Forward
from inbox.jobs import enqueue
from inbox.notifications.operations import notify
from inbox.orgs.models import Organization


def sweep() -> dict[str, int]:
    now = clock.now()
    counts = {"reminded": 0, "escalated": 0}
    due_ids = db.session.scalars(select(Forward.id).where(Forward.state == "open", Forward.due_at <= now))
    for forward_id in list(due_ids):
        counts["escalated"] += escalate(forward_id, now)
    pending = db.session.scalars(select(Forward).where(Forward.state == "open", Forward.reminded_at.is_(None),
                                                       Forward.due_at > now))
    for forward in list(pending):
        if _reminder_due(forward, now):
            counts["reminded"] += remind(forward.id, now)
    return counts


def _reminder_due(forward: Forward, now) -> bool:
    org = db.session.get(Organization, forward.organization_id)
    before = int(current_app.config["SETTINGS"]["forwarding"]["remind_before_minutes"])
    # Only while the office is working: a reminder sent on Sunday is read on Monday anyway.
    return business_time.is_open(now, org) and business_time.business_minutes(now, forward.due_at, org) <= before


def _claim(forward_id: int, column, now, **extra) -> bool:
    result = db.session.execute(update(Forward).where(Forward.id == forward_id, column.is_(None),
                                                      Forward.state == "open")
                                .values({column.key: now, **extra}))
    return result.rowcount == 1


def remind(forward_id: int, now) -> int:
    from inbox.forwarding.tasks import send_forward_mail

    if not _claim(forward_id, Forward.reminded_at, now):
        return 0
    forward = db.session.get(Forward, forward_id)
    db.session.refresh(forward)
    record(forward.organization_id, "forward.reminded", forward, conversation_id=forward.conversation_id,
           label=f"Erinnerung an Fachamt {forward.department.name} (fällig {_local(forward.due_at)})",
           forward_id=forward.id)
    enqueue(send_forward_mail, forward.id, "reminder")
    return 1


def escalate(forward_id: int, now) -> int:
    from inbox.forwarding.tasks import send_escalation_mail

    if not _claim(forward_id, Forward.escalated_at, now, state="overdue"):
        return 0
    forward = db.session.get(Forward, forward_id)
    db.session.refresh(forward)
    people = _escalation_users(forward)
    record(forward.organization_id, "forward.escalated", forward, conversation_id=forward.conversation_id,
           label=f"Weiterleitung an Fachamt {forward.department.name} überfällig, eskaliert an "
                 + (", ".join(u.name for u in people) or "niemanden (keine Vertretung, keine Teamleitung)"),
           forward_id=forward.id, user_ids=[u.id for u in people])
    for user in people:
        link = f"/portal/forwards/{forward.id}" if user.id == forward.department.deputy_id else "/forwards"
        notify(forward.organization_id, user.id,
               f"Überfällig: Weiterleitung Nr. {forward.id} an {forward.department.name}", link)
    enqueue(send_escalation_mail, forward.id)
    return 1


def _escalation_users(forward: Forward) -> list:
    from inbox.accounts.models import User

    deputy = db.session.get(User, forward.department.deputy_id) if forward.department.deputy_id else None
    users = ([deputy] if deputy else []) + mails.lead_users(forward)
    return list({u.id: u for u in users}.values())


def _local(moment) -> str:
    from inbox.core.web import local_time

    return local_time(moment)
