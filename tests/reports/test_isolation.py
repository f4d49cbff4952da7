"""No report shows another organization's data, nor, to a team lead, another team's."""

from inbox.extensions import db
from tests.reports.helpers import citizen_writes, roll_up
from tests.reports.test_figures import PERIOD, rows_of, section


def test_a_lead_sees_only_the_own_team_and_organization(client, auth, create_org, create_user, create_channel,
                                                        post_webhook, citizen_message):
    from inbox.orgs.operations import create_team

    org, other_org = create_org(), create_org()
    fire = create_team(org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    mine = create_channel(org, name="Kontaktformular")
    theirs = create_channel(org, name="Feuerwehr-Formular", team=fire)
    foreign = create_channel(other_org, name="Fremdes Formular")
    citizen_writes(post_webhook, citizen_message, mine, "2026-11-18 10:00", text="Wann ist Sperrmüll?")
    for _ in range(2):
        citizen_writes(post_webhook, citizen_message, theirs, "2026-11-18 11:00", text="Wann ist das Feuerwehrfest?")
    citizen_writes(post_webhook, citizen_message, foreign, "2026-11-18 12:00", text="Fremde Frage")
    roll_up("2026-11-19 12:00")

    auth.login(create_user(org, "lead"))  # lead of the central team only
    for team in ("alle", ""):
        summary = section(rows_of(client.get(f"/berichte/volumen.csv?{PERIOD}&team={team}").data),
                          "Eingänge je Kanal im Vergleich zum vorigen Zeitraum")
        assert summary == [["Kontaktformular", "1", "0", "neu"], ["Alle Kanäle", "1", "0", "neu"]]
    assert client.get(f"/berichte/volumen.csv?{PERIOD}&team={fire.id}").status_code == 404
    assert client.get(f"/berichte?{PERIOD}&team={fire.id}").status_code == 404
    page = client.get(f"/berichte?{PERIOD}").get_data(as_text=True)
    assert "Feuerwehr-Formular" not in page and "Fremdes Formular" not in page
    auth.logout()

    auth.login(create_user(org, "admin"))
    summary = section(rows_of(client.get(f"/berichte/volumen.csv?{PERIOD}").data),
                      "Eingänge je Kanal im Vergleich zum vorigen Zeitraum")
    assert summary == [["Feuerwehr-Formular", "2", "0", "neu"], ["Kontaktformular", "1", "0", "neu"],
                       ["Alle Kanäle", "3", "0", "neu"]]


def test_editors_and_press_officers_do_not_open_reports(client, auth, create_org, create_user):
    from inbox.orgs.operations import create_department

    org = create_org()
    department = create_department(org, "Ordnungsamt", "32")
    db.session.commit()
    for user in (create_user(org, "editor"), create_user(org, "press_officer", department=department)):
        auth.login(user)
        assert client.get("/berichte").status_code == 403
        assert client.get("/berichte/volumen.csv").status_code == 403
        auth.logout()
