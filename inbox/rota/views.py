"""Rota pages: the lead's month grid and team settings, the editor's own shifts and the iCal feed."""

from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from inbox.accounts.access import require_role, scoped_get, team_ids
from inbox.core import clock
from inbox.core.web import flash_form_errors, form_errors
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import adapter, figures, operations, queries
from inbox.rota.forms import (
    AbsenceForm,
    CsrfForm,
    DatedHeadcountForm,
    OverrideForm,
    ProfileForm,
    RotaRulesForm,
    WishForm,
)
from inbox.rota.models import Absence, HoursOverride, Rota, RotaRun

bp = Blueprint("rota", __name__)
log = logging.getLogger(__name__)
LEADS = ("lead", "admin")


def _led_teams() -> set[int] | None:
    """The teams the user plans: a lead their own (not those they only work in), an admin all (None)."""
    return team_ids(("lead",))


def _team(team_id: int) -> Team:
    team = scoped_get(Team, team_id)
    visible = _led_teams()
    if visible is not None and team.id not in visible:
        abort(404)
    return team


def _today() -> date:
    return clock.today()


@bp.get("/dienstplan")
@require_role(*LEADS)
def index():
    visible = _led_teams()
    teams = db.session.scalars(select(Team).where(Team.organization_id == g.org_id).order_by(Team.name)).all()
    teams = [t for t in teams if visible is None or t.id in visible]
    if not teams:
        abort(404)
    today = _today()
    return redirect(url_for("rota.grid", team_id=teams[0].id, year=today.year, month=today.month))


@bp.get("/dienstplan/<int:team_id>/<int:year>/<int:month>")
@require_role(*LEADS)
def grid(team_id: int, year: int, month: int):
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        abort(404)
    team = _team(team_id)
    rota = operations.rota_for(team, year, month)
    db.session.commit()
    absence_form = AbsenceForm()
    absence_form.user.choices = [(u.id, u.name) for u in adapter.planned_users(team)]
    return render_template("rota/grid.html", **queries.grid(team, rota), form=CsrfForm(), absence_form=absence_form)


def _rota(rota_id: int) -> Rota:
    rota = scoped_get(Rota, rota_id)
    _team(rota.team_id)
    return rota


def _back(rota: Rota):
    return redirect(url_for("rota.grid", team_id=rota.team_id, year=rota.year, month=rota.month), 303)


def _cells(rota: Rota, items) -> adapter.Cells:
    """Grid cells from (name, code) pairs; other names are ignored, an unknown code is a ValueError."""
    team = db.session.get(Team, rota.team_id)
    codes = set(adapter.shift_hours(team)) | {""}
    users = {u.id for u in adapter.planned_users(team)}
    cells = {}
    for name, value in items:
        key = queries.parse_cell(str(name), users, rota)
        if key is None:
            continue
        if value not in codes:
            raise ValueError(f"Unbekannter Dienst „{value}“.")
        cells[key] = value
    return cells


