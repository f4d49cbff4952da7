"""What the grid page polls and posts while the lead works: solver progress, cancel, and the live check."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_login import current_user

from inbox.accounts.access import require_role, scoped_get
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import figures, operations, queries
from inbox.rota.forms import CsrfForm
from inbox.rota.models import RotaRun
from inbox.rota.views import LEADS, _back, _cells, _rota, bp


def _run(run_id: int) -> RotaRun:
    run = scoped_get(RotaRun, run_id)
    _rota(run.rota_id)
    return run


@bp.get("/dienstplan/lauf/<int:run_id>")
@require_role(*LEADS)
def run_status(run_id: int):
    run = _run(run_id)
    return {"status": run.status, "solutions": run.solutions, "best_objective": run.best_objective,
            "best_bound": run.best_bound, "gap": run.gap, "history": run.history or [],
            "cancel_requested": run.cancel_requested, "elapsed": round(run.elapsed, 1), "message": run.message}


@bp.get("/dienstplan/lauf/<int:run_id>/fortschritt")
@require_role(*LEADS)
def run_fragment(run_id: int):
    """The progress panel alone, polled by the grid page every second while the solver runs."""
    return render_template("rota/_run.html", run=_run(run_id), form=CsrfForm(), **queries.run_curve(_run(run_id)))


@bp.post("/dienstplan/lauf/<int:run_id>/abbrechen")
@require_role(*LEADS)
def cancel_run(run_id: int):
    run = _run(run_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    asked = operations.cancel_run(run, current_user.id)
    db.session.commit()
    flash("Der Planer hört auf; der Plan bleibt unverändert." if asked else "Der Planer war schon fertig.",
          "success" if asked else "error")
    return _back(_rota(run.rota_id))


@bp.post("/dienstplan/plan/<int:rota_id>/pruefen")
@require_role(*LEADS)
def check(rota_id: int):
    """Violations and coverage of the rota with the grid's unsaved cells, without saving anything.

    Takes {"cells": {"c-<user>-<date>": "<code or empty>"}} with the CSRF token in X-CSRFToken.
    """
    rota = _rota(rota_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("cells", {}), dict):
        return {"error": "Erwartet wird JSON mit „cells“."}, 400
    try:
        cells = _cells(rota, body.get("cells", {}).items())
    except ValueError as exc:
        return {"error": str(exc)}, 400
    team = db.session.get(Team, rota.team_id)
    result = figures.checks(team, rota, cells)
    html = render_template("rota/_checks.html", **result)
    return {"html": html, "violations": len(result["violations"]), "gaps": len(result["gaps"]),
            "marked": [f"c-{user}-{day.isoformat()}" for user, day in sorted(result["marked"])],
            "days": {d.isoformat(): v for d, v in result["per_day"].items()},
            "editors": {str(u): {**v, "hours": figures.hours(v["minutes"]), "target_hours": figures.hours(v["target"])}
                        for u, v in result["per_editor"].items()}}
