"""Storing raw webhook events durably, one INSERT (and so one COMMIT) for many concurrent requests.

Every accepted webhook must be committed before it is answered. Done one by one, each request
pays for its own statement, commit and queue push. The group writer is one thread per process:
request threads hand it their row and wait; it inserts whatever has gathered meanwhile as one
multi-row INSERT, wakes the waiters with their ids, and passes the ids to a second thread that
queues the processing job. While a commit is in flight the next batch gathers, so batches grow
with load, and a lone request is written at once.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC

from flask import Flask
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from inbox.core import clock
from inbox.core.safetext import clean, clean_deep, fit

log = logging.getLogger(__name__)
EXTENSION = "mitreden_raw_writer"
# Events per processing job: enough to save queue round trips, few enough to spread over the workers.
JOB_SIZE = 200


class StoreUnavailable(RuntimeError):
    """The event could not be stored; the sender should retry (503)."""


def event_row(channel, body: bytes, content_type: str, headers: dict, status: str = "pending",
              error: str = "") -> dict:
    """The row of one raw event. The body is stored as sent (bytea); what is text must fit its column:
    a sender's NUL or over-long Content-Type would otherwise fail the INSERT, and every retry with it."""
    from inbox.channels.models import RawEvent

    return {"organization_id": channel.organization_id, "channel_id": channel.id, "body": body,
            "content_type": fit(content_type, RawEvent.content_type), "headers": clean_deep(headers),
            "status": status, "error": clean(error), "attempts": 0, "received_at": clock.now()}


def insert_rows(connection: Connection, rows: list[dict]) -> list[int]:
    """Insert raw events inside the connection's transaction; returns their ids in the order of rows."""
    from inbox.channels.models import RawEvent

    if connection.dialect.name == "postgresql":
        return insert_batch(connection.connection.driver_connection, rows)
    table = RawEvent.__table__
    return [connection.execute(insert(table).returning(table.c.id), row).scalar_one() for row in rows]


_COLUMNS = (("organization_id", "int"), ("channel_id", "int"), ("body", "bytea"), ("content_type", "text"),
            ("headers", "json"), ("status", "text"), ("error", "text"), ("attempts", "int"),
            ("received_at", "timestamp"))


@functools.lru_cache(maxsize=512)
def batch_sql(count: int, numbered: bool = False) -> str:
    """INSERT of count rows; placeholders %s (psycopg) or, numbered, $1, $2, ... (asyncpg)."""
    names = ", ".join(name for name, _kind in _COLUMNS)
    if count == 1:  # the usual case off-peak: a plain VALUES, no sort to pair ids with rows
        marks = [f"${i + 1}" if numbered else "%s" for i in range(len(_COLUMNS))]
        values = ", ".join(f"{mark}::{kind}" for mark, (_name, kind) in zip(marks, _COLUMNS, strict=True))
        return f"INSERT INTO raw_event ({names}) VALUES ({values}) RETURNING id"
    # The rows go in ordered by position, so the sequence hands out ascending ids in that order; sorting
    # the returned ids restores which id belongs to which row (the way SQLAlchemy's own bulk insert pairs them).
    width = len(_COLUMNS) + 1
    rows = []
    for row in range(count):
        marks = [f"${row * width + i + 1}" if numbered else "%s" for i in range(width)]
        casts = [f"{mark}::{kind}" for mark, (_name, kind) in zip(marks, _COLUMNS, strict=False)]
        rows.append("(" + ", ".join([*casts, f"{marks[-1]}::int"]) + ")")
    return (f"INSERT INTO raw_event ({names}) SELECT {names} FROM (VALUES {', '.join(rows)}) "
            f"AS v({names}, position) ORDER BY position RETURNING id")


def insert_batch(psycopg_connection, rows: list[dict]) -> list[int]:
    """All rows in one statement and one network round trip; returns their ids in the order of rows.

    Through the ORM's bulk insert a row costs about ten times as much Python; on the ingest
    path that would be most of what a webhook costs.
    """
    return sorted(row[0] for row in psycopg_connection.execute(batch_sql(len(rows)), batch_params(rows)))


def batch_params(rows: list[dict]) -> list:
    """The parameters of batch_sql(len(rows)), row after row (with its position when there are several)."""
    params: list = []
    for position, r in enumerate(rows):
        params += (r["organization_id"], r["channel_id"], r["body"], r["content_type"], json.dumps(r["headers"]),
                   r["status"], r["error"], r["attempts"], r["received_at"].astimezone(UTC).replace(tzinfo=None))
        if len(rows) > 1:
            params.append(position)
    return params


def pending_ids(rows: list[dict], ids: list[int]) -> list[int]:
    """The ids of the stored rows that still need processing (a malformed body is kept as failed)."""
    return [event_id for row, event_id in zip(rows, ids, strict=True) if row["status"] == "pending"]


class _Ticket:
    __slots__ = ("row", "done", "event_id", "error")

    def __init__(self, row: dict):
        self.row, self.done, self.event_id, self.error = row, threading.Event(), None, None


def hand_on(after_commit: Callable[[list[int]], None], ids: list[int]) -> None:
    """Queue committed ids in jobs of up to JOB_SIZE events each."""
    for start in range(0, len(ids), JOB_SIZE):
        try:
            after_commit(ids[start:start + JOB_SIZE])
        except Exception:  # noqa: BLE001  (stored and answered: the periodic sweep queues them later)
            log.exception("raw events %s stored but not queued; the periodic sweep will queue them", ids[:20])


