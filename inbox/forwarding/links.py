"""Signed, expiring, single-use links that open exactly one forward for a press office."""

from __future__ import annotations

import secrets

from flask import current_app, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from inbox.core import clock
from inbox.core.crypto import ClockSigner
from inbox.extensions import db
from inbox.forwarding.models import Forward, ForwardLinkUse

SALT = "mitreden.forward-link"
SESSION_KEY = "forward_grants"


class LinkRefused(Exception):
    """The link is forged, expired or used already; the message says which, in German."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=ClockSigner)


def make_token(forward: Forward) -> str:
    return _serializer().dumps({"f": forward.id, "o": forward.organization_id, "n": secrets.token_urlsafe(16)})


def _max_age() -> int:
    return int(current_app.config["SETTINGS"]["forwarding"]["link_valid_hours"]) * 3600


def consume(token: str) -> Forward:
    """The forward a valid, unused link opens; the link is used up (flushed) on success."""
    try:
        data = _serializer().loads(token, max_age=_max_age())
    except SignatureExpired as exc:
        raise LinkRefused("Der Link ist abgelaufen. Bitte melden Sie sich an.") from exc
    except BadSignature as exc:
        raise LinkRefused("Der Link ist ungültig.") from exc
    forward = db.session.get(Forward, data.get("f")) if isinstance(data, dict) else None
    if forward is None or forward.organization_id != data.get("o"):
        raise LinkRefused("Der Link ist ungültig.")
    _use(forward, str(data.get("n", "")))
    return forward


def _use(forward: Forward, nonce: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(ForwardLinkUse(organization_id=forward.organization_id, forward_id=forward.id,
                                          nonce=nonce, used_at=clock.now()))
    except IntegrityError as exc:
        raise LinkRefused("Der Link wurde schon benutzt. Bitte melden Sie sich an.") from exc


def grant(forward_id: int) -> None:
    """This browser session may open this one forward (and nothing else) without an account."""
    session[SESSION_KEY] = sorted(set(session.get(SESSION_KEY, [])) | {forward_id})


def granted(forward_id: int) -> bool:
    return forward_id in session.get(SESSION_KEY, [])
