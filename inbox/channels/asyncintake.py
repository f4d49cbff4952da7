"""Accepting webhooks on an event loop: the front of the production web server.

gunicorn runs uvicorn workers (config/gunicorn.conf.py). `WebhookFront` answers signed
platform webhooks on the worker's event loop and hands everything else to Flask, which runs in
a pool of threads as before. A webhook needs its signature checked, its body parsed and its
row committed: on threads, most of its cost was the web server's own Python and the threads
queuing for the interpreter lock. On the loop, waiting for the commit costs nothing, and every
webhook waiting at that moment is stored by the same INSERT (`AsyncGroupWriter`).

The same steps as `intake.accept` (verify, parse, store, answer); only what may block runs
elsewhere: reading a channel row the cache does not hold, and queuing jobs, go to threads.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from urllib.parse import parse_qsl

from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict

from inbox.channels import intake
from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import SignatureError
from inbox.channels.directory import EXTENSION as DIRECTORY
from inbox.channels.directory import ChannelKey
from inbox.channels.rawstore import JOB_SIZE, StoreUnavailable, batch_params, batch_sql, hand_on, pending_ids
from inbox.core.safetext import is_odd
from inbox.core.web import within

log = logging.getLogger(__name__)


class AsyncGroupWriter:
    """Stores the rows of all webhooks waiting at once with one INSERT, then queues their processing.

    One asyncpg connection per process, in autocommit: one statement is one round trip and one
    commit. Committed ids are gathered on the loop for up to `queue_delay` seconds (or JOB_SIZE
    events) and handed to `hand_on` in a thread: queuing a job is a blocking Redis call.
    """

    def __init__(self, dsn: str, after_commit: Callable[[list[int]], None], max_batch: int = 200,
                 queue_delay: float = 0.1, timeout: float = 30.0):
        self.dsn, self.after_commit, self.max_batch = dsn, after_commit, max_batch
        self.queue_delay, self.timeout = queue_delay, timeout
        self._waiting: list[tuple[dict, asyncio.Future]] = []
        self._wake = asyncio.Event()
        self._connection = None
        self._task: asyncio.Task | None = None
        self._committed: list[int] = []
        self._timer: asyncio.TimerHandle | None = None

    async def store(self, row: dict) -> int:
        """Wait until row is committed; returns its id or raises StoreUnavailable."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="raw-event-writer")
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((row, future))
        self._wake.set()
        return await future

    async def close(self) -> None:
        """Queue what is committed but not yet queued, stop writing, close the connection."""
        if self._task is not None:
            self._task.cancel()
        waiting, self._waiting = self._waiting, []
        _settle(waiting, error=StoreUnavailable("the web process is shutting down"))
        if self._committed:
            await asyncio.to_thread(self.after_commit, self._take_committed())
        await self._discard_connection()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
                self._collect(await self._write(batch))

    async def _write(self, batch: list[tuple[dict, asyncio.Future]]) -> list[int]:
        """Store the batch and wake its waiters; returns the ids of the events to process."""
        rows = [row for row, _future in batch]
        try:
            ids = await self._insert(rows)
        except Exception:  # noqa: BLE001  (the kept connection may have died: one more try on a new one)
            log.warning("storing %d raw events failed; retrying on a new connection", len(rows), exc_info=True)
            await self._discard_connection()
            try:
                ids = await self._insert(rows)
            except Exception as exc:  # noqa: BLE001  (every waiter must wake up, with the reason)
                log.exception("could not store %d raw events", len(rows))
                await self._discard_connection()
                _settle(batch, error=StoreUnavailable(str(exc) or exc.__class__.__name__))
                return []
        _settle(batch, ids=ids)
        return pending_ids(rows, ids)

    async def _insert(self, rows: list[dict]) -> list[int]:
        import asyncpg

        if self._connection is None:
            # Outside a transaction block every statement commits on its own: no BEGIN, no COMMIT.
            self._connection = await asyncpg.connect(self.dsn, statement_cache_size=512, timeout=self.timeout)
        found = await self._connection.fetch(batch_sql(len(rows), numbered=True), *batch_params(rows),
                                             timeout=self.timeout)
        return sorted(record[0] for record in found)

    async def _discard_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.terminate()

    def _collect(self, ids: list[int]) -> None:
        """Gather committed ids; a job goes out when JOB_SIZE are together or `queue_delay` has passed."""
        self._committed += ids
        if len(self._committed) >= JOB_SIZE:
            self._queue_committed()
        elif self._committed and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.queue_delay, self._queue_committed)

    def _queue_committed(self) -> None:
        asyncio.get_running_loop().run_in_executor(None, self.after_commit, self._take_committed())

    def _take_committed(self) -> list[int]:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        ids, self._committed = self._committed, []
        return ids


