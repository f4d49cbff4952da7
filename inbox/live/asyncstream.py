"""/live/stream on the production server's event loop: hundreds of open pages per process, no thread each.

Under gunicorn (inbox/asgi.py) Flask runs on a pool of 16 threads; a Flask stream would hold one
of them for as long as a page is open. Here a stream is a coroutine: the login is checked once
by Flask's own session interface and user loader in a thread (views.opening, as the Flask view
does), then it waits on an asyncio queue fed by the process's Hub (Redis relay or local
commits), and reads the outbox in a thread for the moment a read takes.
"""

from __future__ import annotations

import asyncio
import io
import logging

from a2wsgi.wsgi import build_environ
from flask import Flask, request
from flask_login import current_user

from inbox.accounts.access import STAFF, has_role
from inbox.extensions import db
from inbox.live import fanout
from inbox.live.stream import comment
from inbox.live.views import STREAM_HEADERS, new_events, opening, settings, still_logged_in, transient

log = logging.getLogger(__name__)
PATH = "/live/stream"
GONE = {"kind": "disconnected"}  # the browser went away


class LiveFront:
    """ASGI: GET /live/stream served here, everything else by inner (Flask behind a2wsgi)."""

    def __init__(self, app: Flask, inner):
        self.app, self.inner = app, inner

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET":
            return await self.stream(scope, receive, send)
        return await self.inner(scope, receive, send)

    async def stream(self, scope, receive, send) -> None:
        status, opened = await asyncio.to_thread(self._open, scope)
        if opened is None:
            return await _plain(send, status)
        viewer, cursor, token = opened
        conf = settings(self.app)
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue = asyncio.Queue()
        watcher = loop.create_task(_watch(receive, inbox))
        headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        headers += [(k.lower().encode(), v.encode()) for k, v in STREAM_HEADERS.items()]
        # Subscribed before the first read: a commit between reading and waiting still wakes this stream.
        with fanout.hub(self.app).subscription(viewer.org_id, lambda m: loop.call_soon_threadsafe(inbox.put_nowait, m)):
            try:
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await _body(send, f"retry: {int(conf['retry_ms'])}\n\n" + comment("verbunden"))
                await self._serve(send, inbox, viewer, cursor, token, conf, loop.time() + conf["stream_minutes"] * 60)
            except OSError:  # the connection broke while writing
                pass
            finally:
                watcher.cancel()
        try:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass

    async def _serve(self, send, inbox, viewer, cursor, token, conf, ends: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            texts = await asyncio.to_thread(self._in_app, new_events, cursor, viewer)
            if texts:
                await _body(send, "".join(texts))
            messages = await _wait(inbox, float(conf["heartbeat_seconds"]))
            if messages is None:
                if loop.time() > ends or not await asyncio.to_thread(self._in_app, still_logged_in, token):
                    return
                await _body(send, comment("ping"))
                continue
            if fanout.CLOSE in messages or GONE in messages:
                return
            texts = [t for m in messages if m is not None for t in [transient(viewer, m)] if t]
            if texts:
                await _body(send, "".join(texts))

    def _open(self, scope):
        """(status, (viewer, cursor, token)) for the request's login, checked as Flask checks it; in a thread."""
        with self.app.request_context(build_environ(scope, io.BytesIO(b""))):
            try:
                if not current_user.is_authenticated:
                    return 401, None
                if not has_role(*STAFF):
                    return 403, None
                return 200, opening(self.app, request.headers, request.args)
            finally:
                db.session.remove()

    def _in_app(self, fn, *args):
        with self.app.app_context():
            return fn(*args)


async def _wait(inbox: asyncio.Queue, seconds: float) -> list | None:
    try:
        messages = [await asyncio.wait_for(inbox.get(), seconds)]
    except TimeoutError:
        return None
    while not inbox.empty():
        messages.append(inbox.get_nowait())
    return messages


async def _watch(receive, inbox: asyncio.Queue) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            inbox.put_nowait(GONE)
            return


async def _body(send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def _plain(send, status: int) -> None:
    text = {401: "Bitte melden Sie sich an.", 403: "Dafür fehlt Ihnen die Berechtigung."}[status].encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store"),
                            (b"content-length", str(len(text)).encode())]})
    await send({"type": "http.response.body", "body": text})
