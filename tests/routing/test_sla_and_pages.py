"""SLA pause while waiting, the urgency sort in the inbox, the rota pages, the feed and the dashboard."""

import re
from datetime import timedelta

from sqlalchemy import select

from inbox.conversations.models import Conversation
from inbox.extensions import db
from inbox.rota.models import Rota, RotaAssignment, RotaRun
from inbox.sla.models import ConversationSLA
from tests.routing.test_rota_runs import run_status
from tests.waiting import wait_for


def sla_row(conversation_id: int) -> ConversationSLA:
    row = db.session.scalar(select(ConversationSLA).where(ConversationSLA.conversation_id == conversation_id))
    db.session.refresh(row)
    return row


def test_sla_pauses_while_waiting_on_a_department(team_setup, publish, sim):
    s = team_setup
    publish(s.team, [(s.anna, "2026-10-22", "F"), (s.ben, "2026-10-22", "S")])
    sim.at("2026-10-22 10:00")
    k1 = sim.write("k1")
    assert sla_row(k1).due_at.hour == 10  # 12:00 Berlin = 10:00 UTC
    sim.at("2026-10-22 11:00")
    conversation = db.session.get(Conversation, k1)
    conversation.status = "waiting"  # what the forwarding feature does; the sweep notices it
    db.session.commit()
    sim.sweep("2026-10-22 11:01")
    row = sla_row(k1)
    assert row.due_at is None and row.remaining_minutes == 59
    sim.sweep("2026-10-22 13:00")
    assert sim.sweep("2026-10-22 15:00")["escalated"] == 0
    conversation = db.session.get(Conversation, k1)
    conversation.status = "open"
    db.session.commit()
    sim.sweep("2026-10-23 08:00")
    assert sla_row(k1).due_at.astimezone().strftime("%H:%M") == "06:59"  # 08:59 Berlin: 59 minutes left


def test_sla_pause_and_resume_functions(team_setup, publish, sim):
    from inbox.core import clock
    from inbox.sla import operations as sla

    sim.at("2026-10-22 10:00")
    k1 = sim.write("k1")
    conversation = db.session.get(Conversation, k1)
    clock.set_time(clock.now().replace(minute=30))
    sla.pause(conversation)
    assert sla_row(k1).remaining_minutes == 90
    clock.advance(timedelta(hours=3))  # waiting on the department for three hours
    sla.resume(conversation)
    row = sla_row(k1)
    assert row.remaining_minutes is None and row.due_at == clock.now() + timedelta(minutes=90)


def test_inbox_shows_due_times_sorted_by_urgency(team_setup, publish, sim, client, auth):
    s = team_setup
    publish(s.team, [(s.anna, "2026-10-22", "F")])
    sim.at("2026-10-22 10:00")
    sim.write("spaet", "später")
    sim.at("2026-10-22 09:00")
    sim.write("frueh", "früher")
    auth.login(s.anna)
    page = client.get("/inbox?sort=urgency").get_data(as_text=True)
    assert "Antwort fällig" in page
    assert page.index(">frueh<") < page.index(">spaet<")
    assert "22.10.2026 11:00" in page  # 09:00 + two business hours
    assert client.get("/inbox?sort=nonsense").status_code == 400


