"""The stream of live events for the open pages (GET /live/stream), served by Flask.

This is the embedded default's and the tests' stream: one werkzeug thread per open page. The
production server answers /live/stream on its event loop instead (inbox/live/asyncstream.py),
with the same Viewer, Cursor and events.
"""

from __future__ import annotations

import queue
import time

from flask import Blueprint, Flask, Response, current_app, request, stream_with_context
from flask_login import current_user

from inbox.accounts import sessions
from inbox.accounts.access import STAFF, current_org_id, require_role, team_ids
from inbox.extensions import db
from inbox.live import fanout
from inbox.live.operations import newest_id
from inbox.live.stream import Cursor, Viewer, comment, event_data, sse, start_floor

bp = Blueprint("live", __name__)
STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def settings(app: Flask) -> dict:
    return app.config["SETTINGS"]["live"]


def current_viewer() -> Viewer:
    """The logged-in user's viewer in the current organization (a request context with a staff user)."""
    teams = team_ids()
    return Viewer(current_org_id(), current_user.id, None if teams is None else frozenset(teams))


def opening(app: Flask, headers, args) -> tuple[Viewer, Cursor, str]:
    """Viewer, starting cursor and login token of the request being served (its context is active)."""
    floor = start_floor(headers.get("Last-Event-ID"), args.get("since"), newest_id)
    return current_viewer(), Cursor(floor, float(settings(app)["gap_grace_seconds"])), current_user.login_token


def new_events(cursor: Cursor, viewer: Viewer) -> list[str]:
    """The viewer's new rows as SSE text; ends the read transaction, so no connection is held while waiting."""
    try:
        return [sse(event_data(row), event_id=event_id) for event_id, row in cursor.read(viewer)]
    finally:
        db.session.close()


def still_logged_in(token: str) -> bool:
    try:
        return sessions.load(token) is not None
    finally:
        db.session.close()


def transient(viewer: Viewer, message: dict) -> str | None:
    """A non-persisted event (presence) as SSE text, if the viewer may see it and is not its author."""
    if message.get("user") == viewer.user_id or not viewer.sees(viewer.org_id, message.get("team"), None):
        return None
    return sse(message)


@bp.get("/live/stream")
@require_role(*STAFF)
def stream():
    app = current_app._get_current_object()
    viewer, cursor, token = opening(app, request.headers, request.args)
    db.session.close()
    return Response(stream_with_context(_events(app, viewer, cursor, token)), mimetype="text/event-stream",
                    headers=STREAM_HEADERS)


def _events(app: Flask, viewer: Viewer, cursor: Cursor, token: str):
    conf = settings(app)
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    # Subscribed before the first read: a commit between reading and waiting still wakes this stream.
    with fanout.hub(app).subscription(viewer.org_id, inbox.put):
        yield f"retry: {int(conf['retry_ms'])}\n\n" + comment("verbunden")
        ends = time.monotonic() + float(conf["stream_minutes"]) * 60
        while True:
            yield from new_events(cursor, viewer)
            messages = _wait(inbox, float(conf["heartbeat_seconds"]))
            if messages is None:
                if time.monotonic() > ends or not still_logged_in(token):
                    return
                yield comment("ping")
                continue
            if fanout.CLOSE in messages:
                return
            yield from filter(None, (transient(viewer, m) for m in messages if m is not None))


def _wait(inbox: queue.SimpleQueue, seconds: float) -> list | None:
    """Everything that arrived, waiting up to seconds for the first; None if nothing did."""
    try:
        messages = [inbox.get(timeout=seconds)]
    except queue.Empty:
        return None
    while True:
        try:
            messages.append(inbox.get_nowait())
        except queue.Empty:
            return messages


@bp.app_context_processor
def _live_context():
    # Pages tell their stream where the outbox stood when they were rendered (base.html), so nothing
    # committed between rendering and connecting is missed.
    return {"live_since": newest_id}
