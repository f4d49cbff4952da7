"""Seed data for the embedded demo: the fictional city of Rheinfeld (NRW)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from inbox.accounts.operations import create_user, grant
from inbox.channels.adapters.base import InboundMessage
from inbox.channels.operations import create_channel
from inbox.conversations import operations as conv
from inbox.conversations.models import Conversation
from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.models import Organization
from inbox.orgs.operations import create_department, create_organization, create_team

DEMO_PASSWORD = "mitreden-demo"
ORG_SLUG = "rheinfeld"

PEOPLE = [
    ("redaktion@example.org", "Jana Redakteurin", "editor", "redaktion"),
    ("tim@example.org", "Tim Schulte", "editor", "redaktion"),
    ("aylin@example.org", "Aylin Demir", "editor", "redaktion"),
    ("leitung@example.org", "Petra Leitung", "lead", "redaktion"),
    ("feuerwehr@example.org", "Marco Brandt", "editor", "feuerwehr"),
    ("admin@example.org", "Alex Admin", "admin", None),
]

# (name, e-mail, subject, text, hours ago)
MESSAGES = [
    ("Karin Vogel", "k.vogel@example.net", "Sperrmüll-Termin", "Guten Tag, wie kann ich einen Termin für die Sperrmüllabholung vereinbaren? Online finde ich nichts.", 2),
    ("Dirk Hansen", "d.hansen@example.net", "Baustelle Hauptstraße", "Wie lange dauert die Baustelle an der Hauptstraße noch? Der Umweg kostet jeden Tag 20 Minuten.", 3),
    ("Selin Kaya", "selin.k@example.net", "Kita-Platz", "Wir haben seit März keine Rückmeldung zu unserem Kita-Antrag bekommen. An wen kann ich mich wenden?", 5),
    ("Uwe Krämer", "uwe.kraemer@example.net", "Lob an die Feuerwehr", "Ein großes Dankeschön an die Feuerwehr für den schnellen Einsatz gestern Abend in der Lindenallee!", 6),
    ("Maria Schmitz", "m.schmitz@example.net", "Personalausweis", "Mein Ausweis läuft nächsten Monat ab. Gibt es noch freie Termine im Bürgerbüro vor Weihnachten?", 8),
    ("Jonas Weber", "jonas.w@example.net", "Straßenlaterne defekt", "In der Birkenstraße 12 ist seit einer Woche die Laterne aus. Abends ist es dort richtig dunkel.", 20),
    ("Fatma Yilmaz", "f.yilmaz@example.net", "Hundesteuer", "Muss ich meinen Hund aus dem Tierheim auch anmelden? Und gibt es eine Ermäßigung?", 22),
    ("Peter Lange", "p.lange@example.net", "Parkausweis Anwohner", "Wie beantrage ich einen Anwohnerparkausweis für die Altstadt und was kostet er?", 26),
    ("Lena Hoffmann", "lena.h@example.net", "Schwimmbad Öffnungszeiten", "Hat das Hallenbad in den Herbstferien geöffnet?", 30),
    ("Heinz Becker", "heinz.b@example.net", "Lärm nachts", "Seit Wochen wird nachts auf dem Marktplatz laut Musik gehört. Wer ist zuständig, das Ordnungsamt?", 33),
    ("Sophie Wagner", "s.wagner@example.net", "Radweg", "Der Radweg an der B9 ist voller Scherben. Kann die Stadtreinigung vorbeikommen?", 40),
    ("Mehmet Arslan", "m.arslan@example.net", "Gewerbeanmeldung", "Ich möchte ein Café eröffnen. Welche Unterlagen brauche ich für die Gewerbeanmeldung?", 45),
    ("Claudia Richter", "c.richter@example.net", "Grünschnitt", "Wann ist die nächste Grünschnittsammlung in Rheinfeld-Nord?", 50),
    ("Thomas Neumann", "t.neumann@example.net", "Wahlbenachrichtigung", "Ich habe keine Wahlbenachrichtigung bekommen. Kann ich trotzdem wählen?", 55),
    ("Anna Schwarz", "anna.s@example.net", "Spielplatz kaputt", "Die Schaukel auf dem Spielplatz am Stadtpark ist kaputt, das ist gefährlich für Kinder.", 60),
    ("Bernd Zimmermann", "b.zimmermann@example.net", "Müllabfuhr verpasst", "Unsere Biotonne wurde heute nicht geleert, obwohl sie draußen stand.", 70),
    ("Julia Braun", "julia.b@example.net", "Führungszeugnis", "Kann ich ein Führungszeugnis online beantragen?", 75),
    ("Ali Hassan", "a.hassan@example.net", "Wohngeld", "Wie lange dauert die Bearbeitung eines Wohngeldantrags derzeit?", 80),
    ("Monika Krüger", "m.krueger@example.net", "Bäume fällen", "Warum werden im Stadtpark so viele Bäume gefällt? Das finde ich nicht gut.", 90),
    ("Stefan Wolf", "s.wolf@example.net", "Weihnachtsmarkt", "Ab wann hat der Weihnachtsmarkt geöffnet und gibt es wieder die Eisbahn?", 96),
    ("Nina Koch", "nina.k@example.net", "Busverbindung", "Fährt die Linie 7 in den Ferien seltener? Der Fahrplan online ist widersprüchlich.", 100),
    ("Rainer Schäfer", "r.schaefer@example.net", "Glatteis", "Wer streut eigentlich die Nebenstraßen? Bei uns war heute morgen alles spiegelglatt.", 110),
    ("Emma Bauer", "emma.b@example.net", "Bibliothek", "Kann man in der Stadtbibliothek auch E-Books ausleihen?", 120),
    ("Kevin Meyer", "k.meyer@example.net", "Falschparker", "Vor der Grundschule parken jeden Morgen Autos auf dem Gehweg. Bitte kontrollieren!", 130),
    ("Sabine Fuchs", "s.fuchs@example.net", "Danke!", "Danke für die schnelle Hilfe beim Bürgerbüro letzte Woche. Sehr freundlich!", 140),
    ("Lukas Keller", "l.keller@example.net", "<script>alert('x')</script> Test", "Ist <b>HTML</b> hier erlaubt? <img src=x onerror=alert(1)>", 150),
    ("Olga Petrova", "o.petrova@example.net", "Anmeldung Wohnsitz", "Ich bin neu in Rheinfeld. Wie melde ich meinen Wohnsitz an und brauche ich einen Termin?", 160),
    ("Frank Schulz", "f.schulz@example.net", "Hochwasser", "Gibt es für den Rheinpegel eine Warnung? Unser Keller ist beim letzten Mal vollgelaufen.", 170),
    ("Gisela Horn", "g.horn@example.net", "Seniorentreff", "Findet der Seniorentreff im Rathaus weiterhin donnerstags statt?", 180),
    ("Yusuf Demir", "y.demir@example.net", "Sportplatz", "Kann unser Verein den Kunstrasenplatz auch samstags buchen?", 200),
]


def seed() -> bool:
    """Create the demo city once; returns False when it is already there."""
    if db.session.scalar(select(Organization).where(Organization.slug == ORG_SLUG)):
        return False
    org = create_organization(ORG_SLUG, "Stadt Rheinfeld", "NW")
    teams = {"redaktion": create_team(org, "redaktion", "Social-Media-Redaktion"),
             "feuerwehr": create_team(org, "feuerwehr", "Feuerwehr Rheinfeld")}
    departments = [create_department(org, "Ordnungsamt", "32", "presse.ordnungsamt@example.org"),
                   create_department(org, "Amt für Straßen und Verkehr", "66", "presse.verkehr@example.org")]
    users = _people(org, teams, departments)
    channel = create_channel(org, teams["redaktion"], "webform", "Kontaktformular rheinfeld.de", slug="kontakt",
                             credentials={"secret": secrets.token_hex(32)})
    _messages(channel, users)
    return True


def _people(org, teams, departments) -> dict[str, int]:
    users = {}
    for email, name, role, team in PEOPLE:
        user = create_user(email, name, DEMO_PASSWORD)
        grant(user, org.id, role, team_id=teams[team].id if team else None)
        users[email] = user.id
    for department, email, name in ((departments[0], "presse.ordnungsamt@example.org", "Olaf Ordnung"),
                                    (departments[1], "presse.verkehr@example.org", "Vera Verkehr")):
        user = create_user(email, name, DEMO_PASSWORD)
        grant(user, org.id, "press_officer", department_id=department.id)
    return users


def _messages(channel, users: dict[str, int]) -> None:
    start = clock.now()
    editors = [users["redaktion@example.org"], users["tim@example.org"], users["aylin@example.org"]]
    for index, (name, email, subject, text, hours) in enumerate(MESSAGES):
        with clock.frozen(start - timedelta(hours=hours)):
            inbound = InboundMessage(external_id=f"demo-{index}", text=text, author_id=email, author_name=name,
                                     author_email=email, subject=subject)
            message = conv.ingest(channel, inbound)
            conversation = message and db.session.get(Conversation, message.conversation_id)
        if conversation is None or index % 3 == 0:
            continue
        with clock.frozen(start - timedelta(hours=hours) + timedelta(minutes=25)):
            conv.assign(conversation, editors[index % 3], reason="demo")
            if index % 3 == 2 and hours > 24:
                conv.add_note(conversation, editors[index % 3], "Beantwortet nach Rücksprache mit dem Fachamt.")
                conv.resolve(conversation)


def plan_rota() -> str:
    """Plan and publish this month's rota of the demo's central team with the solver, as a lead would."""
    from inbox.jobs import run_ready, wait_background
    from inbox.orgs.models import Team
    from inbox.rota.operations import publish, rota_for, start_run

    team = db.session.scalar(select(Team).join(Organization).where(Organization.slug == ORG_SLUG,
                                                                   Team.slug == "redaktion"))
    today = clock.now().astimezone(clock.BERLIN).date()
    rota = rota_for(team, today.year, today.month)
    run = start_run(rota)
    db.session.commit()
    run_ready()
    wait_background()  # the solver runs in a thread of its own; the demo data needs its plan
    db.session.refresh(rota)
    db.session.refresh(run)
    if rota.assignments:
        publish(rota)
        db.session.commit()
    return run.message
