"""Each adapter's look on the platform for a reply whose send never reported back (worker killed, no answer).

The reply is left as a killed worker leaves it; past its deadline the periodic pass looks it up through
the adapter against the loopback stand-in of the platform and marks it sent, sends it again with the
same idempotency key, or marks it unclear where the platform cannot tell.
"""

import socket
import threading
from datetime import timedelta

import pytest

from inbox.channels import http
from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import DeliveryError
from inbox.channels.adapters.bluesky import record_key
from inbox.conversations import delivery
from inbox.conversations.models import Message
from inbox.core import clock
from inbox.extensions import db
from tests.deliveryfaults import FakeMastodon, conversation_on, fresh, left_sending, past_the_deadline, periodic_pass
from tests.fakeapi import Reply

PAGE, IG = "1067280970047460", "17841405309211844"


@pytest.fixture
def org(create_org):
    return create_org()


@pytest.fixture
def author(org, create_user):
    return create_user(org, "editor")


def resolved(message):
    past_the_deadline()
    periodic_pass()
    return fresh(message)


def iso(moment) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# --- Mastodon: the status context; the Idempotency-Key guards the resend ---------------------------------------
@pytest.fixture
def mastodon(org, create_channel, fake_api):
    channel = create_channel(org, "mastodon", settings={"api_base": fake_api.url}, credentials={"access_token": "t"})
    return channel, conversation_on(channel, external_id="1001", author_handle="karin@norden.social")


def test_mastodon_finds_our_status_among_the_answers(mastodon, author, fake_api):
    channel, conversation = mastodon
    fake = FakeMastodon(fake_api, "1001")
    held_before = Message(organization_id=channel.organization_id, conversation_id=conversation.id,
                                   channel_id=channel.id, direction="out", external_id="8001", text="Danke!",
                                   delivery_state="sent")
    db.session.add(held_before)
    db.session.commit()
    message = left_sending(conversation, author, "Danke!")
    text = "@karin@norden.social Danke!"
    fake.others = [fake.status("8001", text, "1001"),  # our earlier reply with the same words: we hold it
                   fake.status("8002", text, "1001", account={"id": "77", "acct": "echo"}),  # not our account
                   fake.status("8003", text, "1001", created_at=clock.now() - timedelta(hours=1)),  # too old
                   fake.status("8004", "@karin Danke!", "1001")]  # Mastodon shows the remote mention short
    assert resolved(message).delivery_state == "sent" and fresh(message).external_id == "8004"
    assert fake_api.received("POST", "/api/v1/statuses") == []


def test_mastodon_sends_a_reply_that_is_not_there_again_with_the_same_key(mastodon, author, fake_api):
    _channel, conversation = mastodon
    fake = FakeMastodon(fake_api, "1001")
    message = left_sending(conversation, author, "Danke!")
    assert resolved(message).delivery_state == "sent"
    [post] = fake_api.received("POST", "/api/v1/statuses")
    assert post.headers["Idempotency-Key"] == f"mitreden-reply-{message.id}"
    assert [s["id"] for s in fake.posted()] == [fresh(message).external_id]


# --- Bluesky: a record key of our own; a second create is refused, getRecord finds the post ---------------------
class FakeBluesky:
    CREATE, GET = "/xrpc/com.atproto.repo.createRecord", "/xrpc/com.atproto.repo.getRecord"

    def __init__(self, api):
        self.records: dict[str, dict] = {}
        api.route("POST", "/xrpc/com.atproto.server.createSession",
                  {"accessJwt": "acc", "refreshJwt": "ref", "did": "did:plc:stadt", "handle": "stadt.bsky.social"})
        api.route("GET", "/xrpc/app.bsky.feed.getPosts",
                  {"posts": [{"uri": "at://did:plc:karin/app.bsky.feed.post/k1", "cid": "bafy-k1", "record": {}}]})
        api.route("POST", self.CREATE, self._create)
        api.route("GET", self.GET, self._get)

    def uri(self, rkey: str) -> str:
        return f"at://did:plc:stadt/app.bsky.feed.post/{rkey}"

    def _create(self, request):
        rkey = request.json.get("rkey")
        if rkey in self.records:
            return Reply(500, {"error": "InternalServerError", "message": "Internal Server Error"})  # today's PDS
        self.records[rkey] = request.json["record"]
        return Reply(body={"uri": self.uri(rkey), "cid": f"bafy-{rkey}"})

    def _get(self, request):
        rkey = request.query["rkey"][0]
        if rkey not in self.records:
            return Reply(400, {"error": "RecordNotFound", "message": f"Could not locate record: {self.uri(rkey)}"})
        return Reply(body={"uri": self.uri(rkey), "cid": f"bafy-{rkey}", "value": self.records[rkey]})


