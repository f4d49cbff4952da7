"""Each figure of the reports page computed by hand from a known history (service hours: weekdays 07-22,
weekends and holidays 09-17, NW holidays; SLA first response: normal 120, high 30 business minutes)."""

import csv
import io

from sqlalchemy import select

from inbox.conversations import operations as conversations
from inbox.conversations.models import Conversation
from inbox.core import clock
from inbox.extensions import db
from tests.reports.helpers import at, citizen_writes, editor_replies, roll_up

PERIOD = "von=2026-11-01&bis=2026-12-31"


def html(response) -> str:
    return response.get_data(as_text=True)


def rows_of(csv_body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_body.decode("utf-8-sig")), delimiter=";"))


def section(rows, title) -> list[list[str]]:
    start = next(i for i, r in enumerate(rows) if r == [title]) + 2
    end = next((i for i in range(start, len(rows)) if not rows[i]), len(rows))
    return rows[start:end]


def history(create_org, create_user, create_channel, post_webhook, citizen_message):
    """Three conversations with figures worked out by hand, and one left unanswered past its due time."""
    from inbox.forwarding import operations as forwarding
    from inbox.orgs.operations import create_department

    org = create_org()
    editor = create_user(org, name="Eva Editor")
    channel = create_channel(org, name="Kontaktformular")
    # Friday 21:30, 30 minutes before closing; reply Saturday 09:45: 30 + 45 = 75 business minutes (in time).
    weekend = citizen_writes(post_webhook, citizen_message, channel, "2026-11-13 21:30", text="Wo ist das Bürgerbüro?")
    editor_replies(weekend, editor, "2026-11-14 09:45")
    # Thursday 24 December 22:30, closed; 25 December is a holiday with 09:00-17:00: the service opens at 09:00,
    # 630 minutes later; reply 10:00: 60 business minutes. Resolved 11:00: 120.
    holiday = citizen_writes(post_webhook, citizen_message, channel, "2026-12-24 22:30",
                             text="Danke, das Team war sehr freundlich!")
    editor_replies(holiday, editor, "2026-12-25 10:00")
    clock.set_time(at("2026-12-25 11:00"))
    conversations.resolve(db.session.get(Conversation, holiday.id))
    db.session.commit()
    # Wednesday 18 November 10:00; forwarded 10:30 and waiting on the department until its answer at 14:00;
    # reply 14:20: 260 business minutes minus 210 paused = 50.
    forwarded = citizen_writes(post_webhook, citizen_message, channel, "2026-11-18 10:00",
                               text="Das ist eine Frechheit, der Bauzaun steht seit Wochen.")
    department = create_department(org, "Tiefbauamt", "66")
    clock.set_time(at("2026-11-18 10:30"))
    forward = forwarding.create_forward(db.session.get(Conversation, forwarded.id), department, editor.id, "Bauzaun?")
    db.session.info.pop("jobs", None)
    db.session.commit()
    clock.set_time(at("2026-11-18 14:00"))
    forwarding.answer(forward, "Wird am Freitag abgebaut.", author_label="Tiefbauamt")
    db.session.info.pop("jobs", None)
    db.session.commit()
    editor_replies(forwarded, editor, "2026-11-18 14:20")
    # Monday 30 November 08:00, high priority, never answered: due 08:30, overdue when the report is read.
    late = citizen_writes(post_webhook, citizen_message, channel, "2026-11-30 08:00", text="Wann kommt der Bus?")
    late.priority = "high"
    db.session.commit()
    roll_up("2026-12-28 12:00")
    return org, editor


def test_response_and_resolution_times_in_business_time(client, auth, create_org, create_user, create_channel,
                                                         post_webhook, citizen_message):
    org, _editor = history(create_org, create_user, create_channel, post_webhook, citizen_message)
    auth.login(create_user(org, "lead"))
    rows = rows_of(client.get(f"/berichte/zeiten.csv?{PERIOD}").data)
    times = section(rows, "Erste Antwort und Lösung in Geschäftszeit (Minuten)")
    # First responses 50, 60, 75: median 60, p90 (nearest rank, 3rd of 3) 75. One resolution: 120.
    assert times[0][:4] == ["Erste Antwort", "3", "60", "75"]
    assert times[1][:4] == ["Lösung", "1", "120", "120"]


def test_sla_attainment_breaches_and_out_of_hours(client, auth, create_org, create_user, create_channel,
                                                  post_webhook, citizen_message):
    org, _editor = history(create_org, create_user, create_channel, post_webhook, citizen_message)
    auth.login(create_user(org, "lead"))
    rows = rows_of(client.get(f"/berichte/sla.csv?{PERIOD}").data)
    sla = section(rows, "SLA-Einhaltung der ersten Antwort je Kanal und Priorität")
    assert ["Kontaktformular", "hoch", "0", "0", "1", "0.0 %"] in sla
    assert ["Kontaktformular", "normal", "3", "0", "0", "100.0 %"] in sla
    assert section(rows, "Verstöße") == [["1"]]
    rows = rows_of(client.get(f"/berichte/servicezeit.csv?{PERIOD}").data)
    assert section(rows, "Nachrichten außerhalb der Servicezeit")[0] == ["Zeitraum", "4", "1", "25.0 %"]
    assert section(rows, "Wartezeit bis zur Öffnung (Minuten, Uhrzeit)")[0] == ["Zeitraum", "1", "630", "630"]


