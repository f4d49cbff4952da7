"""Raw events that did not become messages: visible to admins, escaped, and re-processable after a fix."""

import json

from sqlalchemy import func, select

from inbox.audit.models import AuditEvent
from inbox.channels.adapters import webform
from inbox.channels.models import RawEvent
from inbox.conversations.models import Message
from inbox.extensions import db

BASE = "/admin/kanaele"


def html(response) -> str:
    return response.get_data(as_text=True)


def events_of(channel, status: str = "failed") -> list[RawEvent]:
    return list(db.session.scalars(select(RawEvent).where(RawEvent.channel_id == channel.id,
                                                          RawEvent.status == status).order_by(RawEvent.id)))


def naive_time_message(citizen_message, external_id="zeit-1"):
    # A CMS that sends local times without a zone: the adapter refuses them.
    return citizen_message(external_id, text="Wann öffnet das Bürgerbüro?", sent_at="2024-05-02T09:30:00")


def accept_naive_times(monkeypatch):
    """The "fix": read times without a zone as UTC."""
    original = webform._parse_time

    def lenient(value):
        if value and "+" not in value and not value.endswith("Z"):
            value += "+00:00"
        return original(value)

    monkeypatch.setattr(webform, "_parse_time", lenient)


def test_failed_events_are_listed_with_time_error_size_and_preview(client, create_org, create_channel, post_webhook,
                                                                   citizen_message, admin_of):
    org = create_org()
    channel = create_channel(org)
    body = json.dumps(naive_time_message(citizen_message), ensure_ascii=False).encode()
    assert post_webhook(channel, body).status_code == 400
    admin_of(org)
    page = html(client.get(f"{BASE}/{channel.id}/ereignisse"))
    assert "&#39;sent_at&#39; needs a time zone" in page
    assert f"{len(body)} Bytes" in page
    assert "Wann öffnet das Bürgerbüro?" in page
    assert "Fehlgeschlagen (1)" in page


def test_body_preview_is_escaped(client, create_org, create_channel, post_webhook, admin_of):
    org = create_org()
    channel = create_channel(org)
    post_webhook(channel, b'<script>alert("gehackt")</script><img src=x onerror=alert(1)>')
    admin_of(org)
    page = html(client.get(f"{BASE}/{channel.id}/ereignisse"))
    assert "&lt;script&gt;alert(&#34;gehackt&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_preview_shows_only_the_start_and_survives_broken_utf8(client, create_org, create_channel, post_webhook,
                                                                admin_of):
    org = create_org()
    channel = create_channel(org)
    body = b"\xff\xfe" + b"A" * 3000 + b"ENDE-DES-KOERPERS"
    post_webhook(channel, body)
    admin_of(org)
    page = html(client.get(f"{BASE}/{channel.id}/ereignisse"))
    assert f"{len(body)} Bytes" in page
    assert "\ufffd\ufffd" + "A" * 2046 + " …" in page
    assert "ENDE-DES-KOERPERS" not in page


def test_failed_event_is_reprocessed_after_a_fix(client, create_org, create_channel, create_user, post_webhook,
                                                 citizen_message, admin_of, monkeypatch):
    org = create_org()
    channel = create_channel(org)
    post_webhook(channel, naive_time_message(citizen_message))
    event = events_of(channel)[0]
    admin_of(org)

    # Without a fix it fails again, with the error of this run.
    page = html(client.post_form(f"{BASE}/ereignisse/{event.id}/erneut", follow_redirects=True))
    db.session.refresh(event)
    assert event.status == "failed" and event.attempts == 1 and "needs a time zone" in event.error
    assert "1 Versuch(e)" in page

    accept_naive_times(monkeypatch)
    page = html(client.post_form(f"{BASE}/ereignisse/{event.id}/erneut", follow_redirects=True))
    db.session.refresh(event)
    assert event.status == "processed" and event.error == "" and event.attempts == 2
    assert "Fehlgeschlagen (0)" in page
    message = db.session.scalar(select(Message).where(Message.raw_event_id == event.id))
    assert message.text == "Wann öffnet das Bürgerbüro?"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "channel.events_reprocessed")) is not None


