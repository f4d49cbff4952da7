"""What the citizens of Rheinfeld write on each channel, and the demo channels themselves.

Each conversation says how it stands when the demo starts: `due` is the SLA due time in minutes
from now (negative: overdue), `answered` gives the editor's reply (and whether the case is then
resolved), `forward` the department it waits on with the question for the press office. Times
are relative to the moment the demo is seeded, so an inbox opened at any hour looks the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (kind, channel name, slug, settings, credentials) - api_base and mail servers are added by the stand-ins.
CHANNELS = [
    ("webform", "Kontaktformular rheinfeld.de", "kontakt", {"smtp_from": "buergerservice@rheinfeld.example"}, {}),
    ("email", "buergerservice@rheinfeld.example", "buergerpost",
     {"address": "buergerservice@rheinfeld.example", "smtp_from": "buergerservice@rheinfeld.example"},
     {"imap_user": "buergerservice", "imap_password": "demo"}),
    ("facebook", "Facebook: Stadt Rheinfeld", "facebook", {"page_id": "104857600123456"},
     {"app_secret": "demo-app-secret", "verify_token": "demo-verify", "access_token": "EAAdemo"}),
    ("instagram", "Instagram: @stadt.rheinfeld", "instagram", {"instagram_id": "17841400000000001"},
     {"app_secret": "demo-app-secret", "verify_token": "demo-verify", "access_token": "IGQdemo"}),
    ("x", "X: @StadtRheinfeld", "x", {"user_id": "1500000000000000001"},
     {"consumer_secret": "demo-consumer-secret", "access_token": "demo-x-token"}),
    ("mastodon", "Mastodon: @stadt@rheinfeld.social", "mastodon", {}, {"access_token": "demo-mastodon-token"}),
    ("bluesky", "Bluesky: @stadt-rheinfeld.bsky.social", "bluesky", {},
     {"identifier": "stadt-rheinfeld.bsky.social", "app_password": "demo-app-pass"}),
    ("threads", "Threads: @stadt.rheinfeld", "threads", {"user_id": "26000000000000001", "username": "stadt.rheinfeld"},
     {"app_secret": "demo-app-secret", "verify_token": "demo-verify", "access_token": "THdemo"}),
    ("youtube", "YouTube: Stadt Rheinfeld", "youtube", {"youtube_channel_id": "UCrheinfeldDemo0000000001"},
     {"access_token": "ya29.demo", "refresh_token": "1//demo", "client_id": "demo", "client_secret": "demo"}),
    ("whatsapp", "WhatsApp: Bürgerservice", "whatsapp", {"phone_number_id": "110000000000001"},
     {"app_secret": "demo-app-secret", "verify_token": "demo-verify", "access_token": "EAAwhatsapp"}),
]


@dataclass
class Seeded:
    """One citizen conversation: who wrote what where, and how it stands now."""

    kind: str
    name: str
    author: str  # the platform's id of the citizen (e-mail address, PSID, wa_id, DID, ...)
    text: str
    handle: str = ""
    subject: str = ""
    thread: str = ""  # thread key: "post:<id>" for comments, "dm:<id>" for private messages, ...
    external_id: str = ""
    public: bool = False
    due: int = 90  # SLA due time in minutes from now
    priority: str = "normal"
    answered: str = ""
    resolved: bool = False
    forward: tuple[str, str] | None = None  # (department short name, question for the press office)
    hours_ago: float = 0  # for answered ones: when the citizen wrote
    extra: dict = field(default_factory=dict)


FB_POST = "104857600123456_880011223344"
IG_MEDIA = "17990011223344556"
YT_VIDEO = "Rh3infeldDem"

CONVERSATIONS = [
    # --- web form -------------------------------------------------------------------------------------
    Seeded("webform", "Karin Vogel", "k.vogel@example.net", "Guten Tag, wie kann ich einen Termin für die Sperrmüllabholung vereinbaren? Online finde ich nichts.", subject="Sperrmüll-Termin", due=12),
    Seeded("webform", "Dirk Hansen", "d.hansen@example.net", "Wie lange dauert die Baustelle an der Hauptstraße noch? Der Umweg kostet jeden Tag 20 Minuten.", subject="Baustelle Hauptstraße", forward=("66", "Bis wann ist die Baustelle Hauptstraße voraussichtlich fertig? Gibt es eine kürzere Umleitung für Pendler?")),
    Seeded("webform", "Selin Kaya", "selin.k@example.net", "Wir haben seit März keine Rückmeldung zu unserem Kita-Antrag bekommen. An wen kann ich mich wenden?", subject="Kita-Platz", due=-25, priority="high"),
    Seeded("webform", "Uwe Krämer", "uwe.kraemer@example.net", "Ein großes Dankeschön an die Feuerwehr für den schnellen Einsatz gestern Abend in der Lindenallee!", subject="Lob an die Feuerwehr", answered="Vielen Dank, Herr Krämer! Wir geben Ihr Lob sehr gern an die Kolleginnen und Kollegen der Feuerwehr weiter.", resolved=True, hours_ago=26),
    Seeded("webform", "Jonas Weber", "jonas.w@example.net", "In der Birkenstraße 12 ist seit einer Woche die Laterne aus. Abends ist es dort richtig dunkel.", subject="Straßenlaterne defekt", due=75),
    Seeded("webform", "Lukas Keller", "l.keller@example.net", "Ist <b>HTML</b> hier erlaubt? <img src=x onerror=alert(1)>", subject="<script>alert('x')</script> Test", due=200),
    # --- e-mail -----------------------------------------------------------------------------------------
    Seeded("email", "Maria Schmitz", "m.schmitz@example.net", "Sehr geehrte Damen und Herren,\n\nmein Personalausweis läuft nächsten Monat ab. Gibt es im Bürgerbüro noch freie Termine vor Weihnachten, oder kann ich auch ohne Termin vorbeikommen?\n\nMit freundlichen Grüßen\nMaria Schmitz", subject="Personalausweis verlängern – Termin?", due=20),
    Seeded("email", "Peter Lange", "p.lange@example.net", "Hallo,\n\nwie beantrage ich einen Anwohnerparkausweis für die Altstadt und was kostet er? Ich bin zum 1. des Monats in die Kirchgasse gezogen.\n\nDanke und Gruß\nPeter Lange", subject="Anwohnerparkausweis Altstadt", due=-70),
    Seeded("email", "Heinz Becker", "heinz.b@example.net", "Guten Tag,\n\nseit Wochen wird nachts auf dem Marktplatz laut Musik gehört, oft bis 3 Uhr. Wer ist zuständig, das Ordnungsamt? Ich habe schon zweimal angerufen.\n\nHeinz Becker", subject="Nächtlicher Lärm am Marktplatz", forward=("32", "Ein Anwohner meldet wiederholt laute Musik nachts am Marktplatz (bis etwa 3 Uhr). Gibt es dort Kontrollen, und was können wir ihm raten?")),
    Seeded("email", "Mehmet Arslan", "m.arslan@example.net", "Sehr geehrte Damen und Herren,\n\nich möchte in der Brückenstraße ein Café eröffnen. Welche Unterlagen brauche ich für die Gewerbeanmeldung, und brauche ich zusätzlich eine Gaststättenerlaubnis?\n\nFreundliche Grüße\nMehmet Arslan", subject="Gewerbeanmeldung Café", answered="Sehr geehrter Herr Arslan,\n\nfür die Gewerbeanmeldung brauchen Sie Ihren Personalausweis und das ausgefüllte Formular GewA 1 (online unter rheinfeld.example/gewerbe). Wenn Sie Alkohol ausschenken, ist zusätzlich eine Gaststättenerlaubnis nötig.\n\nViele Grüße\nIhre Social-Media-Redaktion", hours_ago=5),
    # --- Facebook: comments under a post, Messenger -----------------------------------------------------
    Seeded("facebook", "Sabine Fuchs", "6100000000000101", "Wann wird der Spielplatz am Stadtpark endlich wieder geöffnet? Die Kinder fragen jeden Tag 😕", thread=f"post:{FB_POST}", public=True, due=8),
    Seeded("facebook", "Bernd Zimmermann", "6100000000000102", "Und wer bezahlt das alles? Die Steuern steigen doch sowieso schon.", thread=f"post:{FB_POST}", public=True, due=140),
    Seeded("facebook", "Claudia Richter", "6100000000000103", "Hallo, ich habe eine Frage zu meinem Müllgebührenbescheid, da ist die Tonnengröße falsch. Darf ich Ihnen das hier privat schreiben?", thread="dm:6100000000000103", due=-15),
    Seeded("facebook", "Kevin Meyer", "6100000000000104", "Vor der Grundschule Nord parken jeden Morgen Autos auf dem Gehweg. Bitte mal kontrollieren!", thread=f"post:{FB_POST}", public=True, answered="Danke für den Hinweis, Herr Meyer! Wir haben ihn an das Ordnungsamt weitergegeben; dort sind Kontrollen in den nächsten Tagen geplant.", hours_ago=20),
    # --- Instagram: comments, direct messages -----------------------------------------------------------
    Seeded("instagram", "", "17841400000000201", "Mega Foto vom Rheinufer! 😍 Ist die Fähre am Wochenende wieder in Betrieb?", handle="@lena.am.rhein", thread=f"post:{IG_MEDIA}", public=True, due=35),
    Seeded("instagram", "", "17841400000000202", "Hi! Kann man sich für das Stadtfest noch als Verein mit einem Stand anmelden?", handle="@tsv_rheinfeld", thread="dm:17841400000000202", due=-40),
    # --- X: mentions, direct messages -------------------------------------------------------------------
    Seeded("x", "Rainer Schäfer", "1500000000000000301", "@StadtRheinfeld Wer streut eigentlich die Nebenstraßen? In der Ahornallee war heute Morgen alles spiegelglatt.", handle="@rschaefer", thread="mentions", public=True, due=18, priority="high"),
    Seeded("x", "Nina Koch", "1500000000000000302", "Hallo, fährt die Linie 7 in den Ferien seltener? Der Fahrplan online ist widersprüchlich.", handle="@nina_koch", thread="dm:1500000000000000302", due=110),
    # --- Mastodon: public mention, direct -------------------------------------------------------------
    Seeded("mastodon", "Thomas Neumann", "109000000000000401", "@stadt Ich habe keine Wahlbenachrichtigung bekommen. Kann ich trotzdem wählen gehen?", handle="tneumann@chaos.social", public=True, due=-5),
    Seeded("mastodon", "Gisela Horn", "109000000000000402", "@stadt Findet der Seniorentreff im Rathaus weiterhin donnerstags statt? (lieber privat, danke)", handle="ghorn@rheinfeld.social", public=False, due=160),
    # --- Bluesky: mentions and replies ----------------------------------------------------------------
    Seeded("bluesky", "Sophie Wagner", "did:plc:sophiewagner00000000001", "@stadt-rheinfeld.bsky.social Der Radweg an der B9 ist voller Scherben. Kann die Stadtreinigung vorbeikommen?", handle="sophiewagner.bsky.social", public=True, due=28),
    Seeded("bluesky", "Frank Schulz", "did:plc:frankschulz000000000002", "Gibt es für den Rheinpegel eine Warnung? Unser Keller ist beim letzten Mal vollgelaufen.", handle="fschulz.bsky.social", public=True, due=-55, priority="high"),
    # --- Threads: replies to the city's posts ---------------------------------------------------------
    Seeded("threads", "", "julia.braun", "Kann ich ein Führungszeugnis eigentlich auch online beantragen?", handle="@julia.braun", thread="post:18000000000000501", public=True, due=50),
    Seeded("threads", "", "stefan.wolf.rf", "Ab wann hat der Weihnachtsmarkt geöffnet und gibt es wieder die Eisbahn? ⛸️", handle="@stefan.wolf.rf", thread="post:18000000000000501", public=True, answered="Hallo Stefan, der Weihnachtsmarkt öffnet am Freitag vor dem ersten Advent – und ja, die Eisbahn ist wieder dabei! ⛸️", resolved=True, hours_ago=30),
    # --- YouTube: comments under a video --------------------------------------------------------------
    Seeded("youtube", "Monika Krüger", "UCmonikakrueger0000000001", "Warum werden im Stadtpark so viele Bäume gefällt? Das finde ich nicht gut.", handle="Monika Krüger", public=True, due=95, subject=f"YouTube-Kommentar zu Video {YT_VIDEO}"),
    Seeded("youtube", "Ali Hassan", "UCalihassan00000000000002", "Tolles Video zur neuen Stadtbibliothek! Kann man dort auch E-Books ausleihen?", handle="Ali Hassan", public=True, due=-10, subject=f"YouTube-Kommentar zu Video {YT_VIDEO}"),
    # --- WhatsApp chats (inside the 24-hour window) ---------------------------------------------------
    Seeded("whatsapp", "Fatma Yilmaz", "4915112345601", "Hallo 👋 muss ich meinen Hund aus dem Tierheim auch anmelden? Und gibt es eine Ermäßigung bei der Hundesteuer?", handle="+4915112345601", thread="dm:4915112345601", due=15),
    Seeded("whatsapp", "Olga Petrova", "4917612345602", "Guten Tag, ich bin neu in Rheinfeld. Wie melde ich meinen Wohnsitz an und brauche ich einen Termin?", handle="+4917612345602", thread="dm:4917612345602", due=-30),
    Seeded("whatsapp", "Yusuf Demir", "4916012345603", "Kann unser Verein den Kunstrasenplatz auch samstags buchen?", handle="+4916012345603", thread="dm:4916012345603", answered="Hallo Yusuf, ja: samstags ist der Platz von 9 bis 18 Uhr buchbar, über das Sportamt (sport@rheinfeld.example). 👍", hours_ago=3),
]
