"""YouTube: polling comment threads with a publishedAt cursor, replies with the top-level comment as parent."""

import json

import pytest

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError, OutboundReply
from inbox.extensions import db
from tests.channels.polltools import conversations, editor_replies, fresh, inbound, poll, raw_events
from tests.fakeapi import Reply

THREADS = "/youtube/v3/commentThreads"
COMMENTS = "/youtube/v3/comments"
OWN = "UCstadt"


def comment(comment_id, published, *, author="UCkarin", name="@karinvogel", text="Wann ist das Stadtfest?",
            parent=None):
    snippet = {"channelId": OWN, "videoId": "vid1", "textDisplay": text, "textOriginal": text,
               "authorDisplayName": name, "authorChannelId": {"value": author}, "canRate": True,
               "viewerRating": "none", "likeCount": 0, "publishedAt": published, "updatedAt": published}
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e", "id": comment_id, "snippet": snippet}


def thread(thread_id, published, *, replies=(), total=None, **kwargs):
    return {"kind": "youtube#commentThread", "etag": "t", "id": thread_id,
            "snippet": {"channelId": OWN, "videoId": "vid1", "topLevelComment": comment(thread_id, published, **kwargs),
                        "canReply": True, "totalReplyCount": len(replies) if total is None else total,
                        "isPublic": True},
            "replies": {"comments": list(replies)} if replies else {}}


def page(*threads, token=None):
    answer = {"kind": "youtube#commentThreadListResponse", "items": list(threads),
              "pageInfo": {"totalResults": len(threads), "resultsPerPage": 100}}
    if token:
        answer["nextPageToken"] = token
    return answer


@pytest.fixture
def channel(create_org, create_channel, fake_api):
    return create_channel(create_org(), "youtube", name="YouTube Stadt",
                          settings={"api_base": fake_api.url, "youtube_channel_id": OWN,
                                    "token_url": fake_api.url + "/token"},
                          credentials={"access_token": "ya29.old", "refresh_token": "1//refresh",
                                       "client_id": "cid", "client_secret": "csecret"})


def test_parses_a_top_level_comment_and_a_reply(channel):
    adapter = get_adapter("youtube")
    item = {"thread": {"id": "T1", "snippet": {"videoId": "vid1"}}, "comment": comment("T1", "2026-05-01T10:00:00Z")}
    top = adapter.parse(channel, json.dumps(item).encode(), "application/json").messages[0]
    assert (top.external_id, top.thread_key, top.parent_external_id) == ("T1", "T1", "")
    assert (top.author_id, top.author_name, top.is_public) == ("UCkarin", "@karinvogel", True)
    assert top.text == "Wann ist das Stadtfest?"
    item = {"thread": {"id": "T1"}, "comment": comment("T1.r1", "2026-05-01T11:00:00Z", parent="T1")}
    reply = adapter.parse(channel, json.dumps(item).encode(), "application/json").messages[0]
    assert (reply.external_id, reply.thread_key, reply.parent_external_id) == ("T1.r1", "T1", "T1")


def test_our_own_replies_are_ignored(channel):
    item = {"thread": {"id": "T1"}, "comment": comment("T1.r2", "2026-05-01T11:00:00Z", author=OWN, parent="T1")}
    assert get_adapter("youtube").parse(channel, json.dumps(item).encode(), "application/json").empty


def test_polls_with_cursor_and_reads_nothing_twice(channel, fake_api):
    first = page(thread("T1", "2026-05-01T10:00:00Z"))
    second = page(thread("T2", "2026-05-01T12:00:00Z"),
                  thread("T1", "2026-05-01T10:00:00Z",
                         replies=[comment("T1.r1", "2026-05-01T11:00:00Z", parent="T1"),
                                  comment("T1.own", "2026-05-01T11:30:00Z", parent="T1", author=OWN)]))
    fake_api.route("GET", THREADS, first, second, second)
    poll(channel)
    request = fake_api.received("GET", THREADS)[0]
    assert request.query["allThreadsRelatedToChannelId"] == [OWN] and request.query["order"] == ["time"]
    assert request.query["part"] == ["snippet,replies"]
    assert request.headers["Authorization"] == "Bearer ya29.old"
    poll(channel)
    poll(channel)
    assert [m.external_id for m in inbound(channel)] == ["T1", "T1.r1", "T2"]
    assert len(raw_events(channel)) == 4  # T1, T1.r1, our own reply (stored, ignored), T2
    assert [e.status for e in raw_events(channel)].count("ignored") == 1
    assert fresh(channel).cursor["published_at"] == "2026-05-01T12:00:00+00:00"
    assert len(conversations(channel)) == 2