@pytest.fixture
def bluesky(org, create_channel, fake_api):
    fake = FakeBluesky(fake_api)
    channel = create_channel(org, "bluesky", settings={"api_base": fake_api.url},
                             credentials={"identifier": "stadt.bsky.social", "app_password": "pw"})
    conversation = conversation_on(channel, external_id="at://did:plc:karin/app.bsky.feed.post/k1",
                                   thread_key="at://did:plc:karin/app.bsky.feed.post/k1", author_id="did:plc:karin")
    return fake, channel, conversation


def test_bluesky_finds_the_post_the_killed_worker_made(bluesky, author, fake_api):
    fake, _channel, conversation = bluesky
    message = left_sending(conversation, author, "Das Freibad öffnet um 9 Uhr.")
    rkey = record_key(delivery.build_reply(message))
    fake.records[rkey] = {"text": "Das Freibad öffnet um 9 Uhr."}  # it arrived; the answer did not
    assert resolved(message).delivery_state == "sent"
    assert fresh(message).external_id == fake.uri(rkey)
    assert fake_api.received("POST", FakeBluesky.CREATE) == []


def test_bluesky_posts_a_missing_reply_under_its_own_record_key(bluesky, author, fake_api):
    fake, _channel, conversation = bluesky
    message = left_sending(conversation, author, "Das Freibad öffnet um 9 Uhr.")
    assert resolved(message).delivery_state == "sent"
    [create] = fake_api.received("POST", FakeBluesky.CREATE)
    assert create.json["rkey"] == record_key(delivery.build_reply(message))
    assert list(fake.records) == [create.json["rkey"]] and fresh(message).external_id == fake.uri(create.json["rkey"])


def test_bluesky_sending_the_same_reply_twice_posts_it_once(bluesky, author, fake_api):
    fake, channel, conversation = bluesky
    message = left_sending(conversation, author, "Das Freibad öffnet um 9 Uhr.")
    reply = delivery.build_reply(message)
    first = get_adapter("bluesky").send(channel, reply)
    assert get_adapter("bluesky").send(channel, reply) == first
    assert len(fake_api.received("POST", FakeBluesky.CREATE)) == 2 and len(fake.records) == 1
    key = record_key(reply)
    assert len(key) == 13 and key[0] in "234567abcdefghij" and set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")


# --- YouTube: the thread's replies by our channel, text and time ------------------------------------------------
@pytest.fixture
def youtube(org, create_channel, fake_api):
    channel = create_channel(org, "youtube", settings={"api_base": fake_api.url, "youtube_channel_id": "UCstadt"},
                             credentials={"access_token": "ya29"})
    return channel, conversation_on(channel, external_id="Ugthread", thread_key="Ugthread", author_id="UCkarin")


def yt_comment(comment_id, text, published, author="UCstadt"):
    return {"kind": "youtube#comment", "id": comment_id,
            "snippet": {"textOriginal": text, "textDisplay": text, "parentId": "Ugthread",
                        "authorChannelId": {"value": author}, "publishedAt": iso(published)}}


def test_youtube_finds_our_reply_on_a_later_page(youtube, author, fake_api):
    _channel, conversation = youtube
    message = left_sending(conversation, author, "Das Stadtfest ist am Samstag.")
    text, now = "Das Stadtfest ist am Samstag.", clock.now()
    fake_api.route("GET", "/youtube/v3/comments",
                   {"items": [yt_comment("Ug.a", text, now, author="UCkarin"),
                              yt_comment("Ug.b", text, now - timedelta(days=1))], "nextPageToken": "p2"},
                   {"items": [yt_comment("Ug.c", "Etwas anderes", now), yt_comment("Ug.mine", text, now)]})
    assert resolved(message).delivery_state == "sent" and fresh(message).external_id == "Ug.mine"
    assert [r.query.get("pageToken") for r in fake_api.received("GET", "/youtube/v3/comments")] == [None, ["p2"]]
    assert fake_api.received("POST", "/youtube/v3/comments") == []


