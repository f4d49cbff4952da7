"""Facebook Page and Instagram: handshake, signature, documented payloads, Graph API replies."""

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

PAGE = "1067280970047460"
IG = "17841405309211844"


def messenger(*events, page=PAGE, obj="page"):
    return {"object": obj, "entry": [{"id": page, "time": 1458692752478, "messaging": list(events)}]}


def recent_ms(hours_ago: float = 0) -> int:
    """A Meta timestamp (milliseconds) of a message the citizen sent hours_ago before the test clock's now."""
    return int((clock.now() - timedelta(hours=hours_ago)).timestamp() * 1000)


def dm(mid, text, sender="6783812315", ts=1458692752478, **message):
    return {"sender": {"id": sender}, "recipient": {"id": PAGE}, "timestamp": ts,
            "message": {"mid": mid, "text": text, **message}}


def feed(verb="add", comment_id="444444444_555555", post_id=f"{PAGE}_444444444", parent=None, message="Hallo",
         sender=("100009999", "Karin Vogel")):
    value = {"from": {"id": sender[0], "name": sender[1]}, "post_id": post_id, "comment_id": comment_id,
             "created_time": 1520544816, "item": "comment", "parent_id": parent or post_id, "verb": verb,
             "message": message, "post": {"id": post_id, "status_type": "added_photos"}}
    return {"object": "page", "entry": [{"id": PAGE, "time": 1520544816, "changes": [{"field": "feed",
                                                                                     "value": value}]}]}


def ig_comment(comment_id="17865799348089039", media="17887498072083520", text="Wann öffnet das Freibad?",
               sender="232323232", parent=None):
    value = {"from": {"id": sender, "username": "karin.v"}, "media": {"id": media, "media_product_type": "FEED"},
             "id": comment_id, "text": text}
    if parent:
        value["parent_id"] = parent
    return {"object": "instagram", "entry": [{"id": IG, "time": 1520622968, "changes": [{"field": "comments",
                                                                                       "value": value}]}]}


# --- handshake and signature ---------------------------------------------------------------------------------

def test_handshake_answers_the_challenge_as_text(client, meta_channel):
    channel = meta_channel("facebook")
    response = client.get(f"/webhooks/{channel.slug}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
                          "&hub.challenge=1158201444")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "1158201444"
    assert response.mimetype == "text/plain"


@pytest.mark.parametrize("query", ["hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
                                   f"hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1",
                                   "hub.challenge=1"])
def test_handshake_with_wrong_token_or_mode_is_403(client, meta_channel, query):
    channel = meta_channel("instagram")
    response = client.get(f"/webhooks/{channel.slug}?{query}")
    assert response.status_code == 403
    assert "1" != response.get_data(as_text=True)


def test_forged_signature_is_401_and_stores_nothing(meta_post, meta_channel):
    channel = meta_channel("facebook")
    assert meta_post(channel, messenger(dm("m1", "Hallo")), secret="not the app secret").status_code == 401
    assert meta_post(channel, messenger(dm("m1", "Hallo")), signature="").status_code == 401
    assert meta_post(channel, messenger(dm("m1", "Hallo")), signature="sha1=abc").status_code == 401
    assert count(RawEvent) == 0 and count(Message) == 0


# --- Messenger -------------------------------------------------------------------------------------------------

def test_messenger_message_opens_a_private_conversation(meta_post, meta_channel):
    channel = meta_channel("facebook", {"page_id": PAGE})
    attachment = {"type": "image", "payload": {"url": "https://scontent.example/bild.jpg"}}
    assert meta_post(channel, messenger(dm("mid.1", "Wo kann ich meinen Ausweis abholen?",
                                           attachments=[attachment]))).status_code == 200
    message = only(Message)
    assert message.text == "Wo kann ich meinen Ausweis abholen?" and not message.is_public
    assert message.attachments == [{"type": "image", "url": "https://scontent.example/bild.jpg", "name": "image"}]
    assert message.sent_at == datetime.fromtimestamp(1458692752.478, UTC)
    conversation = db.session.get(Conversation, message.conversation_id)
    assert conversation.thread_key == "dm:6783812315"
    assert conversation.contact.external_id == "6783812315"


