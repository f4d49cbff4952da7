"""The production server's front: webhooks answered on uvicorn's event loop, everything else by Flask.

Served by a real uvicorn on 127.0.0.1 with jobs going to the real Redis. On PostgreSQL signed
webhooks take the event-loop path (AsyncGroupWriter); on SQLite the front hands them to Flask's
own intake, and every outcome a sender sees must be the same.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading

import pytest
import requests
from sqlalchemy import select, update

from inbox.asgi import front
from inbox.channels import asyncintake
from inbox.channels.directory import EXTENSION as DIRECTORY
from inbox.channels.models import Channel, RawEvent
from inbox.channels.rawstore import GroupWriter
from inbox.conversations.models import Message
from inbox.core.crypto import encrypt_json, hmac_sha256_hex
from inbox.extensions import db
from tests.channels.conftest import count, only
from tests.waiting import wait_for

pytestmark = pytest.mark.redis


class Served:
    def __init__(self, app, server, thread: threading.Thread, port: int, loop):
        self.app, self.server, self.thread, self.url = app, server, thread, f"http://127.0.0.1:{port}"
        self.loop = loop

    def on_loop(self, fn) -> None:
        """fn() on the server's event loop: what the loop owns (the writer's connection) is not thread-safe."""
        done = threading.Event()
        self.loop.call_soon_threadsafe(lambda: (fn(), done.set()))
        assert done.wait(10)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        assert not self.thread.is_alive()

    def post(self, channel: Channel | str, payload: dict | bytes, *, secret: str = "s3cr3t",
             headers: dict | None = None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signed = {"Content-Type": "application/json",
                  "X-Mitreden-Signature": "sha256=" + hmac_sha256_hex(secret, body), **(headers or {})}
        slug = channel if isinstance(channel, str) else channel.slug
        return requests.post(f"{self.url}/webhooks/{slug}", data=body, headers=signed, timeout=30)

    @property
    def on_the_loop(self) -> bool:
        """Whether webhooks went through the event loop's writer (they do on PostgreSQL)."""
        return self.app.writer is not None


@pytest.fixture
def served(rq_app):
    """inbox.asgi's front for the test app, served by uvicorn as gunicorn's worker serves it."""
    import uvicorn

    app, loops = front(rq_app, threads=4), []

    async def noting_the_loop(scope, receive, send):
        if scope["type"] == "lifespan":
            loops.append(asyncio.get_running_loop())
        return await app(scope, receive, send)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(noting_the_loop, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started)
    served = Served(app, server, thread, sock.getsockname()[1], loops[0])
    yield served
    served.stop()


def queued_ids(app) -> list[int]:
    from inbox import jobs

    return sorted(i for job in jobs.get_queue().get_jobs() for i in job.args[1])


def test_webhook_is_stored_answered_queued_and_processed_by_a_worker(served, run_worker, create_org, create_channel,
                                                                   citizen_message, database_url):
    channel = create_channel(create_org())
    response = served.post(channel, citizen_message("asgi-1", text="Wann öffnet das Freibad?"),
                           headers={"X-Request-Id": "req-7", "User-Agent": "Stadtportal/2.1"})

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    event_id = response.json()["event_id"]
    assert response.json() == {"status": "accepted", "event_id": event_id}
    event = db.session.get(RawEvent, event_id)
    assert (event.status, event.channel_id, event.organization_id) == ("pending", channel.id, channel.organization_id)
    assert json.loads(event.body)["external_id"] == "asgi-1"
    assert event.headers == {"Content-Type": "application/json", "X-Request-Id": "req-7",
                             "User-Agent": "Stadtportal/2.1"}
    assert served.on_the_loop == database_url.startswith("postgresql")
    assert wait_for(lambda: queued_ids(served.app.app) == [event_id])

    [result] = run_worker()
    assert result.returncode == 0, result.stdout
    db.session.expire_all()
    assert only(Message, direction="in").text == "Wann öffnet das Freibad?"
    assert db.session.get(RawEvent, event_id).status == "processed"


