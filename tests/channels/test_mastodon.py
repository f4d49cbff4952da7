"""Mastodon: polling mentions with since_id, parsing statuses, replies with the same visibility."""

import json

import pytest

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError, OutboundReply
from inbox.conversations.models import Message
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
from tests.fakeapi import Reply

NOTIFICATIONS = "/api/v1/notifications"


def status(status_id, *, acct="karin@norden.social", name="Karin Vogel", account_id="7001", visibility="public",
           text="Wann wird die Ampel an der Ringstraße repariert?", in_reply_to_id=None, media=()):
    return {
        "id": status_id, "created_at": "2026-03-02T09:15:00.000Z", "in_reply_to_id": in_reply_to_id,
        "in_reply_to_account_id": "1" if in_reply_to_id else None, "sensitive": False, "spoiler_text": "",
        "visibility": visibility, "language": "de", "uri": f"https://norden.social/users/karin/statuses/{status_id}",
        "content": ('<p><span class="h-card"><a href="https://social.example/@stadt" class="u-url mention">'
                    f'@<span>stadt</span></a></span> {text}</p>'),
        "account": {"id": account_id, "username": acct.split("@")[0], "acct": acct, "display_name": name},
        "media_attachments": list(media), "mentions": [{"id": "1", "username": "stadt", "acct": "stadt"}],
    }


def mention(notification_id, status_id, **kwargs):
    st = status(status_id, **kwargs)
    return {"id": notification_id, "type": "mention", "created_at": st["created_at"], "account": st["account"],
            "status": st}


@pytest.fixture
def channel(create_org, create_channel, fake_api):
    org = create_org()
    return create_channel(org, "mastodon", name="Mastodon Stadt", settings={"api_base": fake_api.url},
                          credentials={"access_token": "tok-123"})


def test_parses_a_public_mention_with_media(channel):
    media = [{"id": "55", "type": "image", "url": "https://files.example/a.jpg", "description": "Kaputte Ampel"}]
    body = json.dumps(mention("900", "1001", media=media)).encode()
    message = get_adapter("mastodon").parse(channel, body, "application/json").messages[0]
    assert message.external_id == "1001"
    assert message.text == "@stadt Wann wird die Ampel an der Ringstraße repariert?"
    assert (message.author_handle, message.author_name, message.author_id) == ("karin@norden.social",
                                                                               "Karin Vogel", "7001")
    assert message.is_public is True and message.thread_key == "1001"
    assert message.attachments == [{"type": "image", "url": "https://files.example/a.jpg", "name": "Kaputte Ampel",
                                    "id": "55"}]
    assert message.sent_at.isoformat() == "2026-03-02T09:15:00+00:00"


def test_direct_mention_is_private_and_html_is_reduced_to_text(channel):
    payload = mention("901", "1002", visibility="direct", text="<script>alert(1)</script>Meine Adresse")
    body = json.dumps(payload).encode()
    message = get_adapter("mastodon").parse(channel, body, "application/json").messages[0]
    assert message.is_public is False
    assert "<script>" not in message.text and "alert" not in message.text
    assert message.text.endswith("Meine Adresse")


def test_other_notification_types_are_ignored(channel):
    favourite = {"id": "902", "type": "favourite", "account": {"id": "1", "acct": "x"}, "status": status("1")}
    follow = {"id": "903", "type": "follow", "account": {"id": "2", "acct": "y"}}
    adapter = get_adapter("mastodon")
    assert adapter.parse(channel, json.dumps(favourite).encode(), "application/json").empty
    assert adapter.parse(channel, json.dumps(follow).encode(), "application/json").empty


def test_poll_asks_for_mentions_since_the_cursor_and_reads_nothing_twice(channel, fake_api):
    fake_api.route("GET", NOTIFICATIONS, [mention("11", "1011"), mention("10", "1010")], [mention("12", "1012")], [])
    poll(channel)
    first = fake_api.received("GET", NOTIFICATIONS)[0]
    assert first.query["types[]"] == ["mention"] and "since_id" not in first.query
    assert first.headers["Authorization"] == "Bearer tok-123"
    assert [m.external_id for m in inbound(channel)] == ["1010", "1011"]
    assert fresh(channel).cursor["since_id"] == "11"

    poll(channel)
    assert fake_api.received("GET", NOTIFICATIONS)[1].query["since_id"] == ["11"]
    assert [m.external_id for m in inbound(channel)] == ["1010", "1011", "1012"]
    poll(channel)
    assert fake_api.received("GET", NOTIFICATIONS)[2].query["since_id"] == ["12"]
    assert len(raw_events(channel)) == 3 and fresh(channel).cursor["since_id"] == "12"