def test_threads_with_more_replies_are_completed(channel, fake_api):
    fake_api.route("GET", THREADS, page(thread("T5", "2026-05-01T10:00:00Z", total=2,
                                               replies=[comment("T5.a", "2026-05-01T10:05:00Z", parent="T5")])))
    fake_api.route("GET", COMMENTS, {"items": [comment("T5.a", "2026-05-01T10:05:00Z", parent="T5"),
                                               comment("T5.b", "2026-05-01T10:06:00Z", parent="T5")]})
    poll(channel)
    assert fake_api.received("GET", COMMENTS)[0].query["parentId"] == ["T5"]
    assert [m.external_id for m in inbound(channel)] == ["T5", "T5.a", "T5.b"]


def test_next_page_is_read_while_threads_are_newer_than_the_cursor(channel, fake_api):
    channel.cursor = {"published_at": "2026-05-01T09:00:00+00:00", "seen": []}
    db.session.commit()
    fake_api.route("GET", THREADS, page(thread("T9", "2026-05-01T12:00:00Z"), token="p2"),
                   page(thread("T8", "2026-05-01T10:00:00Z"), thread("T0", "2026-05-01T08:00:00Z"), token="p3"))
    poll(channel)
    requests = fake_api.received("GET", THREADS)
    assert len(requests) == 2 and requests[1].query["pageToken"] == ["p2"]
    assert [m.external_id for m in inbound(channel)] == ["T8", "T9"]


def test_end_to_end_reply_goes_to_the_top_level_comment(channel, fake_api, client, auth, create_user):
    from inbox.orgs.models import Organization

    fake_api.route("GET", THREADS, page(thread("T3", "2026-05-01T10:00:00Z",
                                               replies=[comment("T3.r1", "2026-05-01T10:30:00Z", parent="T3")])))
    fake_api.route("POST", COMMENTS, {"kind": "youtube#comment", "id": "T3.mine", "snippet": {}})
    poll(channel)
    conversation = conversations(channel)[0]
    org = db.session.get(Organization, channel.organization_id)
    sent = editor_replies(client, auth, create_user, org, conversation, "Das Stadtfest ist am 12. Juli.")
    request = fake_api.received("POST", COMMENTS)[0]
    assert request.query["part"] == ["snippet"]
    assert request.json == {"snippet": {"parentId": "T3", "textOriginal": "Das Stadtfest ist am 12. Juli."}}
    assert request.headers["Authorization"] == "Bearer ya29.old"
    assert sent.delivery_state == "sent" and sent.external_id == "T3.mine"


def test_expired_token_is_renewed_with_the_refresh_token(channel, fake_api):
    fake_api.route("POST", COMMENTS, Reply(401, {"error": {"message": "Invalid Credentials"}}), {"id": "T4.mine"})
    fake_api.route("POST", "/token", {"access_token": "ya29.new", "expires_in": 3599})
    reply = OutboundReply(text="Danke", recipient_id="UCkarin", thread_key="T4", in_reply_to="T4")
    assert get_adapter("youtube").send(channel, reply) == "T4.mine"
    assert fake_api.received("POST", "/token")[0].form["grant_type"] == "refresh_token"
    assert fake_api.received("POST", COMMENTS)[1].headers["Authorization"] == "Bearer ya29.new"


@pytest.mark.parametrize("reply, permanent, retry_after", [
    (Reply(429, {"error": {"message": "Rate Limit Exceeded"}}, {"Retry-After": "120"}), False, 120.0),
    (Reply(500, {"error": {"message": "Backend Error"}}), False, None),
    (Reply(403, {"error": {"message": "The comment cannot be created due to insufficient permissions"}}), True, None),
])
def test_send_errors(channel, fake_api, reply, permanent, retry_after):
    fake_api.route("POST", COMMENTS, reply)
    with pytest.raises(DeliveryError) as info:
        get_adapter("youtube").send(channel, OutboundReply(text="x", recipient_id="u", thread_key="T1"))
    assert info.value.permanent is permanent and info.value.retry_after == retry_after


def test_polling_with_only_an_api_key(create_org, create_channel, fake_api):
    channel = create_channel(create_org(), "youtube", settings={"api_base": fake_api.url, "youtube_channel_id": OWN},
                             credentials={"api_key": "AIza-key"})
    fake_api.route("GET", THREADS, page(thread("T7", "2026-05-01T10:00:00Z")))
    poll(channel)
    assert fake_api.received("GET", THREADS)[0].query["key"] == ["AIza-key"]
    assert [m.external_id for m in inbound(channel)] == ["T7"]
    with pytest.raises(DeliveryError) as info:
        get_adapter("youtube").send(channel, OutboundReply(text="x", recipient_id="u", thread_key="T7"))
    assert info.value.permanent


def test_connection_check(channel, fake_api):
    fake_api.route("GET", "/youtube/v3/channels", {"items": [{"id": OWN, "snippet": {"title": "Stadt Teststadt"}}]},
                   Reply(403, {"error": {"message": "quotaExceeded"}}))
    assert get_adapter("youtube").test_connection(channel) == "Verbunden mit dem Kanal „Stadt Teststadt“"
    assert get_adapter("youtube").test_connection(channel).startswith("Verbindung fehlgeschlagen: HTTP 403")
