"""Who may act on a rota: a lead only on their own team's, an admin on every team of the organization.

The private iCal feed answers only while its owner is an active member of the organization.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, select

from inbox.accounts.models import Membership
from inbox.extensions import db
from inbox.rota import operations
from inbox.rota.models import Absence, EditorProfile, HoursOverride, Rota, RotaAssignment, RotaRun
from inbox.routing.models import Alert


@pytest.fixture
def fire(team_setup, create_user):
    """A second team in the same city, the fire brigade, with its own lead, rota, absence and planner run."""
    from inbox.orgs.operations import create_team

    s = team_setup
    team = create_team(s.org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    finn = create_user(s.org, "editor", name="Finn Feuer", email="finn@example.org", team=team)
    lead = create_user(s.org, "lead", name="Fiona Wache", email="fiona@example.org", team=team)
    rota = operations.rota_for(team, 2026, 11)
    absence = operations.add_absence(s.org.id, finn.id, "vacation", date(2026, 11, 2), date(2026, 11, 6))
    override = operations.add_override(team, "closed", date(2026, 12, 24), date(2026, 12, 24), reason="Wachfest")
    run = RotaRun(organization_id=s.org.id, rota_id=rota.id, status="done", solutions=7,
                  message="Fertig. Plan der Feuerwehr")
    db.session.add(run)
    alert = Alert(organization_id=s.org.id, team_id=team.id, kind="coverage_gap", key="fire-gap",
                  text="Lücke bei der Feuerwehr")
    db.session.add(alert)
    db.session.commit()
    return SimpleNamespace(team=team, finn=finn, lead=lead, rota=rota, absence=absence, override=override, run=run,
                           alert=alert)


def _attempts(client, fire) -> dict[str, int]:
    """Every rota route that names one of the fire brigade's things, with the answer it got."""
    t, r = fire.team.id, fire.rota.id
    return {
        "run": client.get(f"/dienstplan/lauf/{fire.run.id}").status_code,
        "delete absence": client.post_form(f"/dienstplan/abwesenheit/{fire.absence.id}/loeschen").status_code,
        "grid": client.get(f"/dienstplan/{t}/2026/11").status_code,
        "cells": client.post_form(f"/dienstplan/plan/{r}/zellen",
                                  {f"c-{fire.finn.id}-2026-11-09": "F"}).status_code,
        "generate": client.post_form(f"/dienstplan/plan/{r}/generieren").status_code,
        "replan": client.post_form(f"/dienstplan/plan/{r}/neuplanen").status_code,
        "publish": client.post_form(f"/dienstplan/plan/{r}/veroeffentlichen").status_code,
        "add absence": client.post_form(f"/dienstplan/plan/{r}/abwesenheit", {
            "user": fire.finn.id, "kind": "sick", "first": "2026-11-16", "last": "2026-11-17"}).status_code,
        "settings": client.get(f"/team/{t}/einstellungen").status_code,
        "save hours": client.post_form(f"/team/{t}/einstellungen", {"monday": "10:00-12:00"}).status_code,
        "add override": client.post_form(f"/team/{t}/ausnahmen", {
            "kind": "crisis", "first": "2026-11-20", "last": "2026-11-21", "reason": "Übung"}).status_code,
        "delete override": client.post_form(f"/team/ausnahmen/{fire.override.id}/loeschen").status_code,
        "profile": client.post_form(f"/team/{t}/person/{fire.finn.id}", {
            f"p{fire.finn.id}-contract_hours_week": "10"}).status_code,
    }


