"""Bluesky: session handling, polling notifications without reading twice, reply refs root + parent."""

import json

import pytest

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError, OutboundReply
from inbox.extensions import db
from tests.channels.polltools import conversations, editor_replies, fresh, inbound, poll, raw_events
from tests.fakeapi import Reply

LIST = "/xrpc/app.bsky.notification.listNotifications"
CREATE = "/xrpc/com.atproto.repo.createRecord"
SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
KARIN = {"did": "did:plc:karin", "handle": "karin.bsky.social", "displayName": "Karin Vogel"}


def uri(rkey, did="did:plc:karin"):
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def note(rkey, indexed_at, *, reason="mention", text="@stadt.bsky.social Wann öffnet das Freibad?", reply=None,
         embed=None):
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": indexed_at, "langs": ["de"]}
    if reply:
        record["reply"] = reply
    if embed:
        record["embed"] = embed
    return {"uri": uri(rkey), "cid": f"bafy-{rkey}", "author": KARIN, "reason": reason, "record": record,
            "isRead": False, "indexedAt": indexed_at, "labels": []}


def ref(rkey, did="did:plc:karin"):
    return {"uri": uri(rkey, did), "cid": f"bafy-{rkey}"}


@pytest.fixture
def channel(create_org, create_channel, fake_api):
    fake_api.route("POST", SESSION, {"accessJwt": "acc-1", "refreshJwt": "ref-1", "did": "did:plc:stadt",
                                     "handle": "stadt.bsky.social"})
    return create_channel(create_org(), "bluesky", name="Bluesky Stadt", settings={"api_base": fake_api.url},
                          credentials={"identifier": "stadt.bsky.social", "app_password": "abcd-efgh"})


def test_parses_a_mention_with_images(channel):
    embed = {"$type": "app.bsky.embed.images", "images": [
        {"alt": "Freibad geschlossen", "image": {"$type": "blob", "ref": {"$link": "bafkimg"},
                                                 "mimeType": "image/jpeg", "size": 12345}}]}
    body = json.dumps(note("3k1", "2026-06-01T08:00:00.000Z", embed=embed)).encode()
    message = get_adapter("bluesky").parse(channel, body, "application/json").messages[0]
    assert message.external_id == uri("3k1") and message.thread_key == uri("3k1")
    assert (message.author_id, message.author_handle, message.author_name) == (
        "did:plc:karin", "karin.bsky.social", "Karin Vogel")
    assert message.text == "@stadt.bsky.social Wann öffnet das Freibad?" and message.is_public
    assert message.attachments == [{"type": "image/jpeg", "name": "Freibad geschlossen", "size": 12345,
                                    "cid": "bafkimg"}]


def test_a_reply_is_threaded_by_its_root(channel):
    reply = {"root": ref("root1"), "parent": ref("3kparent", "did:plc:stadt")}
    body = json.dumps(note("3k2", "2026-06-01T08:00:00.000Z", reason="reply", reply=reply)).encode()
    message = get_adapter("bluesky").parse(channel, body, "application/json").messages[0]
    assert message.thread_key == uri("root1")
    assert message.parent_external_id == uri("3kparent", "did:plc:stadt")


@pytest.mark.parametrize("reason", ["like", "repost", "follow", "quote"])
def test_other_reasons_are_ignored(channel, reason):
    body = json.dumps(note("3k3", "2026-06-01T08:00:00.000Z", reason=reason)).encode()
    assert get_adapter("bluesky").parse(channel, body, "application/json").empty


def test_polls_with_a_session_and_reads_nothing_twice(channel, fake_api):
    first = {"notifications": [note("b", "2026-06-01T08:00:02.000Z"), note("a", "2026-06-01T08:00:01.000Z")],
             "cursor": "c1"}
    second = {"notifications": [note("c", "2026-06-01T08:00:03.000Z"), note("b", "2026-06-01T08:00:02.000Z"),
                                note("a", "2026-06-01T08:00:01.000Z")], "cursor": "c2"}
    fake_api.route("GET", LIST, first, second, second)
    poll(channel)
    request = fake_api.received("GET", LIST)[0]
    assert request.headers["Authorization"] == "Bearer acc-1"
    assert request.query["reasons"] == ["mention", "reply"]
    assert fake_api.received("POST", SESSION)[0].json == {"identifier": "stadt.bsky.social", "password": "abcd-efgh"}
    assert [m.external_id for m in inbound(channel)] == [uri("a"), uri("b")]
    poll(channel)
    poll(channel)
    assert [m.external_id for m in inbound(channel)] == [uri("a"), uri("b"), uri("c")]
    assert len(raw_events(channel)) == 3
    assert fresh(channel).cursor["seen"] == [uri("c")]


def test_pages_back_until_the_cursor_so_nothing_is_missed(channel, fake_api):
    channel.cursor = {"indexed_at": "2026-06-01T08:00:00+00:00", "seen": [uri("old")]}
    db.session.commit()
    page1 = {"notifications": [note("n3", "2026-06-01T08:00:09.000Z"), note("n2", "2026-06-01T08:00:08.000Z")],
             "cursor": "older"}
    page2 = {"notifications": [note("n1", "2026-06-01T08:00:05.000Z"), note("old", "2026-06-01T08:00:00.000Z")],
             "cursor": "oldest"}
    fake_api.route("GET", LIST, page1, page2)
    poll(channel)
    assert fake_api.received("GET", LIST)[1].query["cursor"] == ["older"]
    assert len(fake_api.received("GET", LIST)) == 2
    assert [m.external_id for m in inbound(channel)] == [uri("n1"), uri("n2"), uri("n3")]


