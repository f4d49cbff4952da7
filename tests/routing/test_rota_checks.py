"""Edited cells are checked without saving, and a plan with violations or gaps is published only when confirmed."""

from __future__ import annotations

from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.extensions import db
from inbox.rota import operations
from inbox.rota.models import Rota, RotaAssignment


def _check(client, rota_id: int, cells: dict, token: str | None = None):
    return client.post(f"/dienstplan/plan/{rota_id}/pruefen", json={"cells": cells},
                       headers={"X-CSRFToken": token or client.csrf_token()})


def test_live_check_reports_the_violation_and_coverage_of_unsaved_cells(team_setup, client, auth):
    s = team_setup
    auth.login(s.lead)
    client.get(f"/dienstplan/{s.team.id}/2026/11")
    rota = db.session.scalar(select(Rota))
    cells = {f"c-{s.anna.id}-2026-11-02": "S", f"c-{s.anna.id}-2026-11-03": "F"}
    answer = _check(client, rota.id, cells)
    assert answer.status_code == 200
    body = answer.json
    assert "Ruhezeit zwischen 02.11. 22:00 und 03.11. 07:00" in body["html"]
    assert f"c-{s.anna.id}-2026-11-03" in body["marked"] or f"c-{s.anna.id}-2026-11-02" in body["marked"]
    assert body["days"]["2026-11-02"]["present"] == 1 and body["days"]["2026-11-02"]["needed"] >= 2
    assert "F 0 von" in body["days"]["2026-11-02"]["short"]
    assert body["editors"][str(s.anna.id)]["hours"] != "0" and body["editors"][str(s.ben.id)]["hours"] == "0"
    assert body["gaps"] > 0
    # Nothing was saved.
    assert db.session.scalar(select(RotaAssignment)) is None
    # Without the violation the same check is clean of it.
    fine = _check(client, rota.id, {f"c-{s.anna.id}-2026-11-02": "F", f"c-{s.anna.id}-2026-11-03": "S"}).json
    assert "Ruhezeit" not in fine["html"]


def test_live_check_refuses_bad_input_and_other_roles(team_setup, client, auth):
    s = team_setup
    auth.login(s.lead)
    client.get(f"/dienstplan/{s.team.id}/2026/11")
    rota = db.session.scalar(select(Rota))
    bad = _check(client, rota.id, {f"c-{s.anna.id}-2026-11-02": "X"})
    assert bad.status_code == 400 and "Unbekannter Dienst" in bad.json["error"]
    token = client.csrf_token()
    assert client.post(f"/dienstplan/plan/{rota.id}/pruefen", data="nicht json", headers={
        "X-CSRFToken": token, "Content-Type": "application/json"}).status_code == 400
    assert client.post(f"/dienstplan/plan/{rota.id}/pruefen", json={"cells": {}}).status_code == 400  # no CSRF token
    auth.logout()
    auth.login(s.anna)
    assert _check(client, rota.id, {}).status_code == 403


def test_publishing_a_plan_with_violations_and_gaps_asks_first(team_setup, client, auth):
    s = team_setup
    auth.login(s.lead)
    client.get(f"/dienstplan/{s.team.id}/2026/11")
    rota = db.session.scalar(select(Rota))
    operations.save_cells(rota, {(s.anna.id, rota_day(2)): "S", (s.anna.id, rota_day(3)): "F"})
    db.session.commit()
    page = client.post_form(f"/dienstplan/plan/{rota.id}/veroeffentlichen")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "trotzdem veröffentlichen?" in text and "Ruhezeit zwischen 02.11. 22:00 und 03.11. 07:00" in text
    assert "Lücken in den Servicezeiten" in text
    db.session.refresh(rota)
    assert rota.status == "draft"
    done = client.post_form(f"/dienstplan/plan/{rota.id}/veroeffentlichen", {"confirm": "1"})
    assert done.status_code == 303
    db.session.refresh(rota)
    assert rota.status == "published"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rota.published"))
    assert event.detail["violations"] >= 1 and event.detail["gaps"] >= 1
    assert "trotz" in client.get(f"/dienstplan/{s.team.id}/2026/11").get_data(as_text=True)


def rota_day(day: int):
    from datetime import date

    return date(2026, 11, day)
