"""X Account Activity API: CRC, signature, direct messages and mentions, v2 replies."""

import base64
import hashlib
import hmac
import json

import pytest

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError, OutboundReply
from inbox.channels.models import RawEvent
from inbox.conversations.models import Conversation, Message
from inbox.extensions import db
from tests.channels.conftest import count, only
from tests.fakeapi import Reply

SECRET = "x-consumer-secret"
ME = "4337869213"
CITIZEN = "3001969357"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def x_channel(create_org, create_channel, fake_api):
    return create_channel(create_org(), "x", name="X", credentials={"consumer_secret": SECRET,
                                                                   "access_token": "user-token"},
                          settings={"user_id": ME, "api_base": fake_api.url})


@pytest.fixture
def x_post(client):
    def post(channel, payload, *, signature: str | None = None):
        body = json.dumps(payload).encode()
        headers = {"x-twitter-webhooks-signature": sign(body) if signature is None else signature}
        return client.post(f"/webhooks/{channel.slug}", data=body, headers=headers, content_type="application/json")

    return post


def dm_event(event_id="954491830116155396", sender=CITIZEN, text="Hallo Stadt, wann kommt die Müllabfuhr?",
             media=None):
    data = {"text": text, "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}}
    if media:
        data["attachment"] = {"type": "media", "media": media}
    return {"for_user_id": ME,
            "direct_message_events": [{"type": "message_create", "id": event_id, "created_timestamp": "1516403560557",
                                       "message_create": {"target": {"recipient_id": ME}, "sender_id": sender,
                                                          "message_data": data}}],
            "users": {CITIZEN: {"id": CITIZEN, "name": "Karin Vogel", "screen_name": "karinvogel"},
                      ME: {"id": ME, "name": "Stadt Teststadt", "screen_name": "teststadt"}}}


def tweet(tweet_id="1050118621198921728", author=(CITIZEN, "karinvogel", "Karin Vogel"), mention=True, **extra):
    body = {"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id": int(tweet_id), "id_str": tweet_id,
            "text": "@teststadt Die Ampel an der Ringstraße ist kaputt", "user": {
                "id": int(author[0]), "id_str": author[0], "screen_name": author[1], "name": author[2]},
            "entities": {"user_mentions": [{"screen_name": "teststadt", "id": int(ME), "id_str": ME}] if mention
                         else []}, "in_reply_to_status_id_str": None, **extra}
    return {"for_user_id": ME, "user_has_blocked": False, "tweet_create_events": [body]}


def test_crc_answers_with_the_hmac_of_the_token(client, x_channel):
    response = client.get(f"/webhooks/{x_channel.slug}?crc_token=challenge-123")
    assert response.status_code == 200
    expected = base64.b64encode(hmac.new(SECRET.encode(), b"challenge-123", hashlib.sha256).digest()).decode()
    assert response.json == {"response_token": f"sha256={expected}"}


def test_crc_without_token_is_refused(client, x_channel):
    assert client.get(f"/webhooks/{x_channel.slug}").status_code == 403


def test_the_crc_answer_cannot_sign_a_forged_event(client, x_post, x_channel):
    """The CRC answer is the HMAC of the token, the same HMAC that signs a POST: a token that is an event is refused."""
    forged = json.dumps(dm_event(sender="666", text="forged")).encode()
    answer = client.get(f"/webhooks/{x_channel.slug}", query_string={"crc_token": forged.decode()})
    stolen = (answer.get_json(silent=True) or {}).get("response_token", "")
    response = client.post(f"/webhooks/{x_channel.slug}", data=forged, content_type="application/json",
                           headers={"x-twitter-webhooks-signature": stolen})
    assert answer.status_code == 403 and not stolen
    assert response.status_code == 401
    assert count(RawEvent) == 0 and count(Message) == 0


@pytest.mark.parametrize("token", ["{}", " {\"a\":1}", "x" * 300, "a b", "tok\nen"])
def test_crc_refuses_tokens_that_are_not_plain_tokens(client, x_channel, token):
    answer = client.get(f"/webhooks/{x_channel.slug}", query_string={"crc_token": token})
    assert answer.status_code == 403


def test_crc_accepts_base64_tokens_as_x_sends_them(client, x_channel):
    token = base64.b64encode(bytes(range(48))).decode()
    response = client.get(f"/webhooks/{x_channel.slug}", query_string={"crc_token": token})
    expected = base64.b64encode(hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()).decode()
    assert response.status_code == 200 and response.json == {"response_token": f"sha256={expected}"}


def test_forged_or_missing_signature_is_401_and_stores_nothing(x_post, x_channel):
    body = json.dumps(dm_event()).encode()
    assert x_post(x_channel, dm_event(), signature=sign(body, "wrong secret")).status_code == 401
    assert x_post(x_channel, dm_event(), signature="").status_code == 401
    assert count(RawEvent) == 0


def test_direct_message_opens_a_private_conversation(x_post, x_channel):
    media = {"id_str": "9", "media_url_https": "https://pbs.twimg.example/dm.jpg", "type": "photo"}
    assert x_post(x_channel, dm_event(media=media)).status_code == 200
    message = only(Message)
    assert message.text == "Hallo Stadt, wann kommt die Müllabfuhr?" and not message.is_public
    assert message.attachments == [{"type": "photo", "url": "https://pbs.twimg.example/dm.jpg", "name": "photo"}]
    conversation = db.session.get(Conversation, message.conversation_id)
    assert conversation.thread_key == f"dm:{CITIZEN}"
    assert conversation.contact.handle == "@karinvogel" and conversation.contact.name == "Karin Vogel"


def test_our_own_direct_messages_are_ignored(x_post, x_channel):
    x_post(x_channel, dm_event(sender=ME, text="Unsere Antwort"))
    assert count(Message) == 0
    assert only(RawEvent).status == "ignored"


def test_mention_is_public_and_threads_per_citizen(x_post, x_channel):
    x_post(x_channel, tweet("1001"))
    x_post(x_channel, tweet("1002", in_reply_to_status_id_str="1500", in_reply_to_user_id_str=ME,
                            extended_tweet={"full_text": "@teststadt Und zwar seit drei Tagen, das ist ein sehr "
                                                         "langer Text über 140 Zeichen ..."}))
    first, second = only(Message, external_id="1001"), only(Message, external_id="1002")
    assert first.is_public and first.text == "@teststadt Die Ampel an der Ringstraße ist kaputt"
    assert second.text.startswith("@teststadt Und zwar seit drei Tagen") and second.parent_external_id == "1500"
    assert first.conversation_id == second.conversation_id


@pytest.mark.parametrize("payload", [
    tweet("2001", author=(ME, "teststadt", "Stadt Teststadt")),
    tweet("2002", retweeted_status={"id_str": "1"}),
    tweet("2003", mention=False),
    {"for_user_id": ME, "favorite_events": [{"id": "a", "favorited_status": {"id_str": "1"}}]},
    {"for_user_id": ME, "follow_events": [{"type": "follow"}]},
    {"for_user_id": ME, "direct_message_indicate_typing_events": [{"created_timestamp": "1"}]},
])
def test_events_to_ignore(x_post, x_channel, payload):
    assert x_post(x_channel, payload).status_code == 200
    assert count(Message) == 0
    assert only(RawEvent).status == "ignored"


def test_deleted_tweet_removes_its_text(x_post, x_channel):
    x_post(x_channel, tweet("3001"))
    x_post(x_channel, {"for_user_id": ME, "tweet_delete_events": [
        {"status": {"id": "3001", "user_id": CITIZEN}, "timestamp_ms": "1528740452510"}]})
    message = only(Message)
    assert message.deleted_at is not None and message.text == ""


def test_dm_reply_and_mention_reply_requests(fake_api, x_channel):
    fake_api.route("POST", f"/2/dm_conversations/with/{CITIZEN}/messages",
                   {"data": {"dm_conversation_id": f"{CITIZEN}-{ME}", "dm_event_id": "1580705921830768643"}})
    fake_api.route("POST", "/2/tweets", {"data": {"id": "1445880548472328192", "text": "Danke!"}})
    adapter = get_adapter("x")
    dm = OutboundReply(text="Am Dienstag.", recipient_id=CITIZEN, thread_key=f"dm:{CITIZEN}")
    assert adapter.send(x_channel, dm) == "1580705921830768643"
    mention = OutboundReply(text="Danke!", recipient_id=CITIZEN, thread_key="mentions", in_reply_to="1001")
    assert adapter.send(x_channel, mention) == "1445880548472328192"
    assert fake_api.received("POST", f"/2/dm_conversations/with/{CITIZEN}/messages")[0].json == {
        "text": "Am Dienstag."}
    sent = fake_api.received("POST", "/2/tweets")[0]
    assert sent.json == {"text": "Danke!", "reply": {"in_reply_to_tweet_id": "1001"}}
    assert sent.headers["Authorization"] == "Bearer user-token"


@pytest.mark.parametrize("answer, permanent, retry_after", [
    (Reply(429, {"title": "Too Many Requests", "detail": "Too Many Requests"}, {"Retry-After": "900"}), False, 900),
    (Reply(503, {"title": "Service Unavailable"}), False, None),
    (Reply(403, {"detail": "You are not permitted to perform this action.", "title": "Forbidden"}), True, None),
])
def test_api_errors(fake_api, x_channel, answer, permanent, retry_after):
    fake_api.route("POST", "/2/tweets", answer)
    with pytest.raises(DeliveryError) as info:
        get_adapter("x").send(x_channel, OutboundReply(text="x", recipient_id=CITIZEN, thread_key="mentions",
                                                       in_reply_to="1"))
    assert info.value.permanent is permanent and info.value.retry_after == retry_after


def test_test_connection(fake_api, x_channel):
    fake_api.route("GET", "/2/users/me", {"data": {"id": ME, "name": "Stadt", "username": "teststadt"}},
                   Reply(401, {"title": "Unauthorized", "detail": "Unauthorized"}))
    assert get_adapter("x").test_connection(x_channel) == "Verbindung erfolgreich: @teststadt"
    assert get_adapter("x").test_connection(x_channel).startswith("Verbindung fehlgeschlagen: HTTP 401")


def test_dm_end_to_end(x_post, x_channel, fake_api, editor_reply):
    fake_api.route("POST", f"/2/dm_conversations/with/{CITIZEN}/messages", {"data": {"dm_event_id": "777"}})
    x_post(x_channel, dm_event())
    editor_reply(only(Conversation), "Am Dienstag kommt die Müllabfuhr.")
    assert fake_api.received("POST", f"/2/dm_conversations/with/{CITIZEN}/messages")[0].json == {
        "text": "Am Dienstag kommt die Müllabfuhr."}
    assert only(Message, direction="out").external_id == "777"


def test_mention_end_to_end(x_post, x_channel, fake_api, editor_reply):
    fake_api.route("POST", "/2/tweets", {"data": {"id": "888", "text": "..."}})
    x_post(x_channel, tweet("1001"))
    x_post(x_channel, tweet("1002"))
    editor_reply(only(Conversation), "Wir haben es weitergegeben.")
    sent = fake_api.received("POST", "/2/tweets")
    assert len(sent) == 1 and sent[0].json["reply"] == {"in_reply_to_tweet_id": "1002"}
    reply = only(Message, direction="out")
    assert reply.delivery_state == "sent" and reply.is_public


def test_events_for_another_subscribed_account_are_ignored(x_post, x_channel):
    payload = dm_event()
    payload["for_user_id"] = "111"
    assert x_post(x_channel, payload).status_code == 200
    assert count(Message) == 0


def test_unparseable_body_is_kept_as_failed_event(client, x_channel):
    body = b'{"for_user_id": "4337869213", "direct_message_events": ['
    response = client.post(f"/webhooks/{x_channel.slug}", data=body, content_type="application/json",
                           headers={"x-twitter-webhooks-signature": sign(body)})
    assert response.status_code == 400
    assert only(RawEvent).status == "failed" and count(Message) == 0
