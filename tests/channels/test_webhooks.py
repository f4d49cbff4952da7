"""The generic webhook endpoint with the web-form channel: every bad input and the good path."""

import json

from sqlalchemy import func, select

from inbox.channels.models import RawEvent
from inbox.conversations.models import Conversation, Message
from inbox.extensions import db


def count(model, **where):
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def test_signed_message_lands_in_a_new_conversation(create_org, create_channel, post_webhook, citizen_message):
    channel = create_channel(create_org())
    response = post_webhook(channel, citizen_message("web-1", text="Wann kommt der Sperrmüll in die Ringstraße?"))
    assert response.status_code == 200
    assert response.json["status"] == "accepted"
    message = db.session.scalar(select(Message))
    assert message.text == "Wann kommt der Sperrmüll in die Ringstraße?"
    conversation = db.session.get(Conversation, message.conversation_id)
    assert conversation.status == "open"
    assert conversation.contact.email == "k.vogel@example.net"
    assert conversation.subject == "Sperrmüll"
    assert db.session.scalar(select(RawEvent)).status == "processed"


def test_same_external_id_twice_is_stored_once(create_org, create_channel, post_webhook, citizen_message):
    channel = create_channel(create_org())
    payload = citizen_message("dup-1")
    assert post_webhook(channel, payload).status_code == 200
    assert post_webhook(channel, payload).status_code == 200
    assert count(Message, direction="in") == 1
    assert count(Conversation) == 1


def test_unknown_channel_is_404(client):
    response = client.post("/webhooks/nope", data=b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json == {"error": "unknown channel"}


def test_disabled_channel_is_404(create_org, create_channel, post_webhook, citizen_message):
    from inbox.channels.operations import set_enabled

    channel = create_channel(create_org())
    set_enabled(channel, False)
    db.session.commit()
    assert post_webhook(channel, citizen_message()).status_code == 404


def test_forged_signature_is_401_and_stores_nothing(create_org, create_channel, post_webhook, citizen_message):
    channel = create_channel(create_org())
    response = post_webhook(channel, citizen_message(), secret="wrong secret")
    assert response.status_code == 401
    assert response.json["error"] == "invalid signature"
    assert count(RawEvent) == 0 and count(Message) == 0


def test_missing_signature_is_401(create_org, create_channel, post_webhook, citizen_message):
    channel = create_channel(create_org())
    assert post_webhook(channel, citizen_message(), signature="").status_code == 401
    assert count(RawEvent) == 0


def test_signature_of_another_body_is_401(create_org, create_channel, post_webhook, citizen_message):
    from inbox.core.crypto import hmac_sha256_hex

    channel = create_channel(create_org())
    other = "sha256=" + hmac_sha256_hex("s3cr3t", b'{"text": "harmless"}')
    assert post_webhook(channel, citizen_message(), signature=other).status_code == 401


def test_malformed_json_is_400_and_kept_as_failed_event(create_org, create_channel, post_webhook):
    channel = create_channel(create_org())
    response = post_webhook(channel, b'{"external_id": "x", "text": ')
    assert response.status_code == 400
    assert "not JSON" in response.json["error"]
    event = db.session.scalar(select(RawEvent))
    assert event.status == "failed" and event.body.startswith(b'{"external_id"')
    assert count(Message) == 0


def test_missing_fields_are_400(create_org, create_channel, post_webhook):
    channel = create_channel(create_org())
    response = post_webhook(channel, {"external_id": "x", "email": "a@b.de"})
    assert response.status_code == 400
    assert "text" in response.json["error"]


def test_wrong_types_are_400(create_org, create_channel, post_webhook, citizen_message):
    channel = create_channel(create_org())
    assert post_webhook(channel, citizen_message(text=["a list"])).status_code == 400
    assert post_webhook(channel, json.dumps([1, 2]).encode()).status_code == 400


def test_oversized_body_is_413_with_json(app, create_org, create_channel, post_webhook, citizen_message):
    channel = create_channel(create_org())
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = post_webhook(channel, citizen_message(text="x" * 5000))
    assert response.status_code == 413
    assert response.json["error"]
    assert count(RawEvent) == 0


def test_bad_input_never_loses_what_is_stored(create_org, create_channel, post_webhook, citizen_message):
    channel = create_channel(create_org())
    post_webhook(channel, citizen_message("keep-me"))
    post_webhook(channel, b"garbage")
    post_webhook(channel, citizen_message("forged"), secret="nope")
    assert [m.external_id for m in db.session.scalars(select(Message).where(Message.direction == "in"))] == ["keep-me"]


def test_second_message_joins_the_open_conversation(create_org, create_channel, post_webhook, citizen_message):
    channel = create_channel(create_org())
    post_webhook(channel, citizen_message("a", text="Erste Frage"))
    post_webhook(channel, citizen_message("b", text="Noch eine Frage"))
    post_webhook(channel, citizen_message("c", email="other@example.net", text="Jemand anderes"))
    assert count(Conversation) == 2
    first = db.session.scalar(select(Message).where(Message.external_id == "a"))
    second = db.session.scalar(select(Message).where(Message.external_id == "b"))
    assert first.conversation_id == second.conversation_id


def test_message_on_resolved_conversation_reopens_it(create_org, create_channel, post_webhook, citizen_message):
    from inbox.conversations import operations

    channel = create_channel(create_org())
    post_webhook(channel, citizen_message("a"))
    conversation = db.session.scalar(select(Conversation))
    operations.resolve(conversation)
    db.session.commit()
    post_webhook(channel, citizen_message("b", text="Ist doch noch nicht erledigt"))
    db.session.refresh(conversation)
    assert conversation.status == "open"
    assert count(Conversation) == 1


def test_public_contact_form_posts_through_the_webhook(client, create_org, create_channel):
    channel = create_channel(create_org())
    page = client.get(f"/kontakt/{channel.slug}")
    assert page.status_code == 200
    assert f'action="/webhooks/{channel.slug}"' in page.get_data(as_text=True)
    response = client.post_form(f"/webhooks/{channel.slug}", {
        "submission_id": "form-123", "name": "Dirk Hansen", "email": "d.hansen@example.net",
        "subject": "Baustelle", "text": "Wie lange dauert die Baustelle noch?"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/kontakt/{channel.slug}/danke")
    assert db.session.scalar(select(Message)).text == "Wie lange dauert die Baustelle noch?"


def test_contact_form_without_csrf_token_is_refused(client, create_org, create_channel):
    channel = create_channel(create_org())
    response = client.post(f"/webhooks/{channel.slug}", data={"submission_id": "f", "email": "a@b.de", "text": "x"})
    assert response.status_code == 401
    assert count(RawEvent) == 0


def test_contact_form_with_missing_text_shows_error(client, create_org, create_channel):
    channel = create_channel(create_org())
    response = client.post_form(f"/webhooks/{channel.slug}", {"submission_id": "f", "email": "a@b.de", "text": ""},
                                follow_redirects=True)
    assert "konnte nicht angenommen werden" in response.get_data(as_text=True)
    assert count(Message) == 0
