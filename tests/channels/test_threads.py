"""Threads: reply webhooks, polling the account's posts, two-step reply publishing."""

import json

import pytest
from sqlalchemy import select

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError, OutboundReply
from inbox.channels.models import RawEvent
from inbox.conversations.models import Conversation, Message
from inbox.extensions import db
from tests.channels.conftest import VERIFY_TOKEN, count, only
from tests.fakeapi import Reply

USER = "78901"


def reply_event(reply_id="8901234", username="karin_v", text="Wann ist das Stadtfest?", root="123456",
                replied_to="123456", as_list=False):
    value = {"id": reply_id, "username": username, "text": text, "media_type": "TEXT_POST",
             "permalink": f"https://www.threads.net/@{username}/post/Pp", "replied_to": {"id": replied_to},
             "root_post": {"id": root, "owner_id": USER, "username": "teststadt"}, "shortcode": "Pp",
             "timestamp": "2024-08-07T10:33:16+0000"}
    values = {"value": value, "field": "replies"}
    return {"app_id": "123456", "topic": "moderate", "target_id": USER, "time": 1723226877,
            "subscription_id": "234567", "has_uid_field": False, "values": [values] if as_list else values}


@pytest.fixture
def threads_channel(meta_channel):
    return meta_channel("threads", {"user_id": USER, "username": "teststadt"})


def test_handshake_and_signature(client, meta_post, threads_channel):
    ok = client.get(f"/webhooks/{threads_channel.slug}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
                    "&hub.challenge=42")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "42"
    assert client.get(f"/webhooks/{threads_channel.slug}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=42"
                      ).status_code == 403
    assert meta_post(threads_channel, reply_event(), secret="forged").status_code == 401
    assert count(RawEvent) == 0


def test_reply_webhook_opens_a_public_conversation_per_post(meta_post, threads_channel):
    meta_post(threads_channel, reply_event())
    meta_post(threads_channel, reply_event("8901235", text="Und wo?", replied_to="8901234", as_list=True))
    first, second = only(Message, external_id="8901234"), only(Message, external_id="8901235")
    assert first.is_public and first.text == "Wann ist das Stadtfest?"
    assert first.sent_at.isoformat() == "2024-08-07T10:33:16+00:00"
    assert second.parent_external_id == "8901234" and second.conversation_id == first.conversation_id
    conversation = db.session.get(Conversation, first.conversation_id)
    assert conversation.thread_key == "post:123456" and conversation.contact.handle == "@karin_v"


def test_own_replies_and_other_fields_are_ignored(meta_post, threads_channel):
    meta_post(threads_channel, reply_event(username="teststadt"))
    other = reply_event()
    other["values"]["field"] = "mentions"
    meta_post(threads_channel, other)
    meta_post(threads_channel, {"something": "else"})
    assert count(Message) == 0
    assert {e.status for e in db.session.scalars(select(RawEvent))} == {"ignored"}


def test_reply_is_published_in_two_steps(fake_api, threads_channel):
    fake_api.route("POST", f"/v1.0/{USER}/threads", {"id": "1889"})
    fake_api.route("POST", f"/v1.0/{USER}/threads_publish", {"id": "9001"})
    reply = OutboundReply(text="Am 12. Juli.", recipient_id="karin_v", thread_key="post:123456",
                          in_reply_to="8901234")
    assert get_adapter("threads").send(threads_channel, reply) == "9001"
    container = fake_api.received("POST", f"/v1.0/{USER}/threads")[0]
    assert container.form == {"media_type": "TEXT", "text": "Am 12. Juli.", "reply_to_id": "8901234"}
    assert fake_api.received("POST", f"/v1.0/{USER}/threads_publish")[0].form == {"creation_id": "1889"}


@pytest.mark.parametrize("answer, permanent", [
    (Reply(429, {"error": {"message": "rate"}}, {"Retry-After": "60"}), False),
    (Reply(500, {"error": {"message": "oops"}}), False),
    (Reply(400, {"error": {"message": "Invalid parameter", "code": 100}}), True),
])
def test_api_errors_on_publish(fake_api, threads_channel, answer, permanent):
    fake_api.route("POST", f"/v1.0/{USER}/threads", {"id": "1889"})
    fake_api.route("POST", f"/v1.0/{USER}/threads_publish", answer)
    with pytest.raises(DeliveryError) as info:
        get_adapter("threads").send(threads_channel, OutboundReply(text="x", recipient_id="k", in_reply_to="1"))
    assert info.value.permanent is permanent


def test_poll_returns_new_replies_and_moves_the_cursor(fake_api, threads_channel):
    fake_api.route("GET", f"/v1.0/{USER}/threads", {"data": [{"id": "123456"}], "paging": {}})
    fake_api.route("GET", "/v1.0/123456/conversation", {"data": [
        {"id": "a1", "text": "Alt", "username": "x", "timestamp": "2024-08-07T10:00:00+0000",
         "replied_to": {"id": "123456"}, "is_reply_owned_by_me": False},
        {"id": "a2", "text": "Neu", "username": "karin_v", "timestamp": "2024-08-07T11:00:00+0000",
         "replied_to": {"id": "123456"}, "is_reply_owned_by_me": False},
        {"id": "a3", "text": "Unsere Antwort", "username": "teststadt", "timestamp": "2024-08-07T12:00:00+0000",
         "replied_to": {"id": "a2"}, "is_reply_owned_by_me": True},
    ]})
    adapter = get_adapter("threads")
    bodies, cursor = adapter.poll(threads_channel, {"since": "2024-08-07T10:00:00"})
    assert cursor == {"since": "2024-08-07T11:00:00"}
    assert [json.loads(b)["values"][0]["value"]["id"] for b in bodies] == ["a2"]
    parsed = adapter.parse(threads_channel, bodies[0], "application/json").messages
    assert [(m.external_id, m.thread_key, m.text) for m in parsed] == [("a2", "post:123456", "Neu")]
    assert adapter.poll(threads_channel, cursor)[0] == []


def test_poll_rate_limit_raises_for_the_scheduler_to_back_off(fake_api, threads_channel):
    fake_api.route("GET", f"/v1.0/{USER}/threads", Reply(429, {"error": {"message": "rate"}}, {"Retry-After": "5"}))
    with pytest.raises(DeliveryError) as info:
        get_adapter("threads").poll(threads_channel, {})
    assert info.value.retry_after == 5


def test_test_connection(fake_api, threads_channel):
    fake_api.route("GET", "/v1.0/me", {"id": USER, "username": "teststadt"})
    assert get_adapter("threads").test_connection(threads_channel) == "Verbindung erfolgreich: @teststadt"


def test_threads_end_to_end(meta_post, threads_channel, fake_api, editor_reply):
    fake_api.route("POST", f"/v1.0/{USER}/threads", {"id": "1889"})
    fake_api.route("POST", f"/v1.0/{USER}/threads_publish", {"id": "9001"})
    meta_post(threads_channel, reply_event())
    editor_reply(only(Conversation), "Vom 11. bis 13. Juli.")
    assert fake_api.received("POST", f"/v1.0/{USER}/threads")[0].form["reply_to_id"] == "8901234"
    reply = only(Message, direction="out")
    assert reply.delivery_state == "sent" and reply.external_id == "9001"
