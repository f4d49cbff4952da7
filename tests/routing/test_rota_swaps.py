"""Swaps: offer, take, rules checked for both, lead approval or none; plan, feeds and routing follow."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.extensions import db
from inbox.rota.models import RotaAssignment, SwapOffer
from inbox.routing.state import TeamState
from tests.routing.conftest import local

DAY = date(2026, 11, 25)  # a Wednesday a week after the test clock's today


def _assignment(user) -> RotaAssignment:
    return db.session.scalar(select(RotaAssignment).where(RotaAssignment.user_id == user.id,
                                                          RotaAssignment.day == DAY))


def _offer(client, auth, user) -> SwapOffer:
    auth.login(user)
    assert client.post_form(f"/meine-dienste/tausch/anbieten/{_assignment(user).id}").status_code == 303
    auth.logout()
    return db.session.scalar(select(SwapOffer).order_by(SwapOffer.id.desc()))


def _feed(client, app, user) -> bytes:
    page = client.get("/meine-dienste").get_data(as_text=True)
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    return app.test_client().get(url.split("localhost", 1)[1]).data


def _on_shift(s) -> frozenset[int]:
    db.session.expire_all()
    return TeamState.load(s.team, local("2026-11-25 08:00")).on_shift


def test_offer_take_approve_moves_the_shift_in_rota_feed_and_routing(team_setup, publish, client, auth, app):
    s = team_setup
    publish(s.team, [(s.anna, "2026-11-25", "F"), (s.cem, "2026-11-25", "S")])
    assert _on_shift(s) == {s.anna.id}
    offer = _offer(client, auth, s.anna)
    auth.login(s.ben)
    page = client.get("/meine-dienste").get_data(as_text=True)
    assert "Anna gibt ab: 25.11.2026, Dienst F" in page
    answer = client.post_form(f"/meine-dienste/tausch/{offer.id}/uebernehmen", follow_redirects=True)
    assert "die Teamleitung muss den Tausch noch freigeben" in answer.get_data(as_text=True)
    db.session.refresh(offer)
    assert offer.state == "taken" and _on_shift(s) == {s.anna.id}  # not yet: the lead approves first
    auth.logout()
    auth.login(s.lead)
    lead_page = client.get(f"/dienstplan/{s.team.id}/tausch").get_data(as_text=True)
    assert "übernommen, wartet auf Freigabe" in lead_page and "Ben" in lead_page
    assert client.post_form(f"/dienstplan/tausch/{offer.id}/freigeben").status_code == 303
    db.session.refresh(offer)
    assert offer.state == "done" and offer.approved_by_id == s.lead.id
    assert _assignment(s.ben) is not None and _assignment(s.anna) is None
    assert _on_shift(s) == {s.ben.id}
    auth.logout()
    auth.login(s.ben)
    assert b"DTSTART:20261125T060000Z" in _feed(client, app, s.ben)
    auth.logout()
    auth.login(s.anna)
    assert b"20261125" not in _feed(client, app, s.anna)
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("swap.%"))))
    assert actions == {"swap.offered", "swap.taken", "swap.done"}


def test_a_swap_that_breaks_a_rule_is_refused_with_the_rule_named(team_setup, publish, client, auth):
    s = team_setup
    publish(s.team, [(s.anna, "2026-11-25", "F"), (s.ben, "2026-11-24", "S")])
    offer = _offer(client, auth, s.anna)
    auth.login(s.ben)
    page = client.post_form(f"/meine-dienste/tausch/{offer.id}/uebernehmen", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Der Tausch verletzt Regeln" in text and "Ruhezeit zwischen 24.11. 22:00 und 25.11. 07:00" in text
    db.session.refresh(offer)
    assert offer.state == "offered" and offer.taken_by_id is None
    assert _assignment(s.anna) is not None


def test_the_team_can_let_lawful_swaps_pass_without_approval(team_setup, publish, client, auth):
    s = team_setup
    publish(s.team, [(s.anna, "2026-11-25", "F")])
    auth.login(s.lead)
    client.post_form(f"/dienstplan/{s.team.id}/tausch-regel", {"without_approval": "1"})
    auth.logout()
    offer = _offer(client, auth, s.anna)
    auth.login(s.cem)
    answer = client.post_form(f"/meine-dienste/tausch/{offer.id}/uebernehmen", follow_redirects=True)
    assert "Der veröffentlichte Plan und Ihr Kalender zeigen ihn schon." in answer.get_data(as_text=True)
    db.session.refresh(offer)
    assert offer.state == "done" and offer.approved_by_id is None
    assert _on_shift(s) == {s.cem.id}


def test_swaps_stay_in_their_team_and_roles(team_setup, publish, client, auth, create_user):
    from inbox.orgs.operations import create_team

    s = team_setup
    publish(s.team, [(s.anna, "2026-11-25", "F"), (s.ben, "2026-11-26", "F")])
    fire = create_team(s.org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    finn = create_user(s.org, "editor", name="Finn Feuer", email="finn@example.org", team=fire)
    fiona = create_user(s.org, "lead", name="Fiona Wache", email="fiona@example.org", team=fire)
    offer = _offer(client, auth, s.anna)
    auth.login(s.anna)  # someone else's shift cannot be offered
    ben_shift = db.session.scalar(select(RotaAssignment).where(RotaAssignment.user_id == s.ben.id))
    assert client.post_form(f"/meine-dienste/tausch/anbieten/{ben_shift.id}").status_code == 404
    auth.logout()
    auth.login(finn)
    assert "Anna gibt ab" not in client.get("/meine-dienste").get_data(as_text=True)
    assert client.post_form(f"/meine-dienste/tausch/{offer.id}/uebernehmen").status_code == 404
    auth.logout()
    auth.login(s.ben)
    client.post_form(f"/meine-dienste/tausch/{offer.id}/uebernehmen")
    assert client.get(f"/dienstplan/{s.team.id}/tausch").status_code == 403
    assert client.post_form(f"/dienstplan/tausch/{offer.id}/freigeben").status_code == 403
    auth.logout()
    auth.login(fiona)
    assert client.get(f"/dienstplan/{s.team.id}/tausch").status_code == 404
    assert client.post_form(f"/dienstplan/tausch/{offer.id}/freigeben").status_code == 404
    db.session.refresh(offer)
    assert offer.state == "taken" and _assignment(s.anna) is not None
