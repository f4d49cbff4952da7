"""The whole loop over HTTP with a real SMTP server on loopback, and answers by e-mail over real IMAP."""

from __future__ import annotations

import io
from email.message import EmailMessage

from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.extensions import db
from inbox.forwarding.models import Forward
from inbox.notifications.models import Notification
from tests.forwarding.conftest import link_in

PDF = b"%PDF-1.4\n% Lageplan\n"


def _forward_via_http(client, auth, city, **extra):
    auth.login(city.editor)
    data = {"department": city.ordnung.id, "question": "Gibt es eine Genehmigung für Musik am Marktplatz?"}
    data.update(extra)
    return client.post_form(f"/conversations/{city.conversation.id}/forwards", data,
                            content_type="multipart/form-data")


def test_editor_forwards_press_office_answers_by_link_editor_uses_answer_and_resolves(app, client, auth, city,
                                                                                       smtp):
    auth.login(city.editor)
    page = client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)
    assert "An Fachamt weiterleiten" in page
    assert "Warum ist die Musik am Marktplatz nachts so laut?</textarea>" in page  # question prefilled

    response = _forward_via_http(client, auth, city, files=[(io.BytesIO(PDF), "lageplan.pdf")])
    assert response.status_code == 303
    page = client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)
    assert "wartet auf Fachamt" in page
    assert "An Fachamt Ordnungsamt weitergeleitet" in page
    forward = db.session.scalar(select(Forward))
    assert forward.state == "open" and forward.files[0].filename == "lageplan.pdf"

    recipients, mail = smtp.deliveries[0]
    assert recipients == ["presse.ordnung@rheinfeld.example"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Gibt es eine Genehmigung für Musik am Marktplatz?" in body
    assert "Karin Vogel" not in body and "k.vogel@example.net" not in body
    assert mail["Reply-To"] == f"presse+fw-{forward.token}@rheinfeld.example"

    press = app.test_client()
    opened = press.get(link_in(mail))
    assert opened.status_code == 303
    portal = press.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Gibt es eine Genehmigung" in portal and "Karin Vogel" not in portal
    assert press.get(f"/portal/forwards/{forward.id}/files/{forward.files[0].id}").data == PDF
    answered = press.post_form(f"/portal/forwards/{forward.id}/answer",
                               {"answer-text": "Ja, bis 22 Uhr genehmigt. Danach greift das Ordnungsamt ein."})
    assert answered.status_code == 303, answered.get_data(as_text=True)[-800:]

    db.session.expire_all()
    assert forward.state == "answered"
    assert city.conversation.status == "open"
    note = db.session.scalar(select(Notification).where(Notification.user_id == city.editor.id))
    assert "Antwort von Ordnungsamt" in note.text
    assert any(r == [city.editor.email] for r, _m in smtp.deliveries)
    assert '<span class="badge"' in client.get("/notifications").get_data(as_text=True)

    page = client.get(f"/conversations/{city.conversation.id}?use_answer={forward.id}").get_data(as_text=True)
    assert "Ja, bis 22 Uhr genehmigt. Danach greift das Ordnungsamt ein.</textarea>" in page
    assert "Antwort übernehmen" in page
    client.post_form(f"/conversations/{city.conversation.id}/reply", {"text": "Ja, bis 22 Uhr genehmigt."})
    # The reply is not out (no mail server for the citizen's address): resolving asks first, then resolves.
    client.post_form(f"/conversations/{city.conversation.id}/resolve", {"confirmed": "1"})
    db.session.expire_all()
    assert forward.state == "closed" and city.conversation.status == "resolved"
    history = client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)
    for label in ("Fachamt Ordnungsamt hat geantwortet", "Weiterleitung an Fachamt Ordnungsamt abgeschlossen",
                  "E-Mail an die Pressestelle gesendet"):
        assert label in history


def test_contact_data_goes_along_only_when_ticked(app, client, auth, city, smtp):
    _forward_via_http(client, auth, city, include_contact="y", include_messages="y")
    forward = db.session.scalar(select(Forward))
    body = smtp.deliveries[0][1].get_body(preferencelist=("plain",)).get_content()
    assert "Karin Vogel" in body and "k.vogel@example.net" in body
    assert forward.context["contact"]["email"] == "k.vogel@example.net"
    assert "Warum ist die Musik" in forward.context["messages"][0]["text"]


def test_two_departments_at_once_and_waiting_until_both_settled(app, client, auth, city, make_forward):
    from inbox.forwarding.operations import answer, decline
    from inbox.forwarding.queries import waiting_intervals

    first, second = make_forward(city.ordnung), make_forward(city.verkehr)
    assert city.conversation.status == "waiting"
    answer(first, "Antwort eins", author_id=city.officer.id)
    db.session.commit()
    assert city.conversation.status == "waiting"
    decline(second, "Nicht unser Thema", city.ordnung, author_id=city.other_officer.id)
    db.session.commit()
    assert city.conversation.status == "open"
    [(start, end)] = waiting_intervals(city.conversation.id)
    assert start == first.created_at and end == second.settled_at
    auth.login(city.editor)
    page = client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)
    assert "Fachamt Amt für Verkehr hat abgelehnt: Nicht unser Thema Vorschlag: Ordnungsamt" in page
    assert "An Ordnungsamt weiterleiten" in page