@bp.post("/dienstplan/plan/<int:rota_id>/zellen")
@require_role(*LEADS)
def save(rota_id: int):
    rota = _rota(rota_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        cells = _cells(rota, request.form.items())
    except ValueError as exc:
        flash(str(exc), "error")
        return _back(rota)
    changed = operations.save_cells(rota, cells)
    db.session.commit()
    flash(f"{changed} Änderungen gespeichert." if changed else "Keine Änderungen.", "success")
    return _back(rota)


@bp.post("/dienstplan/plan/<int:rota_id>/<any(generieren, neuplanen):action>")
@require_role(*LEADS)
def generate(rota_id: int, action: str):
    rota = _rota(rota_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    replan = action == "neuplanen"
    if replan and rota.status != "published":
        flash("Neu planen geht nur bei einem veröffentlichten Plan.", "error")
        return _back(rota)
    busy = db.session.scalar(select(RotaRun.id).where(RotaRun.rota_id == rota.id,
                                                      RotaRun.status.in_(("queued", "running"))))
    if busy:
        flash("Der Planer rechnet bereits.", "error")
        return _back(rota)
    operations.start_run(rota, replan=replan)
    db.session.commit()
    flash("Der Planer rechnet. Der Fortschritt erscheint unten.", "success")
    return _back(rota)


@bp.post("/dienstplan/plan/<int:rota_id>/veroeffentlichen")
@require_role(*LEADS)
def publish(rota_id: int):
    """A plan with violations or coverage gaps is published only once the lead has seen them and confirmed."""
    rota = _rota(rota_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    team = db.session.get(Team, rota.team_id)
    result = figures.checks(team, rota)
    problems = len(result["violations"]) + len(result["gaps"])
    if problems and request.form.get("confirm") != "1":
        return render_template("rota/publish_confirm.html", team=team, rota=rota, form=CsrfForm(), **result)
    operations.publish(rota, violations=len(result["violations"]), gaps=len(result["gaps"]))
    db.session.commit()
    flash("Dienstplan veröffentlicht" + (f", trotz {problems} bekannter Probleme." if problems else "."), "success")
    return _back(rota)


@bp.post("/dienstplan/plan/<int:rota_id>/abwesenheit")
@require_role(*LEADS)
def add_absence(rota_id: int):
    rota = _rota(rota_id)
    form = AbsenceForm()
    form.user.choices = [(u.id, u.name) for u in adapter.planned_users(db.session.get(Team, rota.team_id))]
    try:
        if not form.validate_on_submit():
            raise ValueError(" ".join(form_errors(form)))
        operations.add_absence(g.org_id, form.user.data, form.kind.data, form.first.data, form.last.data)
    except ValueError as exc:
        flash(f"Abwesenheit nicht gespeichert: {exc}", "error")
        return _back(rota)
    db.session.commit()
    flash("Abwesenheit eingetragen. Bei einem veröffentlichten Plan: „Neu planen“ hält die Änderungen klein.",
          "success")
    return _back(rota)


@bp.post("/dienstplan/abwesenheit/<int:absence_id>/loeschen")
@require_role(*LEADS)
def delete_absence(absence_id: int):
    absence = scoped_get(Absence, absence_id)
    # An absence belongs to a person, not a team: a lead may change it for the people of the teams they lead.
    visible = _led_teams()
    if visible is not None and not queries.works_in(absence.organization_id, absence.user_id, visible):
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    operations.delete_absence(absence)
    db.session.commit()
    flash("Abwesenheit gelöscht.", "success")
    return redirect(request.referrer or url_for("rota.index"), 303)


# --- team settings ------------------------------------------------------------------------------

@bp.route("/team/<int:team_id>/einstellungen", methods=["GET", "POST"])
@require_role(*LEADS)
def settings(team_id: int):
    team = _team(team_id)
    form = CsrfForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            operations.set_hours(team, {d: request.form.get(d, "") for d in (*adapter.WEEKDAYS, "holiday")})
        except ValueError as exc:
            flash(str(exc), "error")
            return redirect(url_for("rota.settings", team_id=team.id), 303)
        db.session.commit()
        flash("Servicezeiten gespeichert.", "success")
        return redirect(url_for("rota.settings", team_id=team.id), 303)
    return render_template("rota/settings.html", **queries.team_settings(team), form=form,
                           override_form=OverrideForm(), dated_form=_dated_form(team), rules_form=RotaRulesForm())


def _dated_form(team: Team) -> DatedHeadcountForm:
    form = DatedHeadcountForm()
    form.template.choices = [(r.code, f"{r.name} ({r.start}–{r.end})") for r in adapter.ensure_templates(team)]
    return form


@bp.post("/team/<int:team_id>/besetzung")
@require_role(*LEADS)
def set_dated_headcount(team_id: int):
    team = _team(team_id)
    form = _dated_form(team)
    try:
        if not form.validate_on_submit():
            raise ValueError(" ".join(form_errors(form)))
        operations.set_dated_headcount(team, form.day.data, form.template.data, form.extra.data or 0)
    except ValueError as exc:
        flash(f"Nicht gespeichert: {exc}", "error")
        return redirect(url_for("rota.settings", team_id=team.id), 303)
    db.session.commit()
    flash("Besetzung für den Tag gespeichert.", "success")
    return redirect(url_for("rota.settings", team_id=team.id), 303)


@bp.post("/team/<int:team_id>/regeln")
@require_role(*LEADS)
def save_rules(team_id: int):
    team = _team(team_id)
    form = RotaRulesForm()
    try:
        if not form.validate_on_submit():
            raise ValueError(" ".join(form_errors(form)))
        operations.set_rota_rules(team, **queries.rules_values(form, team))
        operations.set_optional_templates(team, set(request.form.getlist("optional")))
    except ValueError as exc:
        flash(f"Nicht gespeichert: {exc}", "error")
        return redirect(url_for("rota.settings", team_id=team.id), 303)
    db.session.commit()
    flash("Teamregeln gespeichert.", "success")
    return redirect(url_for("rota.settings", team_id=team.id), 303)


@bp.post("/team/<int:team_id>/ausnahmen")
@require_role(*LEADS)
def add_override(team_id: int):
    team = _team(team_id)
    form = OverrideForm()
    try:
        if not form.validate_on_submit():
            raise ValueError(" ".join(form_errors(form)))
        operations.add_override(team, form.kind.data, form.first.data, form.last.data, form.slots.data or "",
                                form.reason.data or "", current_user.id)
    except ValueError as exc:
        flash(f"Nicht gespeichert: {exc}", "error")
        return redirect(url_for("rota.settings", team_id=team.id), 303)
    db.session.commit()
    flash("Krisenmodus eingeschaltet: rund um die Uhr Servicezeit." if form.kind.data == "crisis"
          else "Ausnahme gespeichert.", "success")
    return redirect(url_for("rota.settings", team_id=team.id), 303)


@bp.post("/team/ausnahmen/<int:override_id>/loeschen")
@require_role(*LEADS)
def delete_override(override_id: int):
    row = scoped_get(HoursOverride, override_id)
    _team(row.team_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    operations.delete_override(row)
    db.session.commit()
    flash("Ausnahme beendet.", "success")
    return redirect(url_for("rota.settings", team_id=row.team_id), 303)


@bp.post("/team/<int:team_id>/person/<int:user_id>")
@require_role(*LEADS)
def save_profile(team_id: int, user_id: int):
    team = _team(team_id)
    if user_id not in {u.id for u in adapter.planned_users(team)}:
        abort(404)
    form = ProfileForm(prefix=f"p{user_id}")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("rota.settings", team_id=team.id), 303)
    operations.update_profile(g.org_id, user_id, **queries.profile_values(form, team))
    db.session.commit()
    flash("Angaben gespeichert.", "success")
    return redirect(url_for("rota.settings", team_id=team.id), 303)


# --- editors ------------------------------------------------------------------------------------

@bp.get("/meine-dienste")
@require_role("editor", "lead", "admin")
def mine():
    profile = adapter.profile(g.org_id, current_user.id)
    if not profile.feed_token:
        operations.reset_feed_token(g.org_id, current_user.id)
    db.session.commit()
    wish_form = WishForm()
    wish_form.template.choices = [("", "frei")] + queries.template_choices(g.org_id)
    from inbox.rota import swaps
    from inbox.rota.models import SWAP_STATES

    offers = swaps.open_for(g.org_id, current_user.id, swap_views.planned_team_ids(g.org_id, current_user.id),
                            _today())
    return render_template("rota/mine.html", **queries.my_shifts(g.org_id, current_user.id, _today()),
                           profile=profile, form=CsrfForm(), wish_form=wish_form, **offers, swap_states=SWAP_STATES,
                           offered_ids={o.assignment_id for o in offers["my_offers"] if o.state in swaps.OPEN})


@bp.post("/meine-dienste/abwesend")
@require_role("editor", "lead", "admin")
def away():
    if not CsrfForm().validate_on_submit():
        abort(400)
    reason = request.form.get("reason", "")
    if reason not in queries.AWAY_REASONS:
        abort(400)
    operations.set_away(g.org_id, current_user.id, reason)
    db.session.commit()
    flash(f"Status: {queries.AWAY_REASONS[reason]}.", "success")
    return redirect(request.referrer or url_for("rota.mine"), 303)


@bp.post("/meine-dienste/kalender-neu")
@require_role("editor", "lead", "admin")
def reset_feed():
    if not CsrfForm().validate_on_submit():
        abort(400)
    operations.reset_feed_token(g.org_id, current_user.id)
    db.session.commit()
    flash("Neue Kalender-Adresse erstellt; die alte gilt nicht mehr.", "success")
    return redirect(url_for("rota.mine"), 303)


@bp.post("/meine-dienste/wunsch")
@require_role("editor", "lead", "admin")
def add_wish():
    form = WishForm()
    form.template.choices = [("", "frei")] + queries.template_choices(g.org_id)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("rota.mine"), 303)
    operations.add_wish(g.org_id, current_user.id, form.day.data, form.template.data, form.weight.data or 1,
                        avoid=form.avoid.data)
    db.session.commit()
    flash("Wunsch gespeichert.", "success")
    return redirect(url_for("rota.mine"), 303)


@bp.get("/rota/feed/<token>.ics")
def feed(token: str):
    """The private calendar feed: the secret token is the only credential, so no login is asked."""
    if len(token) < 20:
        abort(404)
    profile = queries.feed_profile(token)
    if profile is None:
        abort(404)
    body = adapter.ical_for(profile.user, profile.organization_id)
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": "inline; filename=dienste.ics",
                                                              "Cache-Control": "private, max-age=300"})


from inbox.rota import live_views, swap_views  # noqa: E402,F401  (their routes live on this blueprint too)
