"""The demo team's rota: planned by the solver as a lead would, plus editors on shift at the hour the demo starts.

The demo runs in real time, so whether routing assigns depends on the hour it is started at.
`staff_now` makes sure it does, on every start:

- Outside the team's service hours it adds a crisis override ("Krisenmodus, rund um die Uhr") for
  today and tomorrow, not 24/7 weekly hours: it is limited to these days, listed with its reason
  on the team's settings page (and removable there), and leaves the real weekly hours, with which
  the rota is planned and SLAs are counted, as they are.
- Editors the demo shows (the logins it prints) who are not on shift now get a "Demo-Dienst" of
  eight hours starting this hour, through the same cell editing a lead uses in the rota grid. The
  template has no headcount, so the solver never plans it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.accounts.models import User
from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.models import Organization, Team
from inbox.rota import adapter
from inbox.rota.models import ShiftTemplateRow
from inbox.rota.operations import add_override, publish, rota_for, save_cells, start_run

ORG_SLUG = "rheinfeld"
TEAM_SLUG = "redaktion"
ON_SHIFT = ("redaktion@example.org", "tim@example.org", "aylin@example.org")
DEMO_CODE = "D"
DEMO_HOURS = 8
CRISIS_REASON = "Demo: rund um die Uhr, damit neue Unterhaltungen auch jetzt zugewiesen werden"


def demo_team() -> Team:
    return db.session.scalar(select(Team).join(Organization).where(Organization.slug == ORG_SLUG,
                                                                   Team.slug == TEAM_SLUG))


def plan_rota() -> str:
    """Plan and publish this month's rota of the demo's central team with the solver, as a lead would."""
    from inbox.jobs import run_ready, wait_background

    team = demo_team()
    today = clock.now().astimezone(adapter.calendar_zone()).date()
    rota = rota_for(team, today.year, today.month)
    run = start_run(rota)
    db.session.commit()
    run_ready()
    wait_background()  # the solver runs in a thread of its own; the demo data needs its plan
    db.session.refresh(rota)
    db.session.refresh(run)
    if rota.assignments:
        publish(rota)
        db.session.commit()
    return run.message


def staff_now() -> list[str]:
    """Make routing assign now: service hours and editors on shift; returns what was changed, in German."""
    team, now = demo_team(), clock.now()
    calendar = adapter.calendar_for(team)
    changes = []
    if not calendar.is_open(now):
        today = calendar.local_date(now)
        add_override(team, "crisis", today, today + timedelta(days=1), reason=CRISIS_REASON)
        changes.append("Außerhalb der Servicezeit: Krisenmodus (rund um die Uhr) für heute und morgen eingetragen.")
    on_shift = adapter.live_rota(team, now).on_shift(now)
    users = list(db.session.scalars(select(User).where(User.email.in_(ON_SHIFT)).order_by(User.id)))
    missing = [u for u in users if u.id not in on_shift]
    if missing:
        changes.append(_demo_shift(team, now, missing))
    return changes


def _demo_shift(team: Team, now, users: list[User]) -> str:
    local = now.astimezone(adapter.calendar_zone())
    start = local.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=DEMO_HOURS)
    _demo_template(team, f"{start:%H:%M}", f"{end:%H:%M}")
    rota = rota_for(team, local.year, local.month)
    save_cells(rota, {(u.id, local.date()): DEMO_CODE for u in users})
    if rota.status != "published":
        publish(rota)
    names = ", ".join(u.name for u in users)
    return f"Demo-Dienst heute {start:%H:%M}–{end:%H:%M} für {names}."


def _demo_template(team: Team, start: str, end: str) -> ShiftTemplateRow:
    adapter.ensure_templates(team)  # a team without templates would otherwise get only this one
    row = db.session.scalar(select(ShiftTemplateRow).where(ShiftTemplateRow.team_id == team.id,
                                                           ShiftTemplateRow.code == DEMO_CODE))
    if row is None:
        row = ShiftTemplateRow(organization_id=team.organization_id, team_id=team.id, code=DEMO_CODE,
                               name="Demo-Dienst", skills=[], day_types=["workday", "weekend", "holiday"],
                               headcount={})
        db.session.add(row)
    row.start, row.end = start, end
    db.session.flush()
    return row
