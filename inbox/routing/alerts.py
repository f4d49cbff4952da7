"""Alerts for team leads: an in-app row, and an e-mail when [mail] is configured. Each key fires once."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inbox.accounts.models import Membership, User
from inbox.audit.operations import record
from inbox.extensions import db
from inbox.jobs import enqueue, task
from inbox.routing.models import Alert

log = logging.getLogger(__name__)
LABELS = {"coverage_gap": "Niemand im Dienst", "sla_warning": "SLA-Warnung", "sla_breach": "SLA überschritten"}


def raise_alert(org_id: int, team_id: int, kind: str, key: str, text: str, *,
                conversation_id: int | None = None, email: bool = True) -> Alert | None:
    """Add the alert unless one with this key exists (a parallel worker may insert it first)."""
    if db.session.scalar(select(Alert.id).where(Alert.organization_id == org_id, Alert.key == key)):
        return None
    alert = Alert(organization_id=org_id, team_id=team_id, kind=kind, key=key, text=text,
                  conversation_id=conversation_id)
    try:
        with db.session.begin_nested():
            db.session.add(alert)
    except IntegrityError:
        return None
    record(org_id, f"alert.{kind}", alert, conversation_id=conversation_id, label=LABELS.get(kind, kind), text=text)
    if email and mail_settings().get("smtp_host"):
        enqueue(send_alert_mail, alert.id)
    return alert


def mail_settings() -> dict:
    return current_app.config["SETTINGS"].get("mail", {})


def lead_addresses(org_id: int, team_id: int) -> list[str]:
    """Leads of the team (or of all teams); admins when the team has no lead."""
    def emails(roles):
        query = (select(User.email).join(Membership, Membership.user_id == User.id)
                 .where(Membership.organization_id == org_id, Membership.role.in_(roles), User.active.is_(True),
                        (Membership.team_id == team_id) | Membership.team_id.is_(None)).distinct())
        return sorted(db.session.scalars(query))

    return emails(("lead",)) or emails(("admin",))


@task(retries=3, backoff=[30, 120, 600])
def send_alert_mail(alert_id: int) -> None:
    from inbox.core import mailer

    alert = db.session.get(Alert, alert_id)
    recipients = lead_addresses(alert.organization_id, alert.team_id) if alert else []
    if not recipients or not mailer.enabled():
        return
    mailer.send(mailer.build(recipients, f"Mitreden: {LABELS.get(alert.kind, alert.kind)}", alert.text))
    log.info("alert %s mailed to %d lead(s)", alert_id, len(recipients))