def test_youtube_sends_a_missing_reply_again(youtube, author, fake_api):
    _channel, conversation = youtube
    message = left_sending(conversation, author, "Das Stadtfest ist am Samstag.")
    fake_api.route("GET", "/youtube/v3/comments", {"items": []})
    fake_api.route("POST", "/youtube/v3/comments", {"id": "Ug.new"})
    assert resolved(message).delivery_state == "sent" and fresh(message).external_id == "Ug.new"
    assert len(fake_api.received("POST", "/youtube/v3/comments")) == 1


# --- Facebook and Instagram: comment replies can be looked up, direct messages cannot --------------------------
def graph_reply(reply_id, text_key, time_key, text, moment, author):
    return {"id": reply_id, text_key: text, time_key: moment.strftime("%Y-%m-%dT%H:%M:%S+0000"), "from": {"id": author}}


def test_facebook_finds_our_comment_reply(meta_channel, author, fake_api):
    channel = meta_channel("facebook", {"page_id": PAGE})
    conversation = conversation_on(channel, external_id="444_2", thread_key="post:444", parent_external_id="444",
                                   author_id="100009999", is_public=True)
    message = left_sending(conversation, author, "Guten Tag!")
    now = clock.now()
    fake_api.route("GET", "/v21.0/444_2/comments", {"data": [
        graph_reply("444_7", "message", "created_time", "Guten Tag!", now, "100009999"),
        graph_reply("444_8", "message", "created_time", "Guten Tag!", now - timedelta(hours=2), PAGE),
        graph_reply("444_9", "message", "created_time", "Guten Tag!", now, PAGE)]})
    assert resolved(message).delivery_state == "sent" and fresh(message).external_id == "444_9"
    assert fake_api.received("POST", "/v21.0/444_2/comments") == []
    assert fake_api.received("GET", "/v21.0/444_2/comments")[0].headers["Authorization"] == "Bearer EAAtoken"


def test_instagram_sends_a_missing_comment_reply_again(meta_channel, author, fake_api):
    channel = meta_channel("instagram", {"instagram_id": IG})
    conversation = conversation_on(channel, external_id="178_1", thread_key="post:99", author_id="232323232",
                                   is_public=True)
    message = left_sending(conversation, author, "Guten Tag!")
    fake_api.route("GET", "/v21.0/178_1/replies", {"data": [
        graph_reply("178_5", "text", "timestamp", "Guten Tag!", clock.now(), "232323232")], "paging": {}})
    fake_api.route("POST", "/v21.0/178_1/replies", {"id": "178_2"})
    assert resolved(message).delivery_state == "sent" and fresh(message).external_id == "178_2"
    assert fake_api.received("GET", "/v21.0/178_1/replies")[0].query["fields"] == ["id,text,timestamp,from"]


def test_messenger_cannot_tell_so_the_reply_is_unclear(meta_channel, author, fake_api):
    channel = meta_channel("facebook", {"page_id": PAGE})
    conversation = conversation_on(channel, external_id="m.1", thread_key="dm:6783812315", author_id="6783812315")
    message = left_sending(conversation, author, "Guten Tag!")
    assert resolved(message).delivery_state == "unclear"
    assert "Facebook-Seite lässt nicht nachsehen" in fresh(message).delivery_error
    assert fake_api.requests == []


def test_email_cannot_tell_so_the_reply_is_unclear(org, create_channel, author):
    channel = create_channel(org, "email", settings={"smtp_host": "127.0.0.1", "smtp_port": 9})
    conversation = conversation_on(channel, external_id="<a@example.net>", author_id="k@example.net",
                                   author_email="k@example.net")
    message = left_sending(conversation, author, "Guten Tag!")
    assert resolved(message).delivery_state == "unclear"
    assert fresh(message).delivery_error == ("Die Plattform hat nicht geantwortet; E-Mail lässt nicht nachsehen, "
                                             "ob eine Antwort angekommen ist")


# --- transport: which failures may have posted ------------------------------------------------------------------
@pytest.fixture
def drops_after_reading():
    """A server that reads the request and closes the connection without an answer."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_post_without_an_answer_is_uncertain_a_refused_one_is_not(drops_after_reading):
    with pytest.raises(DeliveryError) as dropped:
        http.request("POST", drops_after_reading + "/statuses", json={})
    assert dropped.value.uncertain and not dropped.value.permanent
    with pytest.raises(DeliveryError) as read:
        http.request("GET", drops_after_reading + "/statuses")
    assert not read.value.uncertain  # reading again is harmless
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(DeliveryError) as refused:
        http.request("POST", f"http://127.0.0.1:{closed}/statuses", json={})
    assert not refused.value.uncertain and str(refused.value) == "Netzwerkfehler: ConnectionError"
