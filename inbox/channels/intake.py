"""Accepting a webhook: check the signature, store the raw event durably, hand it to a job.

The steps (verify, checked_row, store, the answers) live here. `accept` runs them in a thread:
`WebhookIntake` calls it for signed platform posts straight from WSGI, in front of Flask (a
webhook needs no session, login, CSRF token or template), and our own contact form, which
posts as a form, goes through Flask (`webhooks.receive`) because its CSRF token lives in the
session. The production server answers signed posts on its event loop instead, with the same
steps (inbox/channels/asyncintake.py); this path serves the embedded default and the form.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from flask import Flask
from werkzeug.wrappers import Request

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import PayloadError, SignatureError
from inbox.channels.directory import EXTENSION as DIRECTORY
from inbox.channels.directory import ChannelKey
from inbox.channels.rawstore import StoreUnavailable, event_row, group_writer, insert_rows
from inbox.core.safetext import is_odd
from inbox.core.web import within
from inbox.extensions import db

log = logging.getLogger(__name__)
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Request-Id")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PREFIX = "/webhooks/"


def accept(app: Flask, channel: ChannelKey, request, body: bytes) -> tuple[int, dict]:
    """Verify, store and queue one webhook; returns the HTTP status and JSON answer."""
    adapter = get_adapter(channel.kind)
    try:
        channel = verified(app, adapter, channel, request, body)
    except SignatureError as exc:
        return refused(channel, exc)
    row, error = checked_row(adapter, channel, request, body)
    try:
        event_id = _store(app, row)
    except StoreUnavailable as exc:
        return unavailable(channel, exc)
    return answered(event_id, error)


def verified(app: Flask, adapter, channel: ChannelKey, request, body: bytes) -> ChannelKey:
    """The channel whose secret signed body; may read the channel row once more (see refresh)."""
    try:
        adapter.verify(channel, request, body)
        return channel
    except SignatureError:
        # The snapshot may predate a new secret: check once more against the row itself.
        fresh = app.extensions[DIRECTORY].refresh(channel)
        if fresh is None:
            raise
        adapter.verify(fresh, request, body)
        return fresh


def checked_row(adapter, channel: ChannelKey, request, body: bytes) -> tuple[dict, str]:
    """The raw event row to store, and why its body is refused ("" when it parses)."""
    content_type = request.content_type or ""
    error = _parse_error(adapter, channel, body, content_type)
    headers = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
    return event_row(channel, body, content_type, headers, "failed" if error else "pending", error), error


def refused(channel: ChannelKey, exc: Exception) -> tuple[int, dict]:
    log.warning("webhook signature refused for channel %s: %s", channel.slug, exc)
    return 401, {"error": "invalid signature"}


def unavailable(channel: ChannelKey, exc: Exception) -> tuple[int, dict]:
    log.error("webhook for channel %s not stored: %s", channel.slug, exc)
    return 503, {"error": "temporarily unavailable, please retry"}


def answered(event_id: int, error: str) -> tuple[int, dict]:
    return (400, {"error": error}) if error else (200, {"status": "accepted", "event_id": event_id})


def _parse_error(adapter, channel: ChannelKey, body: bytes, content_type: str) -> str:
    """Parse now to answer a malformed body with 400; the event is kept either way (as failed)."""
    try:
        adapter.parse(channel, body, content_type)
    except PayloadError as exc:
        log.warning("webhook body refused for channel %s: %s", channel.slug, exc)
        return str(exc)
    except Exception as exc:  # noqa: BLE001  (an adapter bug must not lose the event: keep it for a fix)
        log.exception("adapter %s crashed on a webhook body of channel %s", channel.kind, channel.slug)
        return f"cannot be parsed ({exc.__class__.__name__})"
    return ""


def _store(app: Flask, row: dict) -> int:
    if app.config.get("REDIS_URL"):
        return group_writer(app, queue_batch).store(row)
    return within(app, _store_in_session, row)


def _store_in_session(row: dict) -> int:
    """Without Redis: the request's own transaction, then the job in-process, as every other job runs."""
    from inbox.channels.tasks import process_raw_events
    from inbox.jobs import enqueue, run_ready

    try:
        event_id = insert_rows(db.session.connection(), [row])[0]
        if row["status"] == "pending":
            enqueue(process_raw_events, [event_id])
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        raise StoreUnavailable(str(exc)) from exc
    run_ready()
    return event_id