def test_echo_of_our_own_message_is_ignored(meta_post, meta_channel):
    channel = meta_channel("facebook")
    echo = {"sender": {"id": PAGE}, "recipient": {"id": "6783812315"}, "timestamp": 1,
            "message": {"mid": "mid.echo", "text": "Unsere Antwort", "is_echo": True, "app_id": 1517776481860111}}
    assert meta_post(channel, messenger(echo)).status_code == 200
    assert count(Message) == 0
    assert only(RawEvent).status == "ignored"


def test_messenger_edit_changes_the_stored_text(meta_post, meta_channel):
    channel = meta_channel("facebook")
    meta_post(channel, messenger(dm("mid.7", "Sperrmül?")))
    edit = {"sender": {"id": "6783812315"}, "recipient": {"id": PAGE}, "timestamp": 2,
            "message_edit": {"mid": "mid.7", "text": "Sperrmüll?", "num_edit": 1}}
    meta_post(channel, messenger(edit))
    message = only(Message)
    assert message.text == "Sperrmüll?" and message.edited_at is not None


def test_reads_deliveries_and_unknown_events_are_stored_and_ignored(meta_post, meta_channel):
    channel = meta_channel("facebook")
    read = {"sender": {"id": "6783812315"}, "recipient": {"id": PAGE}, "timestamp": 3, "read": {"watermark": 1}}
    assert meta_post(channel, messenger(read)).status_code == 200
    assert meta_post(channel, {"object": "page", "entry": [{"id": PAGE, "changes": [
        {"field": "feed", "value": {"item": "reaction", "verb": "add", "post_id": "1_2"}}]}]}).status_code == 200
    assert meta_post(channel, {"object": "user", "entry": []}).status_code == 200
    assert count(Message) == 0
    assert [e.status for e in db.session.scalars(select(RawEvent))] == ["ignored"] * 3


def test_malformed_body_is_400_and_kept_as_failed(meta_post, meta_channel):
    channel = meta_channel("facebook")
    assert meta_post(channel, b'{"object": "page", "entry": [').status_code == 400
    assert only(RawEvent).status == "failed"


# --- Facebook comments ---------------------------------------------------------------------------------------

def test_comments_on_one_post_form_one_conversation_per_citizen(meta_post, meta_channel):
    channel = meta_channel("facebook")
    meta_post(channel, feed(comment_id="444_1", message="Wann ist die Straße wieder frei?"))
    meta_post(channel, feed(comment_id="444_2", message="Und die Umleitung?"))
    meta_post(channel, feed(comment_id="444_3", sender=("200", "Dirk Hansen"), message="Danke!"))
    meta_post(channel, feed(comment_id="555_1", post_id=f"{PAGE}_555", message="Anderer Beitrag"))
    first, second = (only(Message, external_id=i) for i in ("444_1", "444_2"))
    assert first.conversation_id == second.conversation_id and first.is_public
    assert count(Conversation) == 3
    assert db.session.get(Conversation, first.conversation_id).thread_key == f"post:{PAGE}_444444444"


def test_comment_edit_and_removal(meta_post, meta_channel):
    channel = meta_channel("facebook")
    meta_post(channel, feed(message="Erstfassung"))
    meta_post(channel, feed(verb="edited", message="Zweitfassung"))
    assert only(Message).text == "Zweitfassung"
    meta_post(channel, feed(verb="remove", message=""))
    message = only(Message)
    assert message.deleted_at is not None and message.text == ""


def test_the_pages_own_comments_are_ignored(meta_post, meta_channel):
    channel = meta_channel("facebook")
    meta_post(channel, feed(sender=(PAGE, "Stadt Teststadt")))
    assert count(Message) == 0


# --- Instagram -----------------------------------------------------------------------------------------------

def test_instagram_comment_and_direct_message(meta_post, meta_channel):
    channel = meta_channel("instagram")
    meta_post(channel, ig_comment())
    meta_post(channel, messenger(dm("aWdfZAG1", "Hallo Stadt!", sender="1234567"), page=IG, obj="instagram"))
    comment, direct = only(Message, external_id="17865799348089039"), only(Message, external_id="aWdfZAG1")
    assert comment.is_public and comment.text == "Wann öffnet das Freibad?"
    conversation = db.session.get(Conversation, comment.conversation_id)
    assert conversation.thread_key == "post:17887498072083520" and conversation.contact.handle == "@karin.v"
    assert not direct.is_public
    assert db.session.get(Conversation, direct.conversation_id).thread_key == "dm:1234567"


