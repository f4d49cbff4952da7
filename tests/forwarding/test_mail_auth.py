"""Answers by e-mail count only when our receiving server vouched for the sender; else a press officer confirms."""

from __future__ import annotations

import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.extensions import db
from inbox.forwarding.models import ForwardEntry
from inbox.notifications.models import Notification

OUR_SERVER = "mx.rheinfeld.example"


@pytest.fixture
def our_server(app):
    app.config["SETTINGS"]["mail"]["auth_serv_id"] = OUR_SERVER
    return OUR_SERVER


def reply(forward, sender: str, text: str, *auth_results: str) -> bytes:
    """A reply to the notification e-mail as it lies in our mailbox, with the receiving servers' headers."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"presse+fw-{forward.token}@rheinfeld.example"
    msg["Subject"] = f"AW: Anfrage der Social-Media-Redaktion (Nr. {forward.id}, 32)"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example>"
    msg.set_content(f"{text}\n\nAm 23.12.2026 um 15:00 schrieb Mitreden <presse@rheinfeld.example>:\n> Frage\n")
    # Each server on the way puts its header on top, folded as it likes.
    return "".join(f"Authentication-Results: {v}\r\n" for v in reversed(auth_results)).encode() + bytes(msg)


def receive(raw: bytes) -> str:
    from inbox.forwarding.replies import handle

    result = handle(raw)
    db.session.commit()
    db.session.expire_all()
    return result


def editor_page(client, auth, city) -> str:
    auth.login(city.editor)
    page = client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)
    auth.logout()
    return page


def editor_told(city) -> bool:
    return db.session.scalar(select(Notification.id).where(
        Notification.user_id == city.editor.id, Notification.text.startswith("Antwort von"))) is not None


def actions(forward) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "forward", AuditEvent.object_id == forward.id).order_by(AuditEvent.id)))


def test_forged_from_and_attacker_written_results_are_held_over_imap(app, client, auth, city, imap, our_server,
                                                                       make_forward):
    from inbox.forwarding.tasks import fetch_forward_replies

    forward = make_forward()
    # Anyone who saw a notification e-mail knows the token; the From line names a press officer.
    imap.append(reply(forward, city.officer.email, "Gefälscht: Die Musik ist bis 4 Uhr erlaubt."))
    # The attacker adds results of their own; only our server's authserv-id counts.
    imap.append(reply(forward, city.officer.email, "Auch gefälscht.",
                      f"attacker.example; dkim=pass header.d={city.officer.email.split('@')[1]}"))
    fetch_forward_replies()
    db.session.commit()
    db.session.expire_all()

    assert imap.unseen() == 0
    assert forward.state == "open" and city.conversation.status == "waiting"
    assert [e.kind for e in forward.entries] == ["held", "held"]
    assert forward.answered_at is None and not editor_told(city)
    assert actions(forward).count("forward.mail_held") == 2
    page = editor_page(client, auth, city)
    assert "Gefälscht" not in page and "Auch gefälscht" not in page and "Antwort übernehmen" not in page
    assert "Antwort per E-Mail zurückgehalten: Absender nicht geprüft" in page


def test_dkim_pass_of_our_server_is_taken_and_the_editor_sees_it_was_checked(app, client, auth, city, our_server,
                                                                              make_forward):
    forward = make_forward()
    domain = city.officer.email.split("@")[1]
    raw = reply(forward, city.officer.email, "Genehmigt bis 22 Uhr.",
                f"{OUR_SERVER};\r\n dkim=pass (2048-bit key; secure) header.d={domain} header.s=mail")
    assert receive(raw) == "answered"
    assert forward.state == "answered" and city.conversation.status == "open"
    [entry] = forward.entries
    assert (entry.kind, entry.mail_check, entry.author_id) == ("answer", "dkim", city.officer.id)
    assert editor_told(city)
    page = editor_page(client, auth, city)
    assert "Genehmigt bis 22 Uhr." in page and "per E-Mail, Absender geprüft (DKIM)" in page


def test_held_answer_is_confirmed_in_the_portal_and_then_counts(app, client, auth, city, our_server, make_forward):
    forward = make_forward()
    assert receive(reply(forward, city.officer.email, "Ja, bis 22 Uhr <b>genehmigt</b>.")) == "held"
    assert db.session.scalar(select(Notification.link).where(Notification.user_id == city.colleague.id)) == (
        f"/portal/forwards/{forward.id}")

    auth.login(city.colleague)
    assert "Antwort per E-Mail bitte bestätigen" in client.get("/portal/").get_data(as_text=True)
    page = client.get(f"/portal/forwards/{forward.id}").get_data(as_text=True)
    assert "Ja, bis 22 Uhr &lt;b&gt;genehmigt&lt;/b&gt;." in page
    assert f"Absender laut E-Mail: {city.officer.email}" in page
    assert "Bestätigen" in page and "Verwerfen" in page
    [entry] = forward.entries
    assert client.post(f"/portal/forwards/{forward.id}/mail/{entry.id}/confirm").status_code == 400  # no CSRF
    db.session.expire_all()
    assert entry.kind == "held"
    response = client.post_form(f"/portal/forwards/{forward.id}/mail/{entry.id}/confirm")
    assert response.status_code == 303
    assert "Bestätigt: Die Antwort ist an die Redaktion gegangen." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    auth.logout()

    db.session.expire_all()
    assert forward.state == "answered" and forward.answered_at and city.conversation.status == "open"
    assert (entry.kind, entry.reviewed_by_id, entry.author_id) == ("answer", city.colleague.id, city.officer.id)
    assert editor_told(city)
    steps = [a for a in actions(forward) if a.startswith(("forward.mail_", "forward.answered"))]
    assert steps == ["forward.mail_held", "forward.mail_confirmed", "forward.answered"]
    page = editor_page(client, auth, city)
    assert "per E-Mail, im Portal bestätigt von Clara Kollegin" in page and "Antwort übernehmen" in page
    assert "Antwort per E-Mail im Portal bestätigt von Clara Kollegin" in page  # the history


def test_discarded_answer_never_reaches_the_editor(app, client, auth, city, our_server, make_forward):
    forward = make_forward()
    receive(reply(forward, city.officer.email, "Nicht von uns."))
    [entry] = forward.entries
    auth.login(city.officer)
    client.post_form(f"/portal/forwards/{forward.id}/mail/{entry.id}/discard")
    page = client.get(f"/portal/forwards/{forward.id}").get_data(as_text=True)
    assert "Verworfene Antwort" in page and "im Portal verworfen von Olaf Ordnung" in page
    assert "Bestätigen" not in page
    # Discarded once is done: it cannot be confirmed afterwards.
    client.post_form(f"/portal/forwards/{forward.id}/mail/{entry.id}/confirm")
    auth.logout()
    db.session.expire_all()
    assert entry.kind == "discarded" and entry.text == "Nicht von uns."  # kept, never deleted
    assert forward.state == "open" and city.conversation.status == "waiting" and not editor_told(city)
    assert "forward.mail_discarded" in actions(forward) and "forward.mail_confirmed" not in actions(forward)
    page = editor_page(client, auth, city)
    assert "Nicht von uns." not in page and "Antwort per E-Mail im Portal verworfen von Olaf Ordnung" in page


def test_only_a_signed_in_officer_of_the_department_confirms(app, client, auth, city, our_server, make_forward):
    from inbox.forwarding import links

    forward = make_forward()
    receive(reply(forward, city.officer.email, "Bitte prüfen."))
    [entry] = forward.entries
    url = f"/portal/forwards/{forward.id}/mail/{entry.id}"
    auth.login(city.other_officer)
    assert client.post_form(f"{url}/confirm").status_code == 404
    auth.logout()
    press = app.test_client()
    assert press.get(f"/portal/link/{links.make_token(forward)}").status_code == 303
    page = press.get(f"/portal/forwards/{forward.id}").get_data(as_text=True)
    assert "Zum Bestätigen oder Verwerfen melden Sie sich bitte mit Ihrem Konto an." in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert press.post(f"{url}/confirm", data={"csrf_token": token}).status_code == 403
    assert press.post(f"{url}/discard", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert entry.kind == "held" and forward.state == "open"


@pytest.mark.parametrize(("results", "expected"), [
    ("{server}; spf=pass smtp.mailfrom=bounce@mail.{domain}", "spf"),
    ("{server}; dmarc=pass (p=reject) header.from={domain}", "dmarc"),
    ("{server}; spf=pass smtp.mailfrom=attacker.example; dkim=pass header.d=attacker.example", None),
    ("{server}; dkim=fail header.d={domain}; spf=softfail smtp.mailfrom={domain}", None),
    ("{server}; dmarc=pass header.from=attacker.example", None),
])
def test_which_results_vouch_for_the_sender(app, city, our_server, make_forward, results, expected):
    forward = make_forward()
    domain = city.officer.email.split("@")[1]
    outcome = receive(reply(forward, city.officer.email, "Antwort.", results.format(server=OUR_SERVER,
                                                                                   domain=domain)))
    assert outcome == ("answered" if expected else "held")
    assert forward.entries[0].mail_check == (expected or "")


def test_nothing_is_taken_unconfirmed_while_no_authserv_id_is_configured(app, city, make_forward):
    forward = make_forward()
    domain = city.officer.email.split("@")[1]
    assert receive(reply(forward, city.officer.email, "Antwort.", f"{OUR_SERVER}; dkim=pass header.d={domain}")
                   ) == "held"


def test_strangers_and_inactive_officers_are_still_ignored(app, city, our_server, make_forward):
    forward = make_forward()
    city.colleague.active = False
    db.session.commit()
    for sender in ("fremder@example.com", city.colleague.email):
        domain = sender.split("@")[1]
        assert receive(reply(forward, sender, "Antwort.", f"{OUR_SERVER}; dkim=pass header.d={domain}")) == "ignored"
    assert db.session.scalar(select(ForwardEntry.id)) is None and forward.state == "open"


def test_a_held_answer_does_not_end_up_in_the_editors_mail_of_a_later_answer(app, city, our_server, smtp,
                                                                              make_forward):
    from inbox import jobs
    from inbox.forwarding.operations import answer

    app.config["SETTINGS"]["forwarding"]["notify_editor_by_email"] = True
    forward = make_forward()
    receive(reply(forward, city.officer.email, "Gefälscht."))
    answer(forward, "Echte Antwort aus dem Portal.", author_id=city.officer.id)
    db.session.commit()
    receive(reply(forward, city.officer.email, "Noch eine nach der Antwort."))  # ignored: no longer owed
    jobs.run_ready()
    [body] = [m.get_body(preferencelist=("plain",)).get_content() for r, m in smtp.deliveries
              if r == [city.editor.email]]
    assert "Echte Antwort aus dem Portal." in body and "Gefälscht." not in body


# The parser on its own: RFC 8601 syntax, comments and quoted strings, only our authserv-id, alignment.

def _msg(*auth_results: str):
    lines = "".join(f"Authentication-Results: {v}\r\n" for v in auth_results)
    return message_from_bytes((lines + "From: p@stadt.de\r\n\r\nx\r\n").encode(), policy=policy.default)


@pytest.mark.parametrize(("headers", "sender", "expected"), [
    (["mx.stadt.de; dkim=pass header.d=stadt.de"], "presse@stadt.de", "dkim"),
    (["MX.Stadt.DE 1; dkim/1 = pass header.i=@Stadt.de"], "presse@stadt.de", "dkim"),
    (["mx.stadt.de; dkim=pass header.d=mail.stadt.de"], "presse@feuerwehr.stadt.de", "dkim"),  # same org domain
    (['"mx.stadt.de"; dkim=pass reason="a; b" header.d="stadt.de"'], "presse@stadt.de", "dkim"),
    (["mx.stadt.de; spf=pass smtp.mailfrom=x@stadt.de; dkim=pass header.d=stadt.de"], "presse@stadt.de", "dkim"),
    (["mx.stadt.de; none"], "presse@stadt.de", None),
    (["mx.stadt.de; dkim=pass header.d=de"], "presse@stadt.de", None),  # a public suffix aligns with nothing
    (["mx.stadt.de; dkim=pass header.d=andere-stadt.de"], "presse@stadt.de", None),
    (["mx.stadt.de; dkim=pass header.d=stadt.github.io"], "presse@evil.github.io", None),
    # A comment may contain ';' and '=': it is not a result.
    (["mx.stadt.de; dkim=fail (; dkim=pass header.d=stadt.de) header.d=stadt.de"], "presse@stadt.de", None),
    (["mx.stadt.de (; dkim=pass header.d=stadt.de"], "presse@stadt.de", None),  # unclosed comment
    (["mx.evil.example; dkim=pass header.d=stadt.de"], "presse@stadt.de", None),
    (["mx.stadt.de.evil.example; dkim=pass header.d=stadt.de"], "presse@stadt.de", None),
    (["mx.evil.example; dkim=pass header.d=stadt.de", "mx.stadt.de; dkim=none"], "presse@stadt.de", None),
    (["mx.stadt.de; dkim=pass header.d=stadt.de"], "", None),
])
def test_parse_authentication_results(headers, sender, expected):
    from inbox.core.mailauth import verified_by

    assert verified_by(_msg(*headers), {"mx.stadt.de"}, sender) == expected


def test_parse_reads_every_result_and_property():
    from inbox.core.mailauth import parse, serv_ids

    serv, results = parse('mx.stadt.de;\r\n\tdkim=pass (good) header.d=stadt.de header.s="sel 1";'
                          ' spf=neutral smtp.mailfrom=a@b.de')
    assert serv == "mx.stadt.de"
    assert [(r.method, r.result, r.props) for r in results] == [
        ("dkim", "pass", {"header.d": "stadt.de", "header.s": "sel 1"}),
        ("spf", "neutral", {"smtp.mailfrom": "a@b.de"})]
    assert parse('mx "unclosed; dkim=pass') is None
    assert serv_ids("mx1.stadt.de, MX2.stadt.de") == serv_ids(["mx1.stadt.de", "mx2.stadt.de"]) == {
        "mx1.stadt.de", "mx2.stadt.de"}
    assert serv_ids("") == set()