def test_reprocessed_message_appears_in_the_editors_inbox(client, create_org, create_channel, create_user, auth,
                                                          post_webhook, citizen_message, monkeypatch):
    from inbox.channels.operations import reprocess_events
    from inbox.jobs import run_ready

    org = create_org()
    channel = create_channel(org)
    post_webhook(channel, naive_time_message(citizen_message))
    accept_naive_times(monkeypatch)
    reprocess_events(channel, [e.id for e in events_of(channel)])
    db.session.commit()
    run_ready()
    auth.login(create_user(org, "editor"))
    conversation_id = db.session.scalar(select(Message.conversation_id))
    assert f'href="/conversations/{conversation_id}"' in html(client.get("/inbox"))
    assert "Wann öffnet das Bürgerbüro?" in html(client.get(f"/conversations/{conversation_id}"))


def test_all_failed_events_of_a_channel_are_reprocessed(client, create_org, create_channel, post_webhook,
                                                        citizen_message, admin_of, monkeypatch):
    org = create_org()
    channel, other = create_channel(org), create_channel(org, name="Zweites Formular")
    for number in range(3):
        post_webhook(channel, naive_time_message(citizen_message, f"zeit-{number}"))
    post_webhook(channel, b"bleibt kaputt")
    post_webhook(other, naive_time_message(citizen_message, "anderer-kanal"))
    accept_naive_times(monkeypatch)
    admin_of(org)
    page = html(client.post_form(f"{BASE}/{channel.id}/ereignisse/erneut", {"status": "failed"},
                                 follow_redirects=True))
    assert "4 Ereignis(se) werden erneut verarbeitet." in page
    assert len(events_of(channel, "processed")) == 3
    assert [e.body for e in events_of(channel)] == [b"bleibt kaputt"]
    assert len(events_of(other)) == 1  # another channel's events are untouched
    assert db.session.scalar(select(func.count()).select_from(Message)) == 3


def test_processed_event_is_not_processed_again(client, create_org, create_channel, post_webhook, citizen_message,
                                                admin_of):
    org = create_org()
    channel = create_channel(org)
    post_webhook(channel, citizen_message())
    event = events_of(channel, "processed")[0]
    admin_of(org)
    page = html(client.post_form(f"{BASE}/ereignisse/{event.id}/erneut", follow_redirects=True))
    assert "schon verarbeitet" in page
    db.session.refresh(event)
    assert event.status == "processed" and event.attempts == 1


def test_ignored_events_are_listed_and_can_be_reprocessed(client, create_org, create_channel, fakechat, admin_of):
    org = create_org()
    channel = create_channel(org, "fakechat")
    client.post(f"/webhooks/{channel.slug}", data=b'{"type": "ping"}', content_type="application/json")
    event = events_of(channel, "ignored")[0]
    admin_of(org)
    page = html(client.get(f"{BASE}/{channel.id}/ereignisse?status=ignored"))
    assert "Ignoriert (1)" in page and "ping" in page
    client.post_form(f"{BASE}/ereignisse/{event.id}/erneut")
    db.session.refresh(event)
    assert event.status == "ignored" and event.attempts == 2


def test_adapter_crash_marks_the_event_failed_with_the_reason(client, create_org, create_channel, fakechat,
                                                              admin_of):
    from inbox.channels.tasks import process_raw_events

    org = create_org()
    channel = create_channel(org, "fakechat")
    event = RawEvent(organization_id=org.id, channel_id=channel.id, body=b'{"type": "crash"}',
                     content_type="application/json")
    db.session.add(event)
    db.session.commit()
    process_raw_events([event.id])
    db.session.commit()
    assert event.status == "failed" and "KeyError" in event.error
    admin_of(org)
    assert "Interner Fehler beim Verarbeiten: KeyError" in html(client.get(f"{BASE}/{channel.id}/ereignisse"))


def test_unknown_status_filter_is_400(client, create_org, create_channel, admin_of):
    org = create_org()
    channel = create_channel(org)
    admin_of(org)
    assert client.get(f"{BASE}/{channel.id}/ereignisse?status=processed").status_code == 400
    assert client.post_form(f"{BASE}/{channel.id}/ereignisse/erneut", {"status": "processed"}).status_code == 400


def test_adapter_crash_in_the_webhook_keeps_the_event_and_answers_400(client, create_org, create_channel, fakechat):
    from sqlalchemy import select

    from inbox.channels.models import RawEvent
    from inbox.extensions import db

    channel = create_channel(create_org(), "fakechat")
    response = client.post(f"/webhooks/{channel.slug}", data=b'{"type": "crash"}', content_type="application/json")
    assert response.status_code == 400
    assert "cannot be parsed (KeyError)" in response.json["error"]
    event = db.session.scalar(select(RawEvent))
    assert event.status == "failed" and event.body == b'{"type": "crash"}'
