"""The team lead dashboard and its alerts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from sqlalchemy import select

from inbox.accounts.access import require_role, scoped_get, team_ids
from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota.forms import CsrfForm
from inbox.routing import queries
from inbox.routing.models import Alert

bp = Blueprint("routing", __name__)


def _teams() -> list[Team]:
    """The teams the user leads (all for an admin); working shifts in a team does not make one its lead."""
    visible = team_ids(("lead",))
    teams = db.session.scalars(select(Team).where(Team.organization_id == g.org_id).order_by(Team.name)).all()
    return [t for t in teams if visible is None or t.id in visible]


@bp.get("/leitung")
@require_role("lead", "admin")
def dashboard():
    teams = _teams()
    now = clock.now()
    return render_template("routing/dashboard.html", overviews=[queries.team_overview(t, now) for t in teams],
                           alerts=queries.recent_alerts(g.org_id, [t.id for t in teams]), now=now, form=CsrfForm())


@bp.post("/leitung/hinweise/<int:alert_id>/gelesen")
@require_role("lead", "admin")
def mark_read(alert_id: int):
    alert = scoped_get(Alert, alert_id)
    if alert.team_id not in {t.id for t in _teams()}:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    alert.read_at = clock.now()
    db.session.commit()
    flash("Hinweis als gelesen markiert.", "success")
    return redirect(url_for("routing.dashboard"), 303)
