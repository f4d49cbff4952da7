"""The webhook intake: cached channel snapshots, the group-commit writer, and what happens when parts fail."""

from __future__ import annotations

import io
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from inbox.channels import intake
from inbox.channels.directory import EXTENSION as DIRECTORY
from inbox.channels.models import Channel, RawEvent
from inbox.channels.rawstore import GroupWriter, StoreUnavailable, event_row
from inbox.conversations.models import Message
from inbox.core import clock
from inbox.core.crypto import encrypt_json
from inbox.extensions import db
from tests.waiting import wait_for


class Handed:
    """Collects what the writer hands on to the job queue."""

    def __init__(self):
        self.calls: list[list[int]] = []

    def __call__(self, ids: list[int]) -> None:
        self.calls.append(list(ids))

    @property
    def ids(self) -> list[int]:
        return sorted(i for call in self.calls for i in call)


def store_in_threads(writer: GroupWriter, rows: list[dict]) -> list[int]:
    ids: list[int | None] = [None] * len(rows)

    def store(index: int) -> None:
        ids[index] = writer.store(rows[index])

    threads = [threading.Thread(target=store, args=(i,)) for i in range(len(rows))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return ids


def test_concurrent_requests_each_get_the_id_of_their_own_row(app, create_org, create_channel):
    channel = create_channel(create_org())
    handed = Handed()
    writer = GroupWriter(app, handed, queue_delay=0.05)
    rows = [event_row(channel, f"body-{i}".encode(), "application/json", {"X-Request-Id": str(i)},
                      *(("failed", "kaputt") if i % 5 == 0 else ())) for i in range(40)]

    ids = store_in_threads(writer, rows)

    assert len(set(ids)) == 40
    db.session.expire_all()
    stored = {e.id: e for e in db.session.scalars(select(RawEvent))}
    for i, event_id in enumerate(ids):
        assert stored[event_id].body == f"body-{i}".encode()
        assert stored[event_id].headers == {"X-Request-Id": str(i)}
        assert stored[event_id].status == ("failed" if i % 5 == 0 else "pending")
    # Only the events that still need processing go to the queue, each once.
    assert wait_for(lambda: len(handed.ids) == 32)
    assert handed.ids == sorted(ids[i] for i in range(40) if i % 5)


def test_requests_arriving_during_a_commit_share_the_next_one(app, create_org, create_channel, monkeypatch):
    channel = create_channel(create_org())
    gate, sizes = threading.Event(), []
    original = GroupWriter._insert

    def held_insert(self, rows):
        sizes.append(len(rows))
        if len(sizes) == 1:
            gate.wait(5)  # the first commit is slow: the next requests gather behind it
        return original(self, rows)

    monkeypatch.setattr(GroupWriter, "_insert", held_insert)
    writer = GroupWriter(app, Handed(), queue_delay=0)
    first = threading.Thread(target=writer.store, args=(event_row(channel, b"first", "application/json", {}),))
    first.start()
    assert wait_for(lambda: sizes == [1])
    rest = threading.Thread(target=store_in_threads, args=(
        writer, [event_row(channel, f"r{i}".encode(), "application/json", {}) for i in range(10)]))
    rest.start()
    assert wait_for(lambda: writer._queue.qsize() == 10)
    gate.set()
    first.join(5)
    rest.join(10)

    assert sizes == [1, 10]
    assert db.session.scalar(select(db.func.count()).select_from(RawEvent)) == 11


def test_a_failed_insert_wakes_every_waiter_with_an_error(app, create_org, create_channel, monkeypatch):
    channel = create_channel(create_org())

    def broken(self, rows):
        raise OperationalError("INSERT", {}, Exception("database is gone"))

    monkeypatch.setattr(GroupWriter, "_insert", broken)
    writer = GroupWriter(app, Handed())
    with pytest.raises(StoreUnavailable, match="database is gone"):
        writer.store(event_row(channel, b"x", "application/json", {}))


def test_store_failure_answers_503_to_retry_and_stores_nothing(app, create_org, create_channel, post_webhook,
                                                               citizen_message, monkeypatch):
    channel = create_channel(create_org())

    def broken(connection, rows):
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(intake, "insert_rows", broken)
    response = post_webhook(channel, citizen_message("ext-503"))

    assert response.status_code == 503
    assert response.get_json() == {"error": "temporarily unavailable, please retry"}
    assert response.headers["Retry-After"] == "5"
    assert db.session.scalar(select(db.func.count()).select_from(RawEvent)) == 0


def test_event_the_queue_never_got_is_processed_by_the_sweep(app, create_org, create_channel, citizen_message):
    from inbox import jobs
    from inbox.channels.tasks import requeue_stale

    channel = create_channel(create_org())

    def redis_down(ids):
        raise ConnectionError("Redis is not answering")

    writer = GroupWriter(app, redis_down)
    body = json.dumps(citizen_message("ext-lost", text="Ist die Brücke gesperrt?")).encode()
    event_id = writer.store(event_row(channel, body, "application/json", {}))
    db.session.expire_all()
    assert db.session.get(RawEvent, event_id).status == "pending"

    assert requeue_stale() == 0  # just arrived: a worker may still be on it
    clock.set_time(clock.now() + timedelta(minutes=3))
    assert requeue_stale() == 1
    db.session.commit()
    jobs.run_ready()

    db.session.expire_all()
    assert db.session.get(RawEvent, event_id).status == "processed"
    assert db.session.scalar(select(Message.text)) == "Ist die Brücke gesperrt?"


def test_secret_rotated_by_another_process_is_accepted_at_once(app, create_org, create_channel, post_webhook,
                                                               citizen_message):
    channel = create_channel(create_org(), secret="old-secret")
    assert post_webhook(channel, citizen_message(), secret="old-secret").status_code == 200  # now cached
    # Another web process changes the secret: no session event reaches this process's cache.
    with db.engine.begin() as connection:
        connection.execute(update(Channel).where(Channel.id == channel.id).values(
            credentials_encrypted=encrypt_json({"secret": "new-secret"})))
    app.extensions[DIRECTORY].refresh_after = 0

    assert post_webhook(channel, citizen_message(), secret="new-secret").status_code == 200
    assert post_webhook(channel, citizen_message(), secret="old-secret").status_code == 401


def test_forged_signatures_do_not_reload_the_channel_each_time(app, create_org, create_channel, post_webhook,
                                                               citizen_message, monkeypatch):
    from inbox.channels import directory

    channel = create_channel(create_org())
    assert post_webhook(channel, citizen_message()).status_code == 200
    app.extensions[DIRECTORY].refresh_after = 60
    reads = []
    monkeypatch.setattr(directory, "_read", lambda slug: reads.append(slug))
    for _ in range(5):
        assert post_webhook(channel, citizen_message(), secret="guessed").status_code == 401
    assert reads == []


def test_one_broken_event_does_not_hold_back_the_others(app, create_org, create_channel, citizen_message,
                                                        monkeypatch):
    from inbox.channels import tasks
    from inbox.conversations import operations

    channel = create_channel(create_org())
    good, bad = (RawEvent(organization_id=channel.organization_id, channel_id=channel.id,
                          content_type="application/json",
                          body=json.dumps(citizen_message(ext, text=ext)).encode()) for ext in ("good", "bad"))
    db.session.add_all([good, bad])
    db.session.commit()
    original = operations.ingest

    def ingest(channel, item, *args, **kwargs):
        if item.external_id == "bad":
            raise RuntimeError("a bug in threading")
        return original(channel, item, *args, **kwargs)

    monkeypatch.setattr(operations, "ingest", ingest)
    app.config["JOBS_RAISE"] = False
    tasks.process_raw_events([bad.id, good.id])

    db.session.expire_all()
    assert db.session.get(RawEvent, good.id).status == "processed"
    assert db.session.scalar(select(Message.text)) == "good"
    assert (db.session.get(RawEvent, bad.id).status, db.session.get(RawEvent, bad.id).attempts) == ("pending", 1)
    for _ in range(tasks.MAX_ATTEMPTS - 1):
        tasks.process_raw_events([bad.id])
    db.session.expire_all()
    assert db.session.get(RawEvent, bad.id).status == "failed"
    assert "mehrfach fehlgeschlagen" in db.session.get(RawEvent, bad.id).error


def test_chunked_body_is_read_up_to_the_limit_only():
    small, big = io.BytesIO(b"x" * 100), io.BytesIO(b"x" * 101)
    assert intake._read_body({"wsgi.input": small}, 100) == b"x" * 100
    assert intake._read_body({"wsgi.input": big}, 100) is None
    assert intake._read_body({"wsgi.input": io.BytesIO(b"x" * 500), "CONTENT_LENGTH": "500"}, 100) is None