def test_volume_heatmap_mood_and_forwards(client, auth, create_org, create_user, create_channel, post_webhook,
                                          citizen_message):
    org, _editor = history(create_org, create_user, create_channel, post_webhook, citizen_message)
    auth.login(create_user(org, "lead"))
    rows = rows_of(client.get(f"/berichte/volumen.csv?{PERIOD}").data)
    days = section(rows, "Eingänge je Tag und Kanal")
    assert ["2026-11-13", "1", "1"] in days and ["2026-12-24", "1", "1"] in days and ["2026-11-14", "0", "0"] in days
    grid = section(rows_of(client.get(f"/berichte/wochenraster.csv?{PERIOD}").data),
                   "Eingänge nach Wochentag und Stunde (Ortszeit)")
    assert grid[4][1 + 21] == "1" and grid[3][1 + 22] == "1" and grid[2][1 + 10] == "1" and grid[0][1 + 8] == "1"
    mood = rows_of(client.get(f"/berichte/stimmung.csv?{PERIOD}").data)
    assert section(mood, "Stimmung je Kanal") == [["Kontaktformular", "1", "2", "1", "25.0 %"]]
    forwards = section(rows_of(client.get(f"/berichte/weiterleitungen.csv?{PERIOD}").data),
                       "Weiterleitungen je Fachamt (Geschäftszeit der Fachämter, Minuten)")
    # 10:30 to 14:00 on a Wednesday: 210 minutes; answered before its due time.
    assert forwards == [["Tiefbauamt", "1", "1", "210", "210", "0.0 %"]]


def test_a_mood_correction_wins_in_the_report(client, auth, create_org, create_user, create_channel, post_webhook,
                                              citizen_message):
    from inbox.conversations.models import Message
    from inbox.reports.operations import correct_mood

    org, editor = history(create_org, create_user, create_channel, post_webhook, citizen_message)
    question = db.session.scalar(select(Message).where(Message.text == "Wann kommt der Bus?"))
    correct_mood(question, "negative", editor.id)
    db.session.commit()
    roll_up("2026-12-28 13:00")
    auth.login(create_user(org, "lead"))
    mood = rows_of(client.get(f"/berichte/stimmung.csv?{PERIOD}").data)
    assert section(mood, "Stimmung je Kanal") == [["Kontaktformular", "2", "1", "1", "50.0 %"]]


def test_the_page_shows_charts_with_their_tables(client, auth, create_org, create_user, create_channel,
                                                 post_webhook, citizen_message):
    org, _editor = history(create_org, create_user, create_channel, post_webhook, citizen_message)
    auth.login(create_user(org, "lead"))
    page = html(client.get(f"/berichte?{PERIOD}"))
    for chart in ("chart-volumen", "chart-wochenraster", "chart-stimmung"):
        assert '<svg class="chart' in page and f'id="{chart}"' in page
    assert "<caption>Eingänge je Tag und Kanal</caption>" in page
    assert "Schlagwörter (Tags) gibt es noch nicht" in page
    assert "Je Person" not in page


def test_per_editor_figures_only_once_the_organization_turned_them_on(client, auth, create_org, create_user,
                                                                      create_channel, post_webhook, citizen_message):
    from inbox.audit.models import AuditEvent

    org, _editor = history(create_org, create_user, create_channel, post_webhook, citizen_message)
    lead = create_user(org, "lead")
    auth.login(lead)
    assert client.post_form("/berichte/einstellungen", {"per_editor": "y"}).status_code == 403
    auth.logout()
    auth.login(create_user(org, "admin"))
    assert client.post_form("/berichte/einstellungen", {"per_editor": "y"}).status_code == 303
    assert db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "reports.per_editor_changed")).one() == {"enabled": True}
    auth.logout()
    auth.login(lead)
    rows = rows_of(client.get(f"/berichte/personen.csv?{PERIOD}").data)
    assert section(rows, "Je Person: erste Antworten (Geschäftszeit, Minuten)")[0] == ["Eva Editor", "3", "60"]


def test_pdf_export(client, auth, create_org, create_user, create_channel, post_webhook, citizen_message):
    org, _editor = history(create_org, create_user, create_channel, post_webhook, citizen_message)
    auth.login(create_user(org, "lead"))
    response = client.get(f"/berichte/bericht.pdf?{PERIOD}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_a_wrong_period_is_a_clear_400(client, auth, create_org, create_user):
    org = create_org()
    auth.login(create_user(org, "lead"))
    response = client.get("/berichte/zeiten.csv?von=2026-12-01&bis=2026-11-01")
    assert response.status_code == 400 and "Der Beginn liegt nach dem Ende" in html(response)
    assert client.get("/berichte/zeiten.csv?von=gestern").status_code == 400