def test_instagram_unsent_message_is_deleted(meta_post, meta_channel):
    channel = meta_channel("instagram")
    meta_post(channel, messenger(dm("aWd1", "Ups", sender="1234567"), page=IG, obj="instagram"))
    unsend = {"sender": {"id": "1234567"}, "recipient": {"id": IG}, "timestamp": 5,
              "message": {"mid": "aWd1", "is_deleted": True}}
    meta_post(channel, messenger(unsend, page=IG, obj="instagram"))
    assert only(Message).deleted_at is not None


def test_page_payload_on_an_instagram_channel_is_ignored(meta_post, meta_channel):
    channel = meta_channel("instagram")
    assert meta_post(channel, feed()).status_code == 200
    assert count(Message) == 0


# --- sending -------------------------------------------------------------------------------------------------

def _reply(**fields):
    values = {"text": "Guten Tag!", "recipient_id": "6783812315", "thread_key": "dm:6783812315",
              "extra": {"last_inbound_at": clock.now() - timedelta(hours=1)}}
    values.update(fields)
    return OutboundReply(**values)


def test_messenger_reply_uses_the_send_api(fake_api, meta_channel):
    channel = meta_channel("facebook", {"page_id": PAGE})
    fake_api.route("POST", f"/v21.0/{PAGE}/messages", {"recipient_id": "6783812315", "message_id": "m.1"})
    assert get_adapter("facebook").send(channel, _reply()) == "m.1"
    sent = fake_api.received("POST", f"/v21.0/{PAGE}/messages")[0]
    assert sent.json == {"recipient": {"id": "6783812315"}, "message": {"text": "Guten Tag!"},
                         "messaging_type": "RESPONSE"}
    assert sent.headers["Authorization"] == "Bearer EAAtoken"


def test_reply_to_a_comment_reply_goes_under_the_top_level_comment(fake_api, meta_channel):
    channel = meta_channel("facebook")
    fake_api.route("POST", "/v21.0/444_1/comments", {"id": "444_9"})
    reply = _reply(thread_key="post:1_444", in_reply_to="444_5", extra={"parent": "444_1"})
    assert get_adapter("facebook").send(channel, reply) == "444_9"
    assert fake_api.received("POST", "/v21.0/444_1/comments")[0].json == {"message": "Guten Tag!"}


def test_instagram_comment_reply_uses_replies_edge(fake_api, meta_channel):
    channel = meta_channel("instagram", {"instagram_id": IG})
    fake_api.route("POST", "/v21.0/178_1/replies", {"id": "178_2"})
    assert get_adapter("instagram").send(channel, _reply(thread_key="post:99", in_reply_to="178_1")) == "178_2"
    assert fake_api.received("POST", "/v21.0/178_1/replies")[0].json == {"message": "Guten Tag!"}


def test_rate_limit_is_retried_after_the_given_time(fake_api, meta_channel):
    channel = meta_channel("facebook", {"page_id": PAGE})
    fake_api.route("POST", f"/v21.0/{PAGE}/messages",
                   Reply(429, {"error": {"message": "Calls to this api have exceeded the rate limit."}},
                         {"Retry-After": "120"}))
    with pytest.raises(DeliveryError) as info:
        get_adapter("facebook").send(channel, _reply())
    assert not info.value.permanent and info.value.retry_after == 120


def test_server_error_is_retried_and_expired_token_stops(fake_api, meta_channel):
    channel = meta_channel("facebook", {"page_id": PAGE})
    fake_api.route("POST", f"/v21.0/{PAGE}/messages", Reply(500, {"error": {"message": "An unknown error"}}),
                   Reply(400, {"error": {"message": "Error validating access token: Session has expired",
                                         "type": "OAuthException", "code": 190}}))
    with pytest.raises(DeliveryError) as first:
        get_adapter("facebook").send(channel, _reply())
    with pytest.raises(DeliveryError) as second:
        get_adapter("facebook").send(channel, _reply())
    assert not first.value.permanent
    assert second.value.permanent and "Session has expired" in str(second.value)


