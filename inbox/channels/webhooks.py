"""POST /webhooks/<slug>: the one door every pushing platform comes in through."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, redirect, request, url_for
from sqlalchemy import select

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import PayloadError, SignatureError
from inbox.channels.models import Channel, RawEvent
from inbox.channels.tasks import process_raw_event
from inbox.extensions import db
from inbox.jobs import enqueue

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Request-Id")


def json_error(status: int, message: str):
    return jsonify(error=message), status


def _channel(slug: str) -> Channel | None:
    return db.session.scalar(select(Channel).where(Channel.slug == slug, Channel.enabled.is_(True)))


@bp.get("/webhooks/<slug>")
def handshake(slug: str):
    channel = _channel(slug)
    if channel is None:
        return json_error(404, "unknown channel")
    try:
        answer = get_adapter(channel.kind).handshake(channel, request)
    except SignatureError as exc:
        log.warning("webhook handshake refused for channel %s: %s", slug, exc)
        return json_error(403, "verification failed")
    return answer if answer is not None else json_error(405, "this channel expects POST")


@bp.post("/webhooks/<slug>")
def receive(slug: str):
    channel = _channel(slug)
    if channel is None:
        log.info("webhook for unknown channel %r", slug)
        return json_error(404, "unknown channel")
    body = request.get_data(cache=True)
    adapter = get_adapter(channel.kind)
    try:
        adapter.verify(channel, request, body)
    except SignatureError as exc:
        log.warning("webhook signature refused for channel %s: %s", slug, exc)
        return json_error(401, "invalid signature")
    event = _store(channel, body)
    try:
        adapter.parse(channel, body, event.content_type)
    except PayloadError as exc:
        log.warning("webhook body refused for channel %s: %s", slug, exc)
        return _keep_failed(event, slug, str(exc))
    except Exception as exc:  # an adapter bug must not lose the event: keep it for re-processing after a fix
        log.exception("adapter %s crashed on a webhook body of channel %s", channel.kind, slug)
        return _keep_failed(event, slug, f"cannot be parsed ({exc.__class__.__name__})")
    event_id = event.id  # read before commit expires it: no extra round trip for the answer
    enqueue(process_raw_event, event_id)
    db.session.commit()
    return _answer_ok(slug, event_id)


def _keep_failed(event: RawEvent, slug: str, reason: str):
    event.status, event.error = "failed", reason
    db.session.commit()
    return _answer_bad(slug, reason)


def _store(channel: Channel, body: bytes) -> RawEvent:
    headers = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
    event = RawEvent(organization_id=channel.organization_id, channel_id=channel.id, body=body,
                     content_type=request.content_type or "", headers=headers)
    db.session.add(event)
    db.session.flush()
    return event


def _from_form() -> bool:
    return (request.content_type or "").startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _answer_ok(slug: str, event_id: int):
    if _from_form():
        return redirect(url_for("channels.contact_thanks", slug=slug), 303)
    return jsonify(status="accepted", event_id=event_id), 200


def _answer_bad(slug: str, message: str):
    if _from_form():
        return redirect(url_for("channels.contact_form", slug=slug, error=message), 303)
    return json_error(400, message)
