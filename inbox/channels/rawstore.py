"""Storing raw webhook events durably, one INSERT and one COMMIT for many concurrent requests.

Every accepted webhook must be committed before it is answered. Done one by one, each request
pays for its own statement, commit and queue push. The group writer is one thread per process:
request threads hand it their row and wait; it inserts whatever has gathered meanwhile as one
multi-row INSERT, commits once, wakes the waiters with their ids, and hands the whole batch to
one processing job. While a commit is in flight the next batch gathers, so batches grow with
load and a lone request is written at once.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from inbox.core import clock

log = logging.getLogger(__name__)
EXTENSION = "mitreden_raw_writer"


class StoreUnavailable(RuntimeError):
    """The event could not be stored; the sender should retry (503)."""


def event_row(channel, body: bytes, content_type: str, headers: dict, status: str = "pending",
              error: str = "") -> dict:
    return {"organization_id": channel.organization_id, "channel_id": channel.id, "body": body,
            "content_type": content_type, "headers": headers, "status": status, "error": error,
            "attempts": 0, "received_at": clock.now()}


def insert_rows(connection: Connection, rows: list[dict]) -> list[int]:
    """Insert raw events in one statement; returns their ids in the order of rows."""
    from inbox.channels.models import RawEvent

    table = RawEvent.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


class _Ticket:
    __slots__ = ("row", "done", "event_id", "error")

    def __init__(self, row: dict):
        self.row, self.done, self.event_id, self.error = row, threading.Event(), None, None


class GroupWriter:
    """One thread that commits the rows of all waiting requests together."""

    def __init__(self, app: Flask, after_commit: Callable[[list[int]], None], max_batch: int = 200,
                 timeout: float = 30.0):
        self.app, self.after_commit, self.max_batch, self.timeout = app, after_commit, max_batch, timeout
        self._queue: queue.SimpleQueue[_Ticket] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="raw-event-writer", daemon=True)
        self._thread.start()

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
            engine = db.engine
            while True:
                batch = self._gather()
                ids = self._write(engine, batch)
                if ids:
                    self._hand_on(ids)

    def _gather(self) -> list[_Ticket]:
        batch = [self._queue.get()]
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write(self, engine, batch: list[_Ticket]) -> list[int]:
        try:
            with engine.begin() as connection:
                ids = insert_rows(connection, [t.row for t in batch])
        except Exception as exc:  # noqa: BLE001  (every waiter must wake up, with the reason)
            log.exception("could not store %d raw events", len(batch))
            for ticket in batch:
                ticket.error = exc
                ticket.done.set()
            return []
        for ticket, event_id in zip(batch, ids, strict=True):
            ticket.event_id = event_id
            ticket.done.set()
        return [event_id for ticket, event_id in zip(batch, ids, strict=True) if ticket.row["status"] == "pending"]

    def _hand_on(self, ids: list[int]) -> None:
        # The events are committed and answered; if this fails they stay pending and the sweep hands them on.
        try:
            self.after_commit(ids)
        except Exception:  # noqa: BLE001
            log.exception("raw events %s stored but not queued; the periodic sweep will queue them", ids[:20])


def group_writer(app: Flask, after_commit: Callable[[list[int]], None]) -> GroupWriter:
    """This process's writer (a forked worker starts its own: threads do not survive fork)."""
    found = app.extensions.get(EXTENSION)
    if found is None or found[0] != os.getpid():
        with _create_lock:
            found = app.extensions.get(EXTENSION)
            if found is None or found[0] != os.getpid():
                max_batch = int(app.config["SETTINGS"].get("ingest", {}).get("max_batch", 200))
                found = app.extensions[EXTENSION] = (os.getpid(), GroupWriter(app, after_commit, max_batch))
    return found[1]


_create_lock = threading.Lock()