def test_question_back_and_editor_reply(app, client, auth, city, smtp, make_forward):
    forward = make_forward()
    auth.login(city.officer)
    client.post_form(f"/portal/forwards/{forward.id}/ask", {"ask-text": "Welcher Abschnitt des Marktplatzes?"})
    db.session.expire_all()
    assert forward.state == "clarification" and city.conversation.status == "waiting"
    assert db.session.scalar(select(Notification.text).where(Notification.user_id == city.editor.id)).startswith(
        "Rückfrage von Ordnungsamt")
    auth.logout()
    auth.login(city.editor)
    page = client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)
    assert "Welcher Abschnitt des Marktplatzes?" in page and "Rückfrage beantworten" in page
    client.post_form(f"/forwards/{forward.id}/reply", {"text": "Die Nordseite am Brunnen."})
    db.session.expire_all()
    assert forward.state == "open"
    clarified = smtp.deliveries[-1][1]
    assert clarified["Subject"].startswith("Antwort auf Ihre Rückfrage")
    assert "Die Nordseite am Brunnen." in clarified.get_body(preferencelist=("plain",)).get_content()


def test_hand_over_to_colleague_and_decline_with_suggestion(app, client, auth, city, smtp, make_forward):
    forward = make_forward()
    auth.login(city.officer)
    client.post_form(f"/portal/forwards/{forward.id}/handover", {"officer": city.colleague.id})
    db.session.expire_all()
    assert forward.officer_id == city.colleague.id
    assert smtp.deliveries[-1][0] == [city.colleague.email]
    client.post_form(f"/portal/forwards/{forward.id}/decline",
                     {"reason": "Zuständig ist das Verkehrsamt.", "suggested": city.verkehr.id})
    db.session.expire_all()
    assert forward.state == "declined" and forward.suggested_department_id == city.verkehr.id
    assert city.conversation.status == "open"


def _reply_mail(original, sender: str, text: str, auth_results: str = "") -> bytes:
    reply = EmailMessage()
    if auth_results:
        reply["Authentication-Results"] = auth_results
    reply["From"] = sender
    reply["To"] = original["Reply-To"]
    reply["Subject"] = "AW: " + original["Subject"]
    reply["Message-ID"] = "<antwort-1@ordnung.example>"
    reply["In-Reply-To"] = original["Message-ID"]
    quoted = "\n".join("> " + line for line in original.get_body(preferencelist=("plain",)).get_content().splitlines())
    reply.set_content(f"{text}\n\nAm 23.12.2026 um 15:00 schrieb Mitreden <presse@rheinfeld.example>:\n{quoted}\n")
    return bytes(reply)


def test_answer_by_replying_to_the_notification_email_over_imap(app, city, smtp, imap, make_forward):
    from inbox import jobs
    from inbox.forwarding.tasks import fetch_forward_replies

    # Our receiving server vouches for the press office's domain (tests/forwarding/test_mail_auth.py: when not).
    app.config["SETTINGS"]["mail"]["auth_serv_id"] = "mx.rheinfeld.example"
    signed = "mx.rheinfeld.example; dkim=pass header.d=rheinfeld.example"
    forward = make_forward()
    jobs.run_ready()
    original = smtp.deliveries[0][1]
    imap.append(_reply_mail(original, "presse.ordnung@rheinfeld.example", "Genehmigt bis 22 Uhr.", signed))
    imap.append(_reply_mail(original, "fremder@example.com", "Ich bin nicht zuständig, aber ..."
                             ).replace(b"antwort-1", b"antwort-2"))

    fetch_forward_replies()
    db.session.commit()
    db.session.expire_all()
    assert forward.state == "answered"
    [entry] = forward.entries
    assert entry.text == "Genehmigt bis 22 Uhr." and entry.via == "email"
    assert imap.unseen() == 0
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "forward.mail_ignored"))

    imap.append(_reply_mail(original, "presse.ordnung@rheinfeld.example", "Genehmigt bis 22 Uhr.", signed))
    fetch_forward_replies()  # the same mail again (same Message-ID) is stored once
    db.session.commit()
    db.session.expire_all()
    assert len(forward.entries) == 1


def test_quoted_history_is_stripped():
    from inbox.forwarding.replies import strip_quoted

    outlook = "Ja, genehmigt.\n\n-----Ursprüngliche Nachricht-----\nVon: Mitreden\nFrage: ..."
    assert strip_quoted(outlook) == "Ja, genehmigt."
    wrapped = "Antwort\n\nAm 23.12.2026 um 15:00 schrieb Mitreden\n<presse@rheinfeld.example>:\n> alt"
    assert strip_quoted(wrapped) == "Antwort"
    assert strip_quoted("Oben\n> zitiert\nUnten\nVon: Presse <p@x.de>\nGesendet: heute") == "Oben\nUnten"
