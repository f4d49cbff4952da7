"""WhatsApp Business Cloud API: messages, media, statuses, replies and the 24-hour window."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError, OutboundReply
from inbox.channels.models import RawEvent
from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db
from tests.channels.conftest import VERIFY_TOKEN, count, only
from tests.fakeapi import Reply


@pytest.fixture(autouse=True)
def _sessions_outlast_the_clock(app, monkeypatch):
    """These tests move the clock by hours to cross service hours or messaging windows; the editor's login
    session would time out on the way (tests/accounts/test_session_timeouts.py covers that)."""
    security = app.config["SETTINGS"]["security"]
    monkeypatch.setitem(security, "session_idle_minutes", 7 * 24 * 60)
    monkeypatch.setitem(security, "session_absolute_hours", 30 * 24)


NUMBER_ID = "106540352242922"
WA_ID = "4915112345678"
TEMPLATES = [{"name": "rueckmeldung_anfrage", "language": "de", "label": "Rückmeldung zu Ihrer Anfrage"}]
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def envelope(value: dict, field: str = "messages") -> dict:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "4922112345", "phone_number_id": NUMBER_ID}, **value}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": field}]}]}


def inbound(*messages, name="Karin Vogel"):
    return envelope({"contacts": [{"profile": {"name": name}, "wa_id": WA_ID}], "messages": list(messages)})


def text_message(wamid="wamid.HBgLMQ==", body="Wann ist der Wertstoffhof geöffnet?", ts=None):
    return {"from": WA_ID, "id": wamid, "timestamp": str(int((ts or clock.now()).timestamp())), "type": "text",
            "text": {"body": body}}


def status(wamid, state, errors=None):
    item = {"id": wamid, "status": state, "timestamp": "1741597200", "recipient_id": WA_ID}
    if errors:
        item["errors"] = errors
    return envelope({"statuses": [item]})


@pytest.fixture
def wa_channel(meta_channel):
    return meta_channel("whatsapp", {"phone_number_id": NUMBER_ID, "templates": TEMPLATES})


@pytest.fixture
def frozen_now():
    clock.set_time(NOW)
    return NOW


# --- verification --------------------------------------------------------------------------------------------

def test_handshake_and_signature(client, meta_post, wa_channel):
    ok = client.get(f"/webhooks/{wa_channel.slug}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
                    "&hub.challenge=abc123")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "abc123"
    bad = client.get(f"/webhooks/{wa_channel.slug}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=abc123")
    assert bad.status_code == 403
    assert meta_post(wa_channel, inbound(text_message()), secret="forged").status_code == 401
    assert count(RawEvent) == 0


# --- inbound -------------------------------------------------------------------------------------------------

def test_text_message_with_profile_name(meta_post, wa_channel, frozen_now):
    assert meta_post(wa_channel, inbound(text_message())).status_code == 200
    message = only(Message)
    assert message.text == "Wann ist der Wertstoffhof geöffnet?" and message.sent_at == NOW
    conversation = db.session.get(Conversation, message.conversation_id)
    assert conversation.thread_key == f"dm:{WA_ID}"
    assert conversation.contact.name == "Karin Vogel" and conversation.contact.handle == f"+{WA_ID}"


def test_media_and_location_messages(meta_post, wa_channel):
    image = {"from": WA_ID, "id": "wamid.img", "timestamp": "1741597200", "type": "image",
             "image": {"caption": "Schlagloch Ringstraße", "mime_type": "image/jpeg", "sha256": "x", "id": "8812"}}
    document = {"from": WA_ID, "id": "wamid.doc", "timestamp": "1741597201", "type": "document",
                "document": {"filename": "Antrag.pdf", "mime_type": "application/pdf", "sha256": "y", "id": "8813"}}
    location = {"from": WA_ID, "id": "wamid.loc", "timestamp": "1741597202", "type": "location",
                "location": {"latitude": 51.4556, "longitude": 7.0116, "name": "Rathaus", "address": "Porscheplatz 1"}}
    meta_post(wa_channel, inbound(image, document, location))
    img = only(Message, external_id="wamid.img")
    assert img.text == "Schlagloch Ringstraße"
    assert img.attachments == [{"type": "image", "media_id": "8812", "name": "Schlagloch Ringstraße",
                                "mime_type": "image/jpeg"}]
    assert only(Message, external_id="wamid.doc").attachments[0]["name"] == "Antrag.pdf"
    assert only(Message, external_id="wamid.loc").text == "Standort: Rathaus, Porscheplatz 1 (51.4556, 7.0116)"
    assert count(Conversation) == 1


def test_reactions_unsupported_and_other_fields_are_ignored(meta_post, wa_channel):
    reaction = {"from": WA_ID, "id": "wamid.r", "timestamp": "1", "type": "reaction",
                "reaction": {"message_id": "wamid.x", "emoji": "👍"}}
    unsupported = {"from": WA_ID, "id": "wamid.u", "timestamp": "1", "type": "unsupported",
                   "errors": [{"code": 131051, "title": "Message type unknown"}]}
    assert meta_post(wa_channel, inbound(reaction, unsupported)).status_code == 200
    assert meta_post(wa_channel, envelope({"event": "APPROVED"}, field="message_template_status_update")
                     ).status_code == 200
    assert count(Message) == 0
    assert {e.status for e in db.session.scalars(select(RawEvent))} == {"ignored"}


# --- statuses ------------------------------------------------------------------------------------------------

def _sent_reply(meta_post, wa_channel, fake_api, editor_reply, wamid="wamid.out"):
    fake_api.route("POST", f"/v21.0/{NUMBER_ID}/messages",
                   {"messaging_product": "whatsapp", "contacts": [{"input": WA_ID, "wa_id": WA_ID}],
                    "messages": [{"id": wamid}]})
    meta_post(wa_channel, inbound(text_message()))
    editor_reply(only(Conversation), "Montag bis Samstag, 8 bis 16 Uhr.")
    return only(Message, direction="out")


def test_statuses_update_the_reply(meta_post, wa_channel, fake_api, editor_reply):
    reply = _sent_reply(meta_post, wa_channel, fake_api, editor_reply)
    assert reply.delivery_state == "sent"
    meta_post(wa_channel, status("wamid.out", "read"))
    meta_post(wa_channel, status("wamid.out", "delivered"))  # late and out of order: must not undo "read"
    db.session.refresh(reply)
    assert reply.delivery_state == "read"


def test_failed_status_shows_the_platform_reason(client, meta_post, wa_channel, fake_api, editor_reply):
    reply = _sent_reply(meta_post, wa_channel, fake_api, editor_reply)
    meta_post(wa_channel, status("wamid.out", "failed", [{"code": 131047, "title": "Re-engagement message",
                                                        "message": "More than 24 hours have passed"}]))
    db.session.refresh(reply)
    assert reply.delivery_state == "failed"
    assert reply.delivery_error == "Re-engagement message – More than 24 hours have passed"
    page = client.get(f"/conversations/{reply.conversation_id}").get_data(as_text=True)
    assert "fehlgeschlagen: Re-engagement message" in page


# --- sending and the 24-hour window --------------------------------------------------------------------------

def _reply(last_inbound_at, **extra):
    return OutboundReply(text="Gern geschehen.", recipient_id=WA_ID, thread_key=f"dm:{WA_ID}",
                         in_reply_to="wamid.in", extra={"last_inbound_at": last_inbound_at, **extra})


def test_text_reply_inside_the_window(fake_api, wa_channel, frozen_now):
    fake_api.route("POST", f"/v21.0/{NUMBER_ID}/messages", {"messages": [{"id": "wamid.new"}]})
    assert get_adapter("whatsapp").send(wa_channel, _reply(NOW - timedelta(hours=23, minutes=59))) == "wamid.new"
    assert fake_api.received()[0].json == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID, "type": "text",
        "text": {"body": "Gern geschehen.", "preview_url": False}, "context": {"message_id": "wamid.in"}}


def test_text_after_the_window_is_refused_without_calling_whatsapp(fake_api, wa_channel, frozen_now):
    with pytest.raises(DeliveryError) as info:
        get_adapter("whatsapp").send(wa_channel, _reply(NOW - timedelta(hours=24, seconds=1)))
    assert info.value.permanent and "24-Stunden-Fenster" in str(info.value)
    assert fake_api.requests == []


def test_template_may_be_sent_after_the_window(fake_api, wa_channel, frozen_now):
    fake_api.route("POST", f"/v21.0/{NUMBER_ID}/messages", {"messages": [{"id": "wamid.tpl"}]})
    template = {"type": "template", "name": "rueckmeldung_anfrage", "language": "de"}
    assert get_adapter("whatsapp").send(wa_channel, _reply(NOW - timedelta(days=3), attachments=[template])) \
        == "wamid.tpl"
    sent = fake_api.received()[0].json
    assert sent["type"] == "template"
    assert sent["template"] == {"name": "rueckmeldung_anfrage", "language": {"code": "de"}}


@pytest.mark.parametrize("answer, permanent", [(Reply(429, {"error": {"message": "rate"}}, {"Retry-After": "30"}),
                                                False),
                                               (Reply(503, {"error": {"message": "down"}}), False),
                                               (Reply(400, {"error": {"message": "(#131030) Recipient not in "
                                                                                 "allowed list"}}), True)])
def test_api_errors_are_sorted_into_retry_or_stop(fake_api, wa_channel, frozen_now, answer, permanent):
    fake_api.route("POST", f"/v21.0/{NUMBER_ID}/messages", answer)
    with pytest.raises(DeliveryError) as info:
        get_adapter("whatsapp").send(wa_channel, _reply(NOW - timedelta(hours=1)))
    assert info.value.permanent is permanent
    if answer.status == 429:
        assert info.value.retry_after == 30


def test_retry_delay_honours_retry_after(meta_post, wa_channel, fake_api, frozen_now):
    from inbox.conversations import delivery, operations

    fake_api.route("POST", f"/v21.0/{NUMBER_ID}/messages", Reply(429, {"error": {"message": "rate"}},
                                                                {"Retry-After": "300"}))
    meta_post(wa_channel, inbound(text_message()))
    message = operations.reply(only(Conversation), None, "Hallo")
    db.session.commit()
    db.session.info.pop("ready", None)  # run the delivery by hand to see the delay it asks for
    assert delivery.claim(message.id)
    assert delivery.send(message) == timedelta(seconds=300)
    assert message.delivery_state == "retrying"


# --- the conversation page -----------------------------------------------------------------------------------

def test_page_shows_open_window_then_template_only(client, meta_post, wa_channel, editor_reply, fake_api, frozen_now):
    fake_api.route("POST", f"/v21.0/{NUMBER_ID}/messages", {"messages": [{"id": "wamid.a"}]})
    meta_post(wa_channel, inbound(text_message()))
    conversation = only(Conversation)
    page = editor_reply(conversation, "Erste Antwort").get_data(as_text=True)
    # 09:00 UTC + 24 h, shown in Berlin time (CET, UTC+1)
    assert "24-Stunden-Fenster offen bis 11.03.2025 10:00" in page
    assert "Fenster geschlossen" not in page
    clock.set_time(NOW + timedelta(hours=25))
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "Fenster geschlossen: nur Vorlage" in page
    assert "Rückmeldung zu Ihrer Anfrage" in page


def test_free_text_after_the_window_is_refused_before_queuing(client, meta_post, wa_channel, auth, create_user,
                                                              fake_api, frozen_now):
    meta_post(wa_channel, inbound(text_message()))
    conversation = only(Conversation)
    auth.login(create_user(conversation.channel.team.organization, "editor"))
    clock.set_time(NOW + timedelta(hours=30))
    response = client.post_form(f"/conversations/{conversation.id}/reply", {"text": "Zu spät"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Das 24-Stunden-Fenster ist geschlossen" in page and "nur eine freigegebene Vorlage" in page
    assert "Zu spät</textarea>" in page  # the editor's text is kept for a template or a note
    assert count(Message, direction="out") == 0
    assert fake_api.requests == []


def test_template_is_sent_from_the_conversation_page(client, meta_post, wa_channel, auth, create_user, fake_api,
                                                     frozen_now):
    fake_api.route("POST", f"/v21.0/{NUMBER_ID}/messages", {"messages": [{"id": "wamid.tpl"}]})
    meta_post(wa_channel, inbound(text_message()))
    conversation = only(Conversation)
    auth.login(create_user(conversation.channel.team.organization, "editor"))
    clock.set_time(NOW + timedelta(days=2))
    assert client.post_form(f"/conversations/{conversation.id}/reply", {"text": "Zu spät"}).status_code == 409
    response = client.post_form(f"/conversations/{conversation.id}/whatsapp-vorlage",
                                {"template": "rueckmeldung_anfrage"})
    assert response.status_code == 303
    sent = fake_api.received("POST", f"/v21.0/{NUMBER_ID}/messages")
    assert len(sent) == 1 and sent[0].json["template"]["name"] == "rueckmeldung_anfrage"
    assert sent[0].json["to"] == WA_ID
    template_msg = only(Message, external_id="wamid.tpl")
    assert template_msg.delivery_state == "sent" and template_msg.text == "Vorlage: Rückmeldung zu Ihrer Anfrage"


def test_unknown_template_is_refused(client, meta_post, wa_channel, editor_reply, fake_api):
    meta_post(wa_channel, inbound(text_message(ts=clock.now())))
    conversation = only(Conversation)
    editor_reply(conversation, "Hallo")
    response = client.post_form(f"/conversations/{conversation.id}/whatsapp-vorlage", {"template": "erfunden"},
                                follow_redirects=True)
    assert "Bitte eine freigegebene Vorlage auswählen." in response.get_data(as_text=True)
    assert count(Message, direction="out") == 1


def test_template_route_is_only_for_whatsapp(client, meta_post, meta_channel, editor_reply, fake_api):
    from tests.channels.test_meta import feed

    fb = meta_channel("facebook")
    fake_api.route("POST", "/v21.0/444444444_555555/comments", {"id": "c"})
    meta_post(fb, feed())
    conversation = only(Conversation)
    editor_reply(conversation, "Hallo")
    response = client.post_form(f"/conversations/{conversation.id}/whatsapp-vorlage",
                                {"template": "rueckmeldung_anfrage"})
    assert response.status_code == 404


def test_whatsapp_end_to_end(meta_post, wa_channel, fake_api, editor_reply):
    reply = _sent_reply(meta_post, wa_channel, fake_api, editor_reply, wamid="wamid.e2e")
    sent = fake_api.received("POST", f"/v21.0/{NUMBER_ID}/messages")[0]
    assert sent.json["to"] == WA_ID and sent.json["context"] == {"message_id": "wamid.HBgLMQ=="}
    assert sent.json["text"]["body"] == "Montag bis Samstag, 8 bis 16 Uhr."
    assert reply.external_id == "wamid.e2e"
    meta_post(wa_channel, status("wamid.e2e", "delivered"))
    db.session.refresh(reply)
    assert reply.delivery_state == "delivered"


def test_messages_to_another_number_of_the_account_are_ignored(meta_post, wa_channel):
    payload = inbound(text_message())
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert meta_post(wa_channel, payload).status_code == 200
    assert count(Message) == 0