def _fire_unchanged(fire) -> None:
    db.session.expire_all()
    assert db.session.get(Absence, fire.absence.id) is not None
    assert [a.kind for a in db.session.scalars(select(Absence).where(Absence.user_id == fire.finn.id))] == ["vacation"]
    assert db.session.get(HoursOverride, fire.override.id) is not None
    assert db.session.scalar(select(HoursOverride).where(HoursOverride.kind == "crisis")) is None
    rota = db.session.get(Rota, fire.rota.id)
    assert rota.status == "draft" and rota.version == 0
    assert db.session.scalar(select(RotaAssignment)) is None
    assert db.session.scalars(select(RotaRun.id)).all() == [fire.run.id]
    assert db.session.scalar(select(EditorProfile.contract_hours_week)
                             .where(EditorProfile.user_id == fire.finn.id)) in (None, 39.0)


def test_lead_of_another_team_gets_404_on_every_rota_route(team_setup, fire, client, auth):
    auth.login(team_setup.lead)  # lead of the Social-Media-Redaktion only
    answers = _attempts(client, fire)
    assert answers == dict.fromkeys(answers, 404)
    _fire_unchanged(fire)
    assert client.get("/dienstplan").headers["Location"].startswith(f"/dienstplan/{team_setup.team.id}/")


def test_lead_who_is_an_editor_in_another_team_does_not_plan_it(team_setup, fire, client, auth, create_user):
    s = team_setup
    # Lea leads the Redaktion and works shifts at the fire brigade as an editor: she plans only the Redaktion.
    create_user(s.org, "editor", email=s.lead.email, team=fire.team)
    auth.login(s.lead)
    answers = _attempts(client, fire)
    assert answers == dict.fromkeys(answers, 404)
    _fire_unchanged(fire)
    assert client.post_form(f"/leitung/hinweise/{fire.alert.id}/gelesen").status_code == 404
    assert db.session.get(Alert, fire.alert.id).read_at is None
    assert "Lücke bei der Feuerwehr" not in client.get("/leitung").get_data(as_text=True)
    assert client.get(f"/dienstplan/{s.team.id}/2026/11").status_code == 200


def test_own_lead_and_admin_act_on_the_team(team_setup, fire, client, auth, create_user):
    auth.login(fire.lead)
    run = client.get(f"/dienstplan/lauf/{fire.run.id}")
    assert run.status_code == 200 and run.get_json()["message"] == "Fertig. Plan der Feuerwehr"
    assert client.post_form(f"/dienstplan/abwesenheit/{fire.absence.id}/loeschen").status_code == 303
    assert db.session.get(Absence, fire.absence.id) is None
    auth.logout()
    absence = operations.add_absence(team_setup.org.id, fire.finn.id, "sick", date(2026, 11, 9), date(2026, 11, 9))
    db.session.commit()
    auth.login(create_user(team_setup.org, "admin"))
    assert client.get(f"/dienstplan/lauf/{fire.run.id}").get_json()["solutions"] == 7
    assert client.post_form(f"/dienstplan/abwesenheit/{absence.id}/loeschen").status_code == 303
    assert db.session.get(Absence, absence.id) is None
    assert client.get(f"/dienstplan/{fire.team.id}/2026/11").status_code == 200


def test_feed_of_a_deactivated_or_departed_user_is_404(team_setup, publish, app):
    s = team_setup
    publish(s.team, [(s.anna, "2030-01-07", "F"), (s.ben, "2030-01-08", "F"), (s.cem, "2030-01-09", "F")])
    tokens = {u.name: operations.reset_feed_token(s.org.id, u.id) for u in (s.anna, s.ben, s.cem)}
    db.session.commit()
    anonymous = app.test_client()
    for token in tokens.values():
        assert anonymous.get(f"/rota/feed/{token}.ics").status_code == 200
    s.anna.active = False
    db.session.execute(delete(Membership).where(Membership.user_id == s.ben.id))
    db.session.commit()
    for name in ("Anna", "Ben"):
        feed = anonymous.get(f"/rota/feed/{tokens[name]}.ics")
        assert feed.status_code == 404 and b"DTSTART" not in feed.data, name
    still = anonymous.get(f"/rota/feed/{tokens['Cem']}.ics")
    assert still.status_code == 200 and b"DTSTART:20300109T060000Z" in still.data
