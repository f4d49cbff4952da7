"""Reports pages: the reports of a team or the organization, their exports, and correcting a message's mood."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from inbox.accounts.access import STAFF, has_role, require_role, scoped_get, team_ids
from inbox.conversations.models import Conversation, Message
from inbox.core.web import local_time
from inbox.extensions import db
from inbox.orgs.models import Organization, Team
from inbox.reports import export, operations, periods, queries
from inbox.reports.forms import MoodForm, SettingsForm, WeeklyMailForm

bp = Blueprint("reports", __name__)
log = logging.getLogger(__name__)
LEADS = ("lead", "admin")


def _teams() -> list[Team]:
    visible = team_ids()
    teams = db.session.scalars(select(Team).where(Team.organization_id == g.org_id).order_by(Team.name)).all()
    return [t for t in teams if visible is None or t.id in visible]


def _scope() -> tuple[queries.Scope, Team | None]:
    """The team asked for (one the user may see, else 404), or every team the user may see."""
    choice = request.args.get("team", "")
    if choice in ("", "alle"):
        visible = team_ids()
        return queries.Scope(g.org_id, None if visible is None else frozenset(visible)), None
    if not choice.isdigit():
        abort(404)
    team = next((t for t in _teams() if t.id == int(choice)), None)
    if team is None:
        abort(404)
    return queries.Scope(g.org_id, frozenset({team.id})), team


def _period() -> periods.Period:
    try:
        return periods.parse(request.args.get("von") or None, request.args.get("bis") or None)
    except ValueError as exc:
        log.info("report period refused: %s", exc)
        abort(Response(f"Ungültiger Zeitraum: {exc}", 400, mimetype="text/plain"))


def _heading(scope_team: Team | None, period: periods.Period) -> list[str]:
    org = db.session.get(Organization, g.org_id)
    covered = queries.covered_until(g.org_id)
    return [f"Bericht {org.name} – {scope_team.name if scope_team else 'alle Teams'}",
            f"Zeitraum {period.label()}, verglichen mit {period.previous().label()}",
            f"Stand der Zahlen: {local_time(covered) if covered else 'noch nicht berechnet'}"]


def _report(period: periods.Period, scope: queries.Scope) -> dict:
    return queries.build(scope, period, per_editor=queries.per_editor_enabled(g.org_id))


@bp.get("/berichte")
@require_role(*LEADS)
def index():
    scope, team = _scope()
    try:
        period = periods.parse(request.args.get("von") or None, request.args.get("bis") or None)
    except ValueError as exc:
        flash(f"Ungültiger Zeitraum: {exc} Es gilt der Standardzeitraum.", "error")
        period = periods.parse(None, None)
    settings_form = SettingsForm(per_editor=queries.per_editor_enabled(g.org_id))
    return render_template("reports/index.html", report=_report(period, scope), sections=queries.SECTIONS,
                           period=period, teams=_teams(), team=team, heading=_heading(team, period),
                           settings_form=settings_form, may_change=has_role("admin"),
                           weekly_form=WeeklyMailForm(wanted=operations.weekly_mail_wanted(g.org_id, current_user.id)),
                           args={"team": team.id if team else "alle", "von": period.first.isoformat(),
                                 "bis": period.last.isoformat()})


@bp.get("/berichte/<section>.csv")
@require_role(*LEADS)
def csv_export(section: str):
    scope, team = _scope()
    period = _period()
    report = _report(period, scope)
    if section not in report:
        abort(404)
    body = export.csv_bytes(report[section], _heading(team, period))
    name = f"bericht-{section}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/berichte/bericht.pdf")
@require_role(*LEADS)
def pdf_export():
    scope, team = _scope()
    period = _period()
    body = export.pdf_bytes(_report(period, scope), _heading(team, period))
    name = f"bericht-{period.first.isoformat()}-{period.last.isoformat()}.pdf"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/berichte/wochenbericht")
@require_role(*LEADS)
def weekly_mail():
    form = WeeklyMailForm()
    if not form.validate_on_submit():
        abort(400)
    operations.set_weekly_mail(g.org_id, current_user.id, bool(form.wanted.data))
    db.session.commit()
    flash("Sie erhalten den Wochenbericht jeden Montag per E-Mail." if form.wanted.data
          else "Der Wochenbericht per E-Mail ist abbestellt.", "success")
    return redirect(url_for("reports.index") + "#wochenbericht", 303)


@bp.post("/berichte/einstellungen")
@require_role("admin")
def save_settings():
    form = SettingsForm()
    if not form.validate_on_submit():
        abort(400)
    operations.set_per_editor(g.org_id, bool(form.per_editor.data), current_user.id)
    db.session.commit()
    flash("Auswertung je Person eingeschaltet." if form.per_editor.data else "Auswertung je Person ausgeschaltet.",
          "success")
    return redirect(url_for("reports.index"), 303)


@bp.post("/nachrichten/<int:message_id>/stimmung")
@require_role(*STAFF)
def correct_mood(message_id: int):
    message = scoped_get(Message, message_id)
    conversation = db.session.get(Conversation, message.conversation_id)
    visible = team_ids()
    if visible is not None and conversation.team_id not in visible:
        abort(404)
    form = MoodForm()
    if not form.validate_on_submit():
        log.warning("mood correction refused for message %s: %s", message_id, form.errors)
        abort(400)
    try:
        operations.correct_mood(message, form.mood.data, current_user.id)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("conversations.show", conversation_id=conversation.id), 303)
    db.session.commit()
    flash("Stimmung gespeichert.", "success")
    return redirect(url_for("conversations.show", conversation_id=conversation.id) + f"#msg-{message.id}", 303)


def _staffing_team() -> Team:
    _scope_, team = _scope()
    teams = _teams()
    if team is None and not teams:
        abort(404)
    return team or teams[0]


@bp.get("/berichte/personalbedarf")
@require_role(*LEADS)
def staffing():
    from inbox.reports import staffing as model
    from inbox.rota import adapter

    team, period = _staffing_team(), _period()
    result = model.recommendation(team, period)
    heads, uncovered = model.demand(adapter.ensure_templates(team), result["needed"])
    db.session.commit()  # ensure_templates may have created the team's first templates
    return render_template("reports/staffing.html", team=team, teams=_teams(), period=period, r=result,
                           heads=heads, uncovered=uncovered, weekdays=queries.WEEKDAYS,
                           templates=adapter.ensure_templates(team),
                           args={"team": team.id, "von": period.first.isoformat(), "bis": period.last.isoformat()})


@bp.post("/berichte/personalbedarf/<int:team_id>/uebernehmen")
@require_role(*LEADS)
def apply_staffing(team_id: int):
    from inbox.reports import staffing as model
    from inbox.rota import adapter
    from inbox.rota import operations as rota_operations

    team = next((t for t in _teams() if t.id == team_id), None)
    if team is None:
        abort(404)
    from inbox.rota.forms import CsrfForm

    if not CsrfForm().validate_on_submit():
        abort(400)
    period = _period()
    heads, _uncovered = model.demand(adapter.ensure_templates(team), model.recommendation(team, period)["needed"])
    changed = rota_operations.set_demand(team, heads, source=f"personalbedarf {period.label()}")
    db.session.commit()
    flash(f"Bedarf übernommen ({changed} Schichtarten geändert). Er gilt für die nächste Planung, "
          "z. B. den Dienstplan des nächsten Monats.", "success")
    today = periods.today()
    nxt = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return redirect(url_for("rota.grid", team_id=team.id, year=nxt.year, month=nxt.month), 303)

