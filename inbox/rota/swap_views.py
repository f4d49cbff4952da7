"""Swap pages: editors offer, take and withdraw shifts on "Meine Dienste"; the lead approves per team."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from inbox.accounts.access import require_role, scoped_get
from inbox.accounts.models import Membership
from inbox.extensions import db
from inbox.rota import adapter, swaps
from inbox.rota.forms import CsrfForm
from inbox.rota.models import SWAP_STATES, RotaAssignment, SwapOffer
from inbox.rota.views import LEADS, _team, _today, bp

EDITORS = ("editor", "lead", "admin")


def planned_team_ids(org_id: int, user_id: int) -> set[int]:
    """The teams whose rota plans this person (the colleagues they can swap with)."""
    return set(db.session.scalars(select(Membership.team_id).where(
        Membership.organization_id == org_id, Membership.user_id == user_id,
        Membership.role.in_(adapter.PLANNED_ROLES), Membership.team_id.is_not(None))))


def _checked() -> None:
    if not CsrfForm().validate_on_submit():
        abort(400)


def _mine():
    return redirect(url_for("rota.mine") + "#swaps", 303)


def _visible_offer(offer_id: int) -> SwapOffer:
    """An offer of one of the user's own teams; others do not exist for them."""
    row = scoped_get(SwapOffer, offer_id)
    if row.team_id not in planned_team_ids(g.org_id, current_user.id):
        abort(404)
    return row


@bp.post("/meine-dienste/tausch/anbieten/<int:assignment_id>")
@require_role(*EDITORS)
def offer_swap(assignment_id: int):
    _checked()
    assignment = scoped_get(RotaAssignment, assignment_id)
    if assignment.user_id != current_user.id:
        abort(404)
    try:
        swaps.offer(assignment, current_user.id, _today())
    except swaps.SwapRefused as exc:
        flash(str(exc), "error")
        return _mine()
    db.session.commit()
    flash("Dienst zum Tausch angeboten. Ihr Team sieht das Angebot unter „Meine Dienste“.", "success")
    return _mine()


@bp.post("/meine-dienste/tausch/<int:offer_id>/<any(uebernehmen, zurueckziehen):action>")
@require_role(*EDITORS)
def act_on_swap(offer_id: int, action: str):
    _checked()
    row = _visible_offer(offer_id)
    try:
        if action == "uebernehmen":
            swaps.take(row, current_user.id)
        else:
            swaps.withdraw(row, current_user.id)
    except swaps.SwapRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _mine()
    db.session.commit()
    if action == "zurueckziehen":
        flash("Angebot zurückgezogen.", "success")
    elif row.state == "done":
        flash("Dienst übernommen. Der veröffentlichte Plan und Ihr Kalender zeigen ihn schon.", "success")
    else:
        flash("Dienst übernommen; die Teamleitung muss den Tausch noch freigeben.", "success")
    return _mine()


@bp.get("/dienstplan/<int:team_id>/tausch")
@require_role(*LEADS)
def swap_list(team_id: int):
    team = _team(team_id)
    rules = swaps.without_approval(team)
    return render_template("rota/swaps.html", team=team, swaps=swaps.waiting(team), states=SWAP_STATES,
                           without_approval=rules, form=CsrfForm(), hours=adapter.shift_hours(team))


@bp.post("/dienstplan/tausch/<int:offer_id>/<any(freigeben, ablehnen):action>")
@require_role(*LEADS)
def decide_swap(offer_id: int, action: str):
    row = scoped_get(SwapOffer, offer_id)
    team = _team(row.team_id)
    _checked()
    try:
        if action == "freigeben":
            swaps.approve(row, current_user.id)
        else:
            swaps.reject(row, current_user.id)
    except swaps.SwapRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("rota.swap_list", team_id=team.id), 303)
    db.session.commit()
    flash("Tausch freigegeben; der veröffentlichte Plan ist geändert." if action == "freigeben"
          else "Tausch abgelehnt.", "success")
    return redirect(url_for("rota.swap_list", team_id=team.id), 303)


@bp.post("/dienstplan/<int:team_id>/tausch-regel")
@require_role(*LEADS)
def swap_rule(team_id: int):
    team = _team(team_id)
    _checked()
    swaps.set_without_approval(team, request.form.get("without_approval") == "1")
    db.session.commit()
    flash("Regel für Tausche gespeichert.", "success")
    return redirect(url_for("rota.swap_list", team_id=team.id), 303)