def _settle(batch: list[tuple[dict, asyncio.Future]], ids: list[int] | None = None,
            error: Exception | None = None) -> None:
    for index, (_row, future) in enumerate(batch):
        if future.done():  # the request went away meanwhile
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(ids[index])


class _Headers:
    """Request headers looked up by name in any case; the first of repeated headers wins."""

    __slots__ = ("_raw", "_by_name")

    def __init__(self, raw: list[tuple[bytes, bytes]]):
        self._raw, self._by_name = raw, None

    def get(self, name: str, default=None):
        if self._by_name is None:  # names stay bytes: an adapter reads two or three headers, not all of them
            self._by_name = {key.lower(): value for key, value in reversed(self._raw)}
        found = self._by_name.get(name.lower().encode("latin-1"))
        return default if found is None else found.decode("latin-1")

    def __getitem__(self, name: str) -> str:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None


class _Request:
    """What adapters read from a webhook request (headers, content type, query), taken from the ASGI scope."""

    __slots__ = ("headers", "content_type", "_query")

    def __init__(self, scope: dict):
        self.headers = _Headers(scope["headers"])
        self.content_type = self.headers.get("content-type", "")
        self._query = scope.get("query_string", b"")

    @property
    def args(self) -> MultiDict:
        return MultiDict(parse_qsl(self._query.decode("latin-1")))


class WebhookFront:
    """ASGI app: signed POST /webhooks/<slug> answered on the event loop, everything else to `wsgi` (Flask)."""

    def __init__(self, app: Flask, wsgi):
        self.app, self.wsgi = app, wsgi
        self.enabled = fast_path_possible(app)
        self.writer: AsyncGroupWriter | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        slug = self.enabled and scope["type"] == "http" and _slug(scope)
        if not slug:
            return await self.wsgi(scope, receive, send)
        status, answer = await self.handle(slug, scope, receive)
        payload = intake.encoded_body(answer)
        await send({"type": "http.response.start", "status": status, "headers": _answer_headers(status, len(payload))})
        await send({"type": "http.response.body", "body": payload})

    async def handle(self, slug: str, scope, receive) -> tuple[int, dict]:
        if is_odd(slug):
            return intake.odd_slug(slug)
        channel = await self._channel(slug)
        if channel is None:
            return intake.unknown(slug)
        body = await _read_body(scope, receive, self.app.config["MAX_CONTENT_LENGTH"])
        if body is None:
            return intake.too_large(slug)
        return await self.accept(channel, _Request(scope), body)

    async def accept(self, channel: ChannelKey, request: _Request, body: bytes) -> tuple[int, dict]:
        adapter = get_adapter(channel.kind)
        try:
            adapter.verify(channel, request, body)
        except SignatureError:
            try:  # perhaps a rotated secret: `verified` may read the row, so not on the loop
                channel = await asyncio.to_thread(intake.verified, self.app, adapter, channel, request, body)
            except SignatureError as exc:
                return intake.refused(channel, exc)
        row, error = intake.checked_row(adapter, channel, request, body)
        try:
            event_id = await self._writer().store(row)
        except StoreUnavailable as exc:
            return intake.unavailable(channel, exc)
        return intake.answered(event_id, error)

    async def _channel(self, slug: str) -> ChannelKey | None:
        directory = self.app.extensions[DIRECTORY]
        fresh, channel = directory.peek(slug)
        return channel if fresh else await asyncio.to_thread(directory.get, slug)

    def _writer(self) -> AsyncGroupWriter:
        if self.writer is None:
            settings = self.app.config["SETTINGS"].get("ingest", {})
            self.writer = AsyncGroupWriter(dsn(self.app), functools.partial(within, self.app, hand_on,
                                                                            intake.queue_batch),
                                           int(settings.get("max_batch", 200)),
                                           float(settings.get("queue_delay_ms", 100)) / 1000)
        return self.writer

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.writer is not None:
                    await self.writer.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


@functools.lru_cache(maxsize=64)
def _answer_headers(status: int, length: int) -> list[tuple[bytes, bytes]]:
    """The ASGI headers of an answer, built once per status and length (answers differ in little else)."""
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in intake.answer_headers(status, length)]


def fast_path_possible(app: Flask) -> bool:
    """On PostgreSQL with Redis; otherwise (the embedded default) Flask's own intake handles webhooks."""
    return bool(app.config.get("REDIS_URL")) and make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() \
        == "postgresql"


def dsn(app: Flask) -> str:
    """The application's database URL as a libpq connection URL (asyncpg takes those)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _slug(scope) -> str | None:
    content_type = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), "")
    return intake.webhook_slug(scope["method"], scope["path"], content_type)


async def _read_body(scope, receive, limit: int | None) -> bytes | None:
    """The request body, or None as soon as it is known to exceed limit (declared or sent)."""
    declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if limit is not None and len(body) > limit:
            return None
        if not message.get("more_body"):
            return bytes(body)
