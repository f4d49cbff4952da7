"""/webhooks/<slug> in Flask: platform handshakes (GET) and our own contact form page (POST as a form).

Signed platform posts are answered by `intake.WebhookIntake` before they reach Flask; a form
post comes here because its CSRF token is checked against the session, and goes on to the
contact form's own checks (`views.submit`). Both end in `intake.accept`.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from inbox.channels.adapters import get_adapter
from inbox.channels.adapters.base import SignatureError
from inbox.channels.directory import directory
from inbox.channels.intake import FORM_TYPES, accept, unknown
from inbox.channels.views import submit

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


def json_error(status: int, message: str):
    return jsonify(error=message), status


@bp.get("/webhooks/<slug>")
def handshake(slug: str):
    channel = directory().get(slug)
    if channel is None:
        status, answer = unknown(slug)
        return jsonify(answer), status
    try:
        answer = get_adapter(channel.kind).handshake(channel, request)
    except SignatureError as exc:
        log.warning("webhook handshake refused for channel %s: %s", slug, exc)
        return json_error(403, "verification failed")
    return answer if answer is not None else json_error(405, "this channel expects POST")


@bp.post("/webhooks/<slug>")
def receive(slug: str):
    channel = directory().get(slug)
    if channel is None:
        status, answer = unknown(slug)
        return jsonify(answer), status
    if channel.kind == "webform" and (request.content_type or "").startswith(FORM_TYPES):
        return submit(channel)
    status, answer = accept(current_app._get_current_object(), channel, request, request.get_data(cache=True))
    return jsonify(answer), status
