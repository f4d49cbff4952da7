"""The solver runs off the request path in the embedded default too: live progress and a cancel button."""

from __future__ import annotations

from sqlalchemy import select

from inbox import jobs
from inbox.audit.models import AuditEvent
from inbox.extensions import db
from inbox.rota.models import Rota, RotaAssignment, RotaRun
from tests.waiting import wait_for


def run_status(client, run_id: int) -> dict:
    """The run as the lead's page polls it. The test's session is shared with its requests: end its
    transaction first, or SQLite's snapshot keeps showing the run as it was."""
    db.session.rollback()
    return client.get(f"/dienstplan/lauf/{run_id}").json


def _start(client, s, month: int = 11) -> tuple[Rota, int]:
    client.get(f"/dienstplan/{s.team.id}/2026/{month}")
    rota = db.session.scalar(select(Rota).where(Rota.month == month))
    assert client.post_form(f"/dienstplan/plan/{rota.id}/generieren").status_code == 303
    return rota, db.session.scalar(select(RotaRun.id).where(RotaRun.rota_id == rota.id))


def test_the_request_answers_while_the_solver_runs_in_a_thread(team_setup, client, auth, app):
    s = team_setup
    app.config["SETTINGS"]["rota"]["solver_seconds"] = 3
    auth.login(s.lead)
    rota, run_id = _start(client, s)
    # The answer came back before the run ended: the request did not wait for the solver.
    assert run_status(client, run_id)["status"] in ("queued", "running")
    page = client.get(f"/dienstplan/{s.team.id}/2026/11").get_data(as_text=True)
    assert "Rechnet im Hintergrund" in page or "Wartet auf den Start" in page
    assert wait_for(lambda: run_status(client, run_id)["status"] == "done", 60)
    status = run_status(client, run_id)
    assert status["solutions"] >= 1 and status["history"] and status["gap"] is not None
    assert status["best_bound"] <= status["best_objective"]
    assert db.session.scalar(select(RotaAssignment.id).where(RotaAssignment.rota_id == rota.id)) is not None
    panel = client.get(f"/dienstplan/lauf/{run_id}/fortschritt").get_data(as_text=True)
    assert "Fertig." in panel and "Abstand zum Optimum" in panel and "data-poll" not in panel


def test_progress_is_shown_while_running_and_cancel_stops_without_changing_the_plan(team_setup, client, auth, app):
    s = team_setup
    app.config["SETTINGS"]["rota"]["solver_seconds"] = 120
    auth.login(s.lead)
    rota, run_id = _start(client, s)
    assert wait_for(lambda: run_status(client, run_id)["solutions"] >= 1, 60)
    panel = client.get(f"/dienstplan/lauf/{run_id}/fortschritt").get_data(as_text=True)
    assert "Rechnet im Hintergrund" in panel and "data-poll" in panel and 'id="cancel-run"' in panel
    assert client.post_form(f"/dienstplan/lauf/{run_id}/abbrechen").status_code == 303
    assert wait_for(lambda: run_status(client, run_id)["status"] == "cancelled", 30)
    assert jobs.wait_background(30)
    db.session.expire_all()
    assert db.session.scalar(select(RotaAssignment.id).where(RotaAssignment.rota_id == rota.id)) is None
    page = client.get(f"/dienstplan/{s.team.id}/2026/11").get_data(as_text=True)
    assert "Abgebrochen. Der Plan ist unverändert geblieben." in page
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("rota.run%"))).all()
    assert {"rota.run_started", "rota.run_cancel_requested", "rota.run_cancelled"} <= set(actions)
    # A finished run cannot be cancelled again.
    client.post_form(f"/dienstplan/lauf/{run_id}/abbrechen")
    assert "Der Planer war schon fertig." in client.get(f"/dienstplan/{s.team.id}/2026/11").get_data(as_text=True)


def test_an_editor_cannot_watch_or_cancel_a_run(team_setup, client, auth, app):
    s = team_setup
    app.config["SETTINGS"]["rota"]["solver_seconds"] = 120
    auth.login(s.lead)
    rota, run_id = _start(client, s)
    auth.logout()
    auth.login(s.anna)
    assert client.get(f"/dienstplan/lauf/{run_id}/fortschritt").status_code == 403
    assert client.post_form(f"/dienstplan/lauf/{run_id}/abbrechen").status_code == 403
    assert db.session.get(RotaRun, run_id).cancel_requested is False
    auth.logout()
    auth.login(s.lead)
    client.post_form(f"/dienstplan/lauf/{run_id}/abbrechen")
    assert wait_for(lambda: run_status(client, run_id)["status"] == "cancelled", 60)