class Dispatcher:
    """A thread that gathers committed event ids into shared processing jobs (`after_commit(ids)`)."""

    def __init__(self, app: Flask, after_commit: Callable[[list[int]], None], queue_delay: float = 0.1):
        self.app, self.after_commit, self.queue_delay = app, after_commit, queue_delay
        self._committed: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="raw-event-dispatcher", daemon=True).start()

    def put(self, ids: list[int]) -> None:
        """Hand on committed ids; returns at once (safe from any thread or event loop)."""
        if ids:
            self._committed.put(ids)

    def _run(self) -> None:
        with self.app.app_context():
            while True:
                hand_on(self.after_commit, self._gather_ids())

    def _gather_ids(self) -> list[int]:
        """Wait for committed ids, then up to `queue_delay` seconds more for others to share the job.

        Queuing a job costs more than storing an event; a few milliseconds of patience turn a
        burst of webhooks into a few jobs, and nobody notices them before routing.
        """
        ids = list(self._committed.get())
        deadline = time.monotonic() + self.queue_delay
        while len(ids) < JOB_SIZE and (left := deadline - time.monotonic()) > 0:
            try:
                ids += self._committed.get(timeout=left)
            except queue.Empty:
                break
        return ids


class GroupWriter:
    """One thread that commits the rows of all waiting requests together; a Dispatcher queues their job."""

    def __init__(self, app: Flask, after_commit: Callable[[list[int]], None], max_batch: int = 200,
                 queue_delay: float = 0.1, timeout: float = 30.0):
        self.app, self.max_batch, self.timeout = app, max_batch, timeout
        self.dispatcher = Dispatcher(app, after_commit, queue_delay)
        self._queue: queue.SimpleQueue[_Ticket] = queue.SimpleQueue()
        self._connection = None
        threading.Thread(target=self._run, name="raw-event-writer", daemon=True).start()

    def store(self, row: dict) -> int:
        """Block until row is committed; returns its id or raises StoreUnavailable."""
        ticket = _Ticket(row)
        self._queue.put(ticket)
        if not ticket.done.wait(self.timeout):
            raise StoreUnavailable("the raw event writer did not answer in time")
        if ticket.error is not None:
            raise StoreUnavailable(str(ticket.error)) from ticket.error
        return ticket.event_id

    def _run(self) -> None:
        from inbox.extensions import db

        with self.app.app_context():
            self._engine = db.engine
            while True:
                self.dispatcher.put(self._write(_drain(self._queue, self.max_batch)))

    def _write(self, batch: list[_Ticket]) -> list[int]:
        """Store the batch and wake its waiters; returns the ids of the events to process."""
        rows = [t.row for t in batch]
        try:
            ids = self._insert(rows)
        except Exception:  # noqa: BLE001  (the kept connection may have died: one more try on a new one)
            log.warning("storing %d raw events failed; retrying on a new connection", len(rows), exc_info=True)
            self._discard_connection()
            try:
                ids = self._insert(rows)
            except Exception as exc:  # noqa: BLE001  (every waiter must wake up, with the reason)
                log.exception("could not store %d raw events", len(rows))
                self._discard_connection()
                return _fail(batch, exc)
        for ticket, event_id in zip(batch, ids, strict=True):
            ticket.event_id = event_id
            ticket.done.set()
        return pending_ids(rows, ids)

    def _insert(self, rows: list[dict]) -> list[int]:
        if self._engine.dialect.name != "postgresql":
            with self._engine.begin() as connection:
                return insert_rows(connection, rows)
        if self._connection is None:
            self._connection = self._engine.raw_connection()
            # One statement is one transaction: its own commit, no extra round trip for BEGIN and COMMIT.
            self._connection.driver_connection.autocommit = True
        return insert_batch(self._connection.driver_connection, rows)

    def _discard_connection(self) -> None:
        if self._connection is not None:
            self._connection.invalidate()
            self._connection = None


def _drain(source: queue.SimpleQueue, most: int) -> list:
    """Wait for one item, then take whatever else is already waiting, up to `most`."""
    items = [source.get()]
    while len(items) < most:
        try:
            items.append(source.get_nowait())
        except queue.Empty:
            break
    return items


def _fail(batch: list[_Ticket], exc: Exception) -> list[int]:
    for ticket in batch:
        ticket.error = exc
        ticket.done.set()
    return []


def group_writer(app: Flask, after_commit: Callable[[list[int]], None]) -> GroupWriter:
    """This process's writer (a forked worker starts its own: threads do not survive fork)."""
    found = app.extensions.get(EXTENSION)
    if found is None or found[0] != os.getpid():
        with _create_lock:
            found = app.extensions.get(EXTENSION)
            if found is None or found[0] != os.getpid():
                settings = app.config["SETTINGS"].get("ingest", {})
                writer = GroupWriter(app, after_commit, int(settings.get("max_batch", 200)),
                                     float(settings.get("queue_delay_ms", 100)) / 1000)
                found = app.extensions[EXTENSION] = (os.getpid(), writer)
    return found[1]


_create_lock = threading.Lock()