def test_lead_generates_edits_and_publishes_a_rota(team_setup, client, auth, app):
    s = team_setup
    app.config["SETTINGS"]["rota"]["solver_seconds"] = 3
    auth.login(s.lead)
    grid = client.get(f"/dienstplan/{s.team.id}/2026/11")
    assert grid.status_code == 200
    rota = db.session.scalar(select(Rota))
    assert client.post_form(f"/dienstplan/plan/{rota.id}/generieren").status_code == 303
    run = db.session.scalar(select(RotaRun))
    assert wait_for(lambda: run_status(client, run.id)["status"] not in ("queued", "running"), 60)
    db.session.refresh(run)
    assert run.status == "done", run.message
    assert run.solutions >= 1
    page = client.get(f"/dienstplan/{s.team.id}/2026/11").get_data(as_text=True)
    assert "Fertig." in page and "Dienste geplant" in page
    # A hand edit that breaks the rest rule is reported at once, in German.
    late = {f"c-{s.anna.id}-2026-11-02": "S", f"c-{s.anna.id}-2026-11-03": "F"}
    client.post_form(f"/dienstplan/plan/{rota.id}/zellen", late)
    page = client.get(f"/dienstplan/{s.team.id}/2026/11").get_data(as_text=True)
    assert "Ruhezeit zwischen 02.11. 22:00 und 03.11. 07:00" in page
    assert client.post_form(f"/dienstplan/plan/{rota.id}/zellen", {f"c-{s.anna.id}-2026-11-02": "X"}).status_code == 303
    assert "Unbekannter Dienst" in client.get(f"/dienstplan/{s.team.id}/2026/11").get_data(as_text=True)
    # The plan still breaks the rest rule: publishing asks first, and publishes once confirmed.
    asked = client.post_form(f"/dienstplan/plan/{rota.id}/veroeffentlichen").get_data(as_text=True)
    assert "trotzdem veröffentlichen?" in asked
    client.post_form(f"/dienstplan/plan/{rota.id}/veroeffentlichen", {"confirm": "1"})
    db.session.refresh(rota)
    assert rota.status == "published" and rota.version == 1


def test_editor_sees_own_shifts_and_private_feed(team_setup, publish, client, auth, app):
    s = team_setup
    publish(s.team, [(s.anna, "2030-01-07", "F"), (s.ben, "2030-01-07", "S")])
    auth.login(s.anna)
    page = client.get("/meine-dienste").get_data(as_text=True)
    table = page[page.index('id="my-shifts"'):page.index("</table>")]
    assert "Mo 07.01.2030" in table and "Frühdienst" in table and "Spätdienst" not in table
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    anonymous = app.test_client()
    feed = anonymous.get(url.split("localhost", 1)[1])
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert b"DTSTART:20300107T060000Z" in feed.data and b"Sp\xc3\xa4tdienst" not in feed.data
    assert client.post_form("/meine-dienste/kalender-neu").status_code == 303
    assert anonymous.get(url.split("localhost", 1)[1]).status_code == 404
    assert anonymous.get("/rota/feed/" + "x" * 43 + ".ics").status_code == 404


def test_editor_cannot_open_the_grid_or_dashboard(team_setup, client, auth):
    auth.login(team_setup.anna)
    assert client.get(f"/dienstplan/{team_setup.team.id}/2026/11").status_code == 403
    assert client.get("/leitung").status_code == 403


def test_dashboard_shows_shift_load_and_alerts(team_setup, publish, sim, client, auth):
    s = team_setup
    publish(s.team, [(s.anna, "2026-10-22", "F")])
    sim.at("2026-10-22 10:00")
    sim.write("k1")
    sim.at("2026-10-22 15:00")
    sim.write("k2")
    sim.sweep("2026-10-22 15:01")
    auth.login(s.lead)
    page = client.get("/leitung").get_data(as_text=True)
    assert "Servicezeit, aber niemand im Dienst" in page
    assert re.search(r'class="open-count">2<', page) and re.search(r'class="unassigned-count">2<', page)
    assert "Anna" in page


def test_crisis_mode_makes_the_night_service_time(team_setup, client, auth, sim):
    s = team_setup
    auth.login(s.lead)
    client.post_form(f"/team/{s.team.id}/ausnahmen", {"kind": "crisis", "first": "2026-10-22", "last": "2026-10-23",
                                                       "reason": "Hochwasser"})
    sim.at("2026-10-22 23:30")
    sim.write("k1")
    from inbox.routing.models import Acknowledgement, Alert

    assert db.session.scalar(select(Acknowledgement)) is None
    assert db.session.scalar(select(Alert).where(Alert.kind == "coverage_gap"))
    assert db.session.scalar(select(RotaAssignment)) is None