def test_expired_token_is_refreshed_once(channel, fake_api):
    fake_api.route("GET", LIST, Reply(400, {"error": "ExpiredToken", "message": "Token has expired"}),
                   {"notifications": []})
    fake_api.route("POST", REFRESH, {"accessJwt": "acc-2", "refreshJwt": "ref-2", "did": "did:plc:stadt"})
    poll(channel)
    assert fake_api.received("POST", REFRESH)[0].headers["Authorization"] == "Bearer ref-1"
    assert fake_api.received("GET", LIST)[1].headers["Authorization"] == "Bearer acc-2"
    assert "backoff_until" not in fresh(channel).cursor


def test_end_to_end_reply_to_a_reply_carries_root_and_parent(channel, fake_api, client, auth, create_user):
    from inbox.orgs.models import Organization

    # Karin answers the city's post (root) with a post of her own; the editor answers her post.
    reply = {"root": ref("cityroot", "did:plc:stadt"), "parent": ref("cityroot", "did:plc:stadt")}
    fake_api.route("GET", LIST, {"notifications": [note("k1", "2026-06-01T08:00:00.000Z", reason="reply",
                                                        reply=reply)]})
    fake_api.route("POST", CREATE, {"uri": uri("r1", "did:plc:stadt"), "cid": "bafy-r1"})
    poll(channel)
    conversation = conversations(channel)[0]
    org = db.session.get(Organization, channel.organization_id)
    sent = editor_replies(client, auth, create_user, org, conversation, "Das Freibad öffnet am 1. Mai.")
    body = fake_api.received("POST", CREATE)[0].json
    assert body["repo"] == "did:plc:stadt" and body["collection"] == "app.bsky.feed.post"
    assert body["record"]["reply"] == {"root": ref("cityroot", "did:plc:stadt"), "parent": ref("k1")}
    assert body["record"]["text"] == "Das Freibad öffnet am 1. Mai."
    assert body["record"]["createdAt"].endswith("Z")
    assert sent.delivery_state == "sent" and sent.external_id == uri("r1", "did:plc:stadt")


def test_answer_to_a_top_level_mention_uses_it_as_root(channel, fake_api):
    fake_api.route("GET", LIST, {"notifications": [note("top", "2026-06-01T08:00:00.000Z")]})
    fake_api.route("POST", CREATE, {"uri": uri("r2", "did:plc:stadt"), "cid": "bafy-r2"})
    poll(channel)
    get_adapter("bluesky").send(channel, OutboundReply(text="Danke!", recipient_id="did:plc:karin",
                                                       in_reply_to=uri("top")))
    assert fake_api.received("POST", CREATE)[0].json["record"]["reply"] == {"root": ref("top"), "parent": ref("top")}


def test_unknown_parent_is_looked_up(channel, fake_api):
    post = {"uri": uri("far"), "cid": "bafy-far", "record": {"text": "x", "reply": {"root": ref("r0"),
                                                                                    "parent": ref("p0")}}}
    fake_api.route("GET", "/xrpc/app.bsky.feed.getPosts", {"posts": [post]})
    fake_api.route("POST", CREATE, {"uri": uri("r3", "did:plc:stadt"), "cid": "bafy-r3"})
    get_adapter("bluesky").send(channel, OutboundReply(text="Hallo", recipient_id="x", in_reply_to=uri("far")))
    assert fake_api.received("GET", "/xrpc/app.bsky.feed.getPosts")[0].query["uris"] == [uri("far")]
    assert fake_api.received("POST", CREATE)[0].json["record"]["reply"] == {"root": ref("r0"), "parent": ref("far")}


def test_more_than_300_graphemes_is_refused(channel, fake_api):
    from inbox.channels.adapters.bluesky import grapheme_count

    assert grapheme_count("Straße 🇩🇪 👍🏽 e\u0301") == 12
    with pytest.raises(DeliveryError) as info:
        get_adapter("bluesky").send(channel, OutboundReply(text="ä" * 301, recipient_id="x", in_reply_to=uri("a")))
    assert info.value.permanent and "300" in str(info.value)
    assert fake_api.received("POST", CREATE) == []


@pytest.mark.parametrize("reply, permanent", [
    (Reply(429, {"error": "RateLimitExceeded"}, {"Retry-After": "60"}), False),
    (Reply(502, {"error": "UpstreamFailure"}), False),
    (Reply(400, {"error": "InvalidRequest", "message": "Invalid reply"}), True),
])
def test_send_errors(channel, fake_api, reply, permanent):
    fake_api.route("GET", "/xrpc/app.bsky.feed.getPosts", {"posts": [{"uri": uri("a"), "cid": "bafy-a",
                                                                      "record": {}}]})
    fake_api.route("POST", CREATE, reply)
    with pytest.raises(DeliveryError) as info:
        get_adapter("bluesky").send(channel, OutboundReply(text="Hallo", recipient_id="x", in_reply_to=uri("a")))
    assert info.value.permanent is permanent


def test_connection_check(channel, fake_api):
    assert get_adapter("bluesky").test_connection(channel) == "Verbunden als @stadt.bsky.social"
    fake_api.route("POST", SESSION, Reply(401, {"error": "AuthenticationRequired",
                                                "message": "Invalid identifier or password"}))
    assert get_adapter("bluesky").test_connection(channel).startswith("Verbindung fehlgeschlagen: HTTP 401")
