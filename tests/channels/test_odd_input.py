"""Odd input never gives a 500: NUL and lone surrogates in paths, forms and signed payloads, odd raw events.

PostgreSQL can neither compare nor store a NUL in text, and psycopg cannot send a lone surrogate
(JSON's "\\ud800"): each made a lookup answer 500, or a stored event fail for good.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.channels.models import RawEvent
from inbox.conversations.models import Contact, Conversation, Message
from inbox.extensions import db
from tests.channels.conftest import count, only
from tests.channels.test_meta import ig_comment
from tests.channels.test_threads import USER, reply_event
from tests.channels.test_whatsapp import NUMBER_ID, _sent_reply, inbound, status, text_message

ODD_PAGE = "Die Anfrage enthält unzulässige Zeichen."


def refused_for_odd_characters(response) -> bool:
    if response.status_code != 400:
        return False
    if response.is_json:
        return bool(response.json["error"])
    return ODD_PAGE in response.get_data(as_text=True)


# --- paths, queries and form fields ------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, content_type", [
    ("GET", "/kontakt/{slug}%00", None),
    ("GET", "/kontakt/{slug}%00/danke", None),
    ("GET", "/webhooks/{slug}%00?hub.mode=subscribe", None),
    ("POST", "/webhooks/{slug}%00", "application/json"),  # the intake in front of Flask
    ("POST", "/webhooks/{slug}%00", "application/x-www-form-urlencoded"),  # the contact form, through Flask
    ("GET", "/rota/feed/abc%00def.ics", None),
    ("GET", "/kontakt/{slug}?x=%00", None),
    ("GET", "/login?next=/%00", None),
])
def test_nul_in_a_path_or_query_is_400(client, create_org, create_channel, method, path, content_type):
    channel = create_channel(create_org())
    response = client.open(path.format(slug=channel.slug), method=method, data=b"{}" if content_type else None,
                           content_type=content_type)
    assert refused_for_odd_characters(response), (response.status_code, response.get_data(as_text=True)[:300])
    assert count(RawEvent) == 0


def test_nul_in_a_login_form_field_is_400(client):
    response = client.post_form("/login", {"email": "erika\x00@example.org", "password": "egal"})
    assert refused_for_odd_characters(response)


def test_nul_in_the_contact_form_is_400_and_nothing_is_stored(client, create_org, create_channel):
    channel = create_channel(create_org())
    client.get(f"/kontakt/{channel.slug}")
    response = client.post_form(f"/webhooks/{channel.slug}", {
        "submission_id": "form-nul", "email": "k.vogel@example.net", "text": "Hallo\x00 Welt"})
    assert refused_for_odd_characters(response)
    assert count(RawEvent) == 0 and count(Message) == 0


# --- signed payload values --------------------------------------------------------------------------------------

def test_webform_values_with_nul_and_lone_surrogates_are_stored_cleaned(post_webhook, create_org, create_channel,
                                                                      citizen_message):
    channel = create_channel(create_org())
    payload = citizen_message("web\x00-1", name="Karin\x00 Vogel", subject="Sperr\udfffmüll",
                              text="Wann kommt\x00 der Sperrmüll? \ud800")
    assert post_webhook(channel, payload).status_code == 200
    assert post_webhook(channel, payload).status_code == 200  # the platform's retry finds the first

    message = only(Message)
    assert message.text == "Wann kommt der Sperrmüll? \ufffd"
    assert "\x00" not in message.external_id and message.external_id.startswith("web-1#")
    conversation = db.session.get(Conversation, message.conversation_id)
    assert (conversation.subject, conversation.contact.name) == ("Sperr\ufffdmüll", "Karin Vogel")
    assert {e.status for e in db.session.scalars(select(RawEvent))} == {"processed"}


def test_webform_address_with_a_nul_is_no_address(post_webhook, create_org, create_channel, citizen_message):
    channel = create_channel(create_org())
    assert post_webhook(channel, citizen_message(email="k.vogel\x00@example.net")).status_code == 200
    contact = only(Contact)
    assert contact.email == "" and "\x00" not in contact.external_id


@pytest.fixture
def threads_channel(meta_channel):
    return meta_channel("threads", {"user_id": USER, "username": "teststadt"})


def test_threads_values_with_nul_and_lone_surrogates(meta_post, threads_channel):
    event = reply_event(reply_id="89\x0001", username="karin\x00_v", text="Wann ist\x00 das Stadtfest? \ud83d",
                        root="1234\x0056")
    assert meta_post(threads_channel, event).status_code == 200
    message = only(Message)
    assert message.text == "Wann ist das Stadtfest? \ufffd"
    conversation = db.session.get(Conversation, message.conversation_id)
    assert conversation.contact.handle == "@karin_v"
    assert conversation.thread_key.startswith("post:123456#")
    assert only(RawEvent).status == "processed"


def test_instagram_values_with_nul_and_lone_surrogates(meta_post, meta_channel):
    channel = meta_channel("instagram")
    assert meta_post(channel, ig_comment("c1", text="Freibad\x00 offen? \udc00", sender="2323\x002323")
                     ).status_code == 200
    assert meta_post(channel, ig_comment("c2", text="Und morgen?", sender="23232323")).status_code == 200
    assert only(Message, external_id="c1").text == "Freibad offen? \ufffd"
    # Cleaning alone would make the two senders one contact.
    assert len({c.external_id for c in db.session.scalars(select(Contact))}) == 2
    assert {e.status for e in db.session.scalars(select(RawEvent))} == {"processed"}


@pytest.fixture
def wa_channel(meta_channel):
    return meta_channel("whatsapp", {"phone_number_id": NUMBER_ID})


def test_whatsapp_values_with_nul_and_lone_surrogates(meta_post, wa_channel):
    assert meta_post(wa_channel, inbound(text_message(body="Wertstoffhof\x00 offen? \ud800"),
                                         name="Karin\x00 Vogel")).status_code == 200
    message = only(Message)
    assert message.text == "Wertstoffhof offen? \ufffd"
    assert db.session.get(Conversation, message.conversation_id).contact.name == "Karin Vogel"
    assert only(RawEvent).status == "processed"


def test_whatsapp_status_with_nul_and_lone_surrogates(meta_post, wa_channel, fake_api, editor_reply):
    reply = _sent_reply(meta_post, wa_channel, fake_api, editor_reply)
    assert meta_post(wa_channel, status("wamid.\x00unknown", "read")).status_code == 200
    assert meta_post(wa_channel, status("wamid.out", "failed", [{"title": "Nicht\x00 zugestellt \udfff"}])
                     ).status_code == 200
    db.session.refresh(reply)
    assert (reply.delivery_state, reply.delivery_error) == ("failed", "Nicht zugestellt \ufffd")
    assert {e.status for e in db.session.scalars(select(RawEvent))} == {"processed"}


# --- raw events -------------------------------------------------------------------------------------------------

def test_a_raw_body_with_nul_bytes_is_kept_as_sent_and_answered_400(post_webhook, create_org, create_channel):
    channel = create_channel(create_org())
    body = b'{"external_id": "x\x00y", "text": "\x00"}'
    response = post_webhook(channel, body)
    assert response.status_code == 400 and "JSON" in response.json["error"]
    event = only(RawEvent)
    assert (event.status, event.body) == ("failed", body)


def test_an_over_long_or_odd_content_type_is_stored_cut(client, create_org, create_channel, citizen_message):
    import json

    from inbox.core.crypto import hmac_sha256_hex

    channel = create_channel(create_org())
    for number, content_type in enumerate(["application/json; profile=" + "x" * 400, "application/json; q=\x00"]):
        body = json.dumps(citizen_message(f"ct-{number}")).encode()
        response = client.post(f"/webhooks/{channel.slug}", data=body, content_type=content_type,
                               headers={"X-Mitreden-Signature": "sha256=" + hmac_sha256_hex("s3cr3t", body)})
        assert response.status_code == 200, response.get_data(as_text=True)
    events = db.session.scalars(select(RawEvent).order_by(RawEvent.id)).all()
    assert [len(e.content_type) for e in events] == [200, len("application/json; q=")]
    assert events[0].content_type.startswith("application/json; profile=xxx") and events[0].content_type[-1] == "…"
    assert count(Message) == 2