def test_a_full_page_is_followed_with_max_id_so_nothing_is_missed(channel, fake_api):
    from inbox.channels.adapters import mastodon

    channel.cursor = {"since_id": "100"}
    db.session.commit()
    newest = [mention(str(200 - i), str(5000 - i)) for i in range(mastodon.PAGE_SIZE)]
    older = [mention("150", "4000"), mention("120", "3000")]
    fake_api.route("GET", NOTIFICATIONS, newest, older)
    poll(channel)
    second = fake_api.received("GET", NOTIFICATIONS)[1]
    assert second.query["max_id"] == [str(200 - mastodon.PAGE_SIZE + 1)] and second.query["since_id"] == ["100"]
    assert len(inbound(channel)) == mastodon.PAGE_SIZE + 2
    assert fresh(channel).cursor["since_id"] == "200"


def test_cursor_survives_a_restart(channel, fake_api, app):
    """A new process (new app) continues from the stored since_id."""
    fake_api.route("GET", NOTIFICATIONS, [mention("21", "1021")], [])
    poll(channel)
    poll_in_new_process(app, channel.id)
    assert fake_api.received("GET", NOTIFICATIONS)[-1].query["since_id"] == ["21"]
    assert len(inbound(channel)) == 1


def test_reply_to_our_reply_stays_in_the_conversation(channel, fake_api):
    fake_api.route("GET", NOTIFICATIONS, [mention("30", "1030")], [mention("31", "1031", in_reply_to_id="777")])
    poll(channel)
    conversation = conversations(channel)[0]
    db.session.add(Message(organization_id=channel.organization_id, conversation_id=conversation.id,
                           channel_id=channel.id, direction="out", external_id="777", text="Antwort"))
    db.session.commit()
    poll(channel)
    assert len(conversations(channel)) == 1
    assert [m.external_id for m in inbound(channel)] == ["1030", "1031"]


def test_end_to_end_direct_mention_is_answered_directly(channel, fake_api, client, auth, create_user):
    from inbox.orgs.models import Organization

    fake_api.route("GET", NOTIFICATIONS, [mention("40", "1040", visibility="direct")])
    fake_api.route("POST", "/api/v1/statuses", {"id": "2040", "visibility": "direct"})
    poll(channel)
    conversation = conversations(channel)[0]
    org = db.session.get(Organization, channel.organization_id)
    sent = editor_replies(client, auth, create_user, org, conversation, "Die Ampel wird morgen repariert.")
    request = fake_api.received("POST", "/api/v1/statuses")[0]
    assert request.json == {"status": "@karin@norden.social Die Ampel wird morgen repariert.",
                            "in_reply_to_id": "1040", "visibility": "direct"}
    assert request.headers["Idempotency-Key"] == f"mitreden-reply-{sent.id}"
    assert sent.delivery_state == "sent" and sent.external_id == "2040"
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "gesendet" in page


def _reply(**kwargs):
    return OutboundReply(text="Danke!", recipient_id="7001", recipient_handle="karin@norden.social",
                         in_reply_to="1001", is_public=True, message_id=5, **kwargs)


def test_public_reply_stays_public(channel, fake_api):
    fake_api.route("POST", "/api/v1/statuses", {"id": "3001"})
    assert get_adapter("mastodon").send(channel, _reply()) == "3001"
    assert fake_api.received("POST", "/api/v1/statuses")[0].json["visibility"] == "public"


@pytest.mark.parametrize("reply, permanent, retry_after", [
    (Reply(429, {"error": "Too many requests"}, {"Retry-After": "30"}), False, 30.0),
    (Reply(503, {"error": "Service unavailable"}), False, None),
    (Reply(401, {"error": "The access token is invalid"}), True, None),
    (Reply(422, {"error": "Validation failed: Text can't be blank"}), True, None),
])
def test_send_failures_are_sorted_into_retry_or_stop(channel, fake_api, reply, permanent, retry_after):
    fake_api.route("POST", "/api/v1/statuses", reply)
    with pytest.raises(DeliveryError) as info:
        get_adapter("mastodon").send(channel, _reply())
    assert info.value.permanent is permanent and info.value.retry_after == retry_after


def test_too_long_reply_is_refused_before_sending(channel, fake_api):
    with pytest.raises(DeliveryError) as info:
        get_adapter("mastodon").send(channel, OutboundReply(text="x" * 600, recipient_id="1", recipient_handle="k"))
    assert info.value.permanent and "500" in str(info.value)
    assert fake_api.received("POST") == []


def test_connection_check_speaks_german_and_never_raises(channel, fake_api):
    fake_api.route("GET", "/api/v1/accounts/verify_credentials", {"id": "1", "acct": "stadt"},
                   Reply(401, {"error": "The access token is invalid"}))
    adapter = get_adapter("mastodon")
    assert adapter.test_connection(channel) == "Verbunden als @stadt"
    assert adapter.test_connection(channel).startswith("Verbindung fehlgeschlagen: HTTP 401")
