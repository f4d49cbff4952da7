"""Signed, expiring, single-use links to set one's password: the invitation and the password reset.

Like the forward links (forwarding/links.py), with a salt of their own, so neither kind of link opens the
other. The token carries a fingerprint of the password hash it was made for: setting the password changes
the hash, so the link is used up without a table of used links, and a newer link leaves older ones dead
as soon as either is used.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from inbox.accounts.models import User
from inbox.core.crypto import ClockSigner, signature_matches
from inbox.extensions import db

SALT = "mitreden.set-password"


class InviteRefused(Exception):
    """The link is forged, expired or used already; the message says so in German."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=ClockSigner)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:32]


def _max_age() -> int:
    return int(current_app.config["SETTINGS"]["security"]["invite_valid_hours"]) * 3600


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "h": _fingerprint(user)})


def user_for(token: str) -> User:
    """The user a valid, unused link is for (InviteRefused otherwise); nothing is used up yet."""
    try:
        data = _serializer().loads(token, max_age=_max_age())
    except SignatureExpired as exc:
        raise InviteRefused("Der Link ist abgelaufen. Bitte lassen Sie sich einen neuen schicken.") from exc
    except BadSignature as exc:
        raise InviteRefused("Der Link ist ungültig.") from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or not signature_matches(str(data.get("h", "")), _fingerprint(user)):
        raise InviteRefused("Der Link ist ungültig oder wurde schon benutzt. Bitte lassen Sie sich einen neuen "
                            "schicken.")
    return user
