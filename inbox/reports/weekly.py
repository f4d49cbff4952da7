"""The weekly report by e-mail to the leads who asked for it, sent by the periodic pass once per week.

A ReportMailing row per lead and week is claimed before sending (unique), so a pass that runs twice, or two
workers at once, send it once; a failed send gives the claim back, and the next pass tries again.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inbox.accounts.models import Membership, User
from inbox.core import clock, mailer
from inbox.extensions import db
from inbox.orgs.models import Organization
from inbox.reports import queries
from inbox.reports.models import ReportMailing, ReportSubscription
from inbox.reports.periods import today, week_of

log = logging.getLogger(__name__)


def scope_of(user_id: int, org_id: int) -> queries.Scope | None:
    """What the user may see in reports: every team (admin, organization-wide lead), the own teams, or nothing."""
    roles = db.session.execute(select(Membership.role, Membership.team_id).where(
        Membership.user_id == user_id, Membership.organization_id == org_id)).all()
    if any(role == "admin" or (role == "lead" and team is None) for role, team in roles):
        return queries.Scope(org_id, None)
    teams = frozenset(team for role, team in roles if role == "lead" and team is not None)
    return queries.Scope(org_id, teams) if teams else None


def body(scope: queries.Scope, org: Organization, period) -> str:
    report = queries.build(scope, period, per_editor=queries.per_editor_enabled(org.id))
    lines = [f"Wochenbericht {org.name}: {period.label()} (verglichen mit {period.previous().label()})", ""]
    for key, tables in report.items():
        lines += [queries.SECTIONS[key].upper(), ""]
        for table in tables:
            if key in ("volumen", "stimmung") and table.rows and len(table.rows) == period.days:
                continue  # the day-by-day tables are on the page and in the CSV; the mail keeps the summaries
            lines.append(table.title)
            lines.append(" | ".join(table.columns))
            lines += [" | ".join(str(v) for v in row) for row in table.rows] or ["(keine Daten)"]
            lines.append("")
    lines.append(f"Alle Zahlen, Diagramme und Exporte: {mailer.absolute('reports.index')}")
    lines.append(f"Den Wochenbericht abbestellen: {mailer.absolute('reports.index')}#wochenbericht")
    return "\n".join(lines)


def send_due() -> int:
    """Send last week's report to every subscribed lead who has not had it; returns how many went out."""
    if not mailer.enabled():
        return 0
    week = week_of(today() - dt.timedelta(days=7))
    sent = 0
    subscriptions = db.session.execute(
        select(ReportSubscription, User).join(User, User.id == ReportSubscription.user_id)
        .where(User.active.is_(True))).all()
    for subscription, user in subscriptions:
        scope = scope_of(user.id, subscription.organization_id)
        if scope is None or not _claim(subscription.organization_id, user.id, week.first):
            continue
        org = db.session.get(Organization, subscription.organization_id)
        try:
            mailer.send(mailer.build([user.email], f"Wochenbericht {week.label()}", body(scope, org, week)))
            sent += 1
        except mailer.MailError:
            log.exception("weekly report to user %s not sent", user.id)
            db.session.execute(ReportMailing.__table__.delete().where(
                ReportMailing.organization_id == org.id, ReportMailing.user_id == user.id,
                ReportMailing.week == week.first))
    db.session.flush()
    return sent


def _claim(org_id: int, user_id: int, week: dt.date) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(ReportMailing(organization_id=org_id, user_id=user_id, week=week, sent_at=clock.now()))
        return True
    except IntegrityError:
        return False