def test_test_connection_reports_in_german(fake_api, meta_channel):
    channel = meta_channel("facebook")
    fake_api.route("GET", "/v21.0/me", {"id": PAGE, "name": "Stadt Teststadt"}, Reply(401, {"error": {
        "message": "Invalid OAuth access token"}}))
    assert get_adapter("facebook").test_connection(channel) == "Verbindung erfolgreich: Stadt Teststadt"
    assert "Verbindung fehlgeschlagen" in get_adapter("facebook").test_connection(channel)


# --- end to end ----------------------------------------------------------------------------------------------

def test_facebook_comment_end_to_end(meta_post, meta_channel, fake_api, editor_reply):
    channel = meta_channel("facebook", {"page_id": PAGE})
    fake_api.route("POST", "/v21.0/444444444_555555/comments", {"id": "444444444_777"})
    meta_post(channel, feed(message="Wann wird die Brücke fertig?"))
    conversation = only(Conversation)
    page = editor_reply(conversation, "Voraussichtlich im Mai.")
    assert "Wann wird die Brücke fertig?" in page.get_data(as_text=True)
    assert fake_api.received("POST", "/v21.0/444444444_555555/comments")[0].json == {
        "message": "Voraussichtlich im Mai."}
    sent = only(Message, direction="out")
    assert sent.delivery_state == "sent" and sent.external_id == "444444444_777" and sent.is_public


def test_messenger_end_to_end(meta_post, meta_channel, fake_api, editor_reply):
    channel = meta_channel("facebook", {"page_id": PAGE})
    fake_api.route("POST", f"/v21.0/{PAGE}/messages", {"recipient_id": "6783812315", "message_id": "m.out"})
    meta_post(channel, messenger(dm("mid.in", "Ist das Bürgeramt heute offen?", ts=recent_ms())))
    editor_reply(only(Conversation), "Ja, bis 18 Uhr.")
    assert fake_api.received("POST", f"/v21.0/{PAGE}/messages")[0].json["recipient"] == {"id": "6783812315"}
    assert only(Message, direction="out").delivery_state == "sent"


def test_instagram_dm_end_to_end(meta_post, meta_channel, fake_api, editor_reply):
    # Facebook Login (the default): the linked page's /messages edge with the Page token.
    channel = meta_channel("instagram", {"instagram_id": IG, "page_id": PAGE})
    fake_api.route("POST", f"/v21.0/{PAGE}/messages", {"recipient_id": "1234567", "message_id": "aWd.out"})
    meta_post(channel, messenger(dm("aWd.in", "Hallo", sender="1234567", ts=recent_ms()), page=IG, obj="instagram"))
    editor_reply(only(Conversation), "Hallo zurück!")
    sent = fake_api.received("POST", f"/v21.0/{PAGE}/messages")[0].json
    assert sent == {"recipient": {"id": "1234567"}, "message": {"text": "Hallo zurück!"}}
    assert fake_api.received("POST", f"/v21.0/{IG}/messages") == []
    assert only(Message, direction="out").external_id == "aWd.out"


def test_failed_reply_shows_the_platform_reason(client, meta_post, meta_channel, fake_api, editor_reply):
    channel = meta_channel("facebook", {"page_id": PAGE})
    fake_api.route("POST", f"/v21.0/{PAGE}/messages", Reply(400, {"error": {
        "message": "(#10) This message is sent outside of allowed window."}}))
    meta_post(channel, messenger(dm("mid.in", "Hallo?", ts=recent_ms())))
    conversation = only(Conversation)
    editor_reply(conversation, "Antwort")
    assert only(Message, direction="out").delivery_state == "failed"
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "outside of allowed window" in page and "Erneut senden" in page


def test_events_of_another_page_of_the_same_app_are_ignored(meta_post, meta_channel):
    channel = meta_channel("facebook", {"page_id": PAGE})
    meta_post(channel, messenger(dm("mid.other", "Für eine andere Seite"), page="999"))
    meta_post(channel, messenger(dm("mid.ours", "Für uns")))
    assert [m.external_id for m in db.session.scalars(select(Message))] == ["mid.ours"]