def test_bad_input_gets_a_clear_json_answer(served, create_org, create_channel, citizen_message):
    channel = create_channel(create_org())
    limit = served.app.app.config["MAX_CONTENT_LENGTH"]

    unknown = requests.post(f"{served.url}/webhooks/no-such-channel", json={}, timeout=30)
    forged = served.post(channel, citizen_message("forged"), secret="guessed")
    malformed = served.post(channel, b'{"external_id": "x", "text": ')
    declared_too_large = served.post(channel, b"x" * (limit + 1))
    chunked_too_large = requests.post(f"{served.url}/webhooks/{channel.slug}", timeout=30,
                                      data=iter([b"x" * 4096] * (limit // 4096 + 2)),
                                      headers={"Content-Type": "application/json", "X-Mitreden-Signature": "x"})

    assert (unknown.status_code, unknown.json()) == (404, {"error": "unknown channel"})
    assert (forged.status_code, forged.json()) == (401, {"error": "invalid signature"})
    assert malformed.status_code == 400 and "JSON" in malformed.json()["error"]
    assert (declared_too_large.status_code, chunked_too_large.status_code) == (413, 413)
    assert chunked_too_large.json() == {"error": "body too large"}
    # Only the signed, malformed body is kept (as failed, for the channel admin); nothing unsigned is stored.
    [kept] = db.session.scalars(select(RawEvent)).all()
    assert (kept.status, kept.body) == ("failed", b'{"external_id": "x", "text": ')


def test_concurrent_webhooks_are_each_answered_with_their_own_event(served, create_org, create_channel,
                                                                   citizen_message):
    slug = create_channel(create_org()).slug
    payloads = [citizen_message(f"c-{i}", text=f"Frage {i}") for i in range(40)]
    answers: dict[int, requests.Response] = {}

    def send(i: int) -> None:
        answers[i] = served.post(slug, payloads[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(r.status_code for r in answers.values()) == [200] * 40
    ids = {i: r.json()["event_id"] for i, r in answers.items()}
    assert len(set(ids.values())) == 40
    for i, event_id in ids.items():
        assert json.loads(db.session.get(RawEvent, event_id).body)["text"] == f"Frage {i}"
    assert wait_for(lambda: queued_ids(served.app.app) == sorted(ids.values()))


def test_database_down_answers_503_and_the_next_webhook_after_it_is_back_is_stored(
        served, create_org, create_channel, citizen_message, monkeypatch, database_url):
    channel = create_channel(create_org())
    assert served.post(channel, citizen_message("before")).status_code == 200
    real_dsn = served.app.writer.dsn if served.on_the_loop else None
    if served.on_the_loop:  # a connection that cannot be made, as when PostgreSQL is down
        served.app.writer.dsn = "postgresql://postgres@127.0.0.1:9/nowhere"
        served.on_loop(served.app.writer._connection.terminate)
    else:
        monkeypatch.setattr(GroupWriter, "_insert", lambda self, rows: (_ for _ in ()).throw(OSError("disk full")))

    down = served.post(channel, citizen_message("during"))

    assert (down.status_code, down.headers["Retry-After"]) == (503, "5")
    assert down.json() == {"error": "temporarily unavailable, please retry"}
    if served.on_the_loop:
        served.app.writer.dsn = real_dsn
    else:
        monkeypatch.undo()
    assert served.post(channel, citizen_message("after")).status_code == 200
    db.session.expire_all()
    stored = [json.loads(e.body)["external_id"] for e in db.session.scalars(select(RawEvent).order_by(RawEvent.id))]
    assert stored == ["before", "after"]


def test_pages_and_the_contact_form_are_served_by_flask(served, create_org, create_channel):
    channel = create_channel(create_org())
    browser = requests.Session()

    login = browser.get(f"{served.url}/login", timeout=30)
    form = browser.get(f"{served.url}/kontakt/{channel.slug}", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
    sent = browser.post(f"{served.url}/webhooks/{channel.slug}", timeout=30, allow_redirects=False,
                        data={"csrf_token": token, "submission_id": "form-1", "name": "Jana <b>K</b>",
                              "email": "jana@example.org", "subject": "Laterne", "text": "Die Laterne ist aus."})
    refused = requests.post(f"{served.url}/webhooks/{channel.slug}", timeout=30, allow_redirects=False,
                            data={"submission_id": "form-2", "email": "x@example.org", "text": "ohne Token"})

    assert login.status_code == 200 and "Anmelden" in login.text
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/kontakt/{channel.slug}/danke")
    assert refused.status_code == 401
    assert count(RawEvent) == 1


def test_a_secret_rotated_elsewhere_is_accepted_at_once(served, create_org, create_channel, citizen_message):
    channel = create_channel(create_org(), secret="old-secret")
    assert served.post(channel, citizen_message(), secret="old-secret").status_code == 200  # now cached
    with db.engine.begin() as connection:
        connection.execute(update(Channel).where(Channel.id == channel.id).values(
            credentials_encrypted=encrypt_json({"secret": "new-secret"})))
    served.app.app.extensions[DIRECTORY].refresh_after = 0

    assert served.post(channel, citizen_message(), secret="new-secret").status_code == 200
    assert served.post(channel, citizen_message(), secret="old-secret").status_code == 401


@pytest.mark.postgres_only
def test_shutdown_queues_the_events_committed_but_not_yet_queued(served, create_org, create_channel,
                                                                 citizen_message):
    channel = create_channel(create_org())
    served.app._writer().queue_delay = 60  # only the shutdown will hand these on
    ids = [served.post(channel, citizen_message(f"s-{i}")).json()["event_id"] for i in range(3)]
    assert queued_ids(served.app.app) == []

    served.stop()

    assert queued_ids(served.app.app) == sorted(ids)


def test_headers_are_read_in_any_case_and_the_first_of_repeated_ones_counts():
    request = asyncintake._Request({"headers": [(b"x-hub-signature-256", b"sha256=first"),
                                                (b"x-hub-signature-256", b"sha256=second"),
                                                (b"content-type", b"application/json")], "query_string": b"a=1"})
    assert request.headers.get("X-Hub-Signature-256") == "sha256=first"
    assert "Content-Type" in request.headers and request.content_type == "application/json"
    assert request.args.get("a") == "1"


@pytest.mark.postgres_only
def test_on_the_loop_webhooks_arriving_during_a_commit_share_the_next_insert(app, create_org, create_channel,
                                                                             monkeypatch):
    import asyncio

    from inbox.channels.rawstore import event_row

    channel = create_channel(create_org())
    handed: list[list[int]] = []
    writer = asyncintake.AsyncGroupWriter(asyncintake.dsn(app), handed.append, queue_delay=0.01)
    sizes, original = [], asyncintake.AsyncGroupWriter._insert

    async def held_insert(self, rows):
        sizes.append(len(rows))
        if len(sizes) == 1:
            await gate.wait()
        return await original(self, rows)

    monkeypatch.setattr(asyncintake.AsyncGroupWriter, "_insert", held_insert)
    rows = [event_row(channel, f"body-{i}".encode(), "application/json", {}) for i in range(11)]

    async def scenario() -> list[int]:
        first = asyncio.create_task(writer.store(rows[0]))
        while not sizes:  # the first row's INSERT is under way
            await asyncio.sleep(0.001)
        rest = [asyncio.create_task(writer.store(row)) for row in rows[1:]]
        await asyncio.sleep(0.02)
        gate.set()
        ids = await asyncio.gather(first, *rest)
        await writer.close()
        return ids

    gate = asyncio.Event()
    ids = asyncio.run(scenario())

    assert sizes == [1, 10]
    db.session.expire_all()
    assert [db.session.get(RawEvent, event_id).body for event_id in ids] == [f"body-{i}".encode() for i in range(11)]
    assert sorted(i for job in handed for i in job) == sorted(ids)


def test_odd_input_on_the_loop_gets_a_clear_answer(served, create_org, create_channel, citizen_message):
    channel = create_channel(create_org())
    odd = requests.post(f"{served.url}/webhooks/{channel.slug}%00", json={}, timeout=30)
    long_type = served.post(channel, citizen_message("long-type"),
                            headers={"Content-Type": "application/json; profile=" + "x" * 400})
    unknown_long = requests.post(f"{served.url}/webhooks/{'x' * 100}", json={}, timeout=30)

    assert (odd.status_code, odd.json()) == (400, {"error": "invalid characters in the channel address"})
    assert long_type.status_code == 200, long_type.text
    assert (unknown_long.status_code, unknown_long.json()) == (404, {"error": "unknown channel"})
    event = only(RawEvent)
    assert len(event.content_type) == 200 and json.loads(event.body)["external_id"] == "long-type"