def queue_batch(event_ids: list[int]) -> None:
    from inbox.channels.tasks import process_raw_events
    from inbox.jobs import push

    push(process_raw_events, event_ids)


class WebhookIntake:
    """WSGI middleware: signed POST /webhooks/<slug> is handled here; everything else goes to Flask."""

    def __init__(self, app: Flask, wrapped):
        self.app, self.wrapped = app, wrapped

    def __call__(self, environ, start_response):
        slug = _webhook_slug(environ)
        if slug is None:
            return self.wrapped(environ, start_response)
        status, answer = self.handle(slug, environ)
        return _respond(start_response, status, answer)

    def handle(self, slug: str, environ) -> tuple[int, dict]:
        if is_odd(slug):
            return odd_slug(slug)
        channel = self.app.extensions[DIRECTORY].get(slug)
        if channel is None:
            return unknown(slug)
        body = _read_body(environ, self.app.config["MAX_CONTENT_LENGTH"])
        if body is None:
            return too_large(slug)
        return accept(self.app, channel, Request(environ), body)


def unknown(slug: str) -> tuple[int, dict]:
    log.info("webhook for unknown channel %r", slug)
    return 404, {"error": "unknown channel"}


def odd_slug(slug: str) -> tuple[int, dict]:
    """A NUL or lone surrogate in the address: no channel has one, and PostgreSQL cannot even look it up."""
    log.warning("webhook refused: odd characters in the channel address %r", slug[:100])
    return 400, {"error": "invalid characters in the channel address"}


def too_large(slug: str) -> tuple[int, dict]:
    log.warning("webhook body for channel %s larger than allowed", slug)
    return 413, {"error": "body too large"}


def _webhook_slug(environ) -> str | None:
    return webhook_slug(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""),
                        environ.get("CONTENT_TYPE", ""))


def webhook_slug(method: str, path: str, content_type: str) -> str | None:
    """The channel slug of a signed platform webhook, or None for anything Flask should handle."""
    if method != "POST" or not path.startswith(PREFIX) or content_type.startswith(FORM_TYPES):
        return None
    slug = path[len(PREFIX):]
    return slug if slug and "/" not in slug else None


def _read_body(environ, limit: int | None) -> bytes | None:
    stream = environ["wsgi.input"]
    declared = environ.get("CONTENT_LENGTH")
    if declared:
        try:
            length = int(declared)
        except ValueError:
            length = 0  # an empty body then fails the signature or parse check with a 4xx
        return None if limit is not None and length > limit else stream.read(length)
    body = stream.read() if limit is None else stream.read(limit + 1)  # chunked: read at most one byte too many
    return None if limit is not None and len(body) > limit else body


def _respond(start_response, status: int, answer: dict):
    payload, headers = encoded(status, answer)
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [payload]


def encoded(status: int, answer: dict) -> tuple[bytes, list[tuple[str, str]]]:
    """The JSON body of an answer and its headers."""
    payload = encoded_body(answer)
    return payload, answer_headers(status, len(payload))


def encoded_body(answer: dict) -> bytes:
    return json.dumps(answer).encode()


def answer_headers(status: int, length: int) -> list[tuple[str, str]]:
    headers = [("Content-Type", "application/json"), ("Content-Length", str(length)),
               ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]
    if status == 503:
        headers.append(("Retry-After", "5"))
    return headers


def init_app(app: Flask) -> None:
    from inbox.channels import directory

    directory.init_app(app)
    app.wsgi_app = WebhookIntake(app, app.wsgi_app)
