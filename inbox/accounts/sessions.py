"""Login sessions held on the server.

Flask's session cookie is signed, not stored: a copy of it would stay valid for as long as the key.
So the cookie carries only a random token (User.get_id), and the user is loaded through the
user_session row with that token's hash. Logging out deletes the row, deactivating a user deletes
all of theirs; a copied cookie then opens nothing. A table rather than a counter on the user ends
one login without ending the others, and can list a user's sessions.

A session ends by itself after `[security] session_idle_minutes` without a request and after
`session_absolute_hours` in any case. When the user's roles change, each of their sessions is marked
`renew`: its next request gets a new row with a new token (the old one stops working), so a token
seen before the change carries no rights granted after it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, has_request_context
from flask import session as cookie
from sqlalchemy import delete, select, update

from inbox.accounts.models import User, UserSession
from inbox.core import clock
from inbox.extensions import db

log = logging.getLogger(__name__)
# last_seen_at is written at most this often: a write per request would cost every page a commit.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    # Only the hash is stored: reading the table gives no cookie that works.
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    conf = current_app.config["SETTINGS"]["security"]
    return timedelta(minutes=conf["session_idle_minutes"]), timedelta(hours=conf["session_absolute_hours"])


def start(user: User, client: str, user_agent: str) -> str:
    """A new login session for user (flushed); its token is set on user for Flask-Login and returned."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(UserSession(user_id=user.id, token_hash=_digest(token), client=client[:45],
                               user_agent=user_agent[:200], created_at=now, last_seen_at=now))
    db.session.flush()
    user.login_token = token
    return token


def expired(row: UserSession) -> bool:
    idle, absolute = _limits()
    now = clock.now()
    return now - row.last_seen_at >= idle or now - row.created_at >= absolute


def load(token: str) -> User | None:
    """The active user whose live session this token names, or None (ended, timed out, unknown, deactivated).

    Called once per request, before the view (inbox/core/web.py), so its own bookkeeping (a timed-out row
    removed, last_seen_at, a renewed token) is committed on its own, with nothing of the view's pending.
    """
    found = db.session.execute(select(UserSession, User).join(User, UserSession.user_id == User.id)
                               .where(UserSession.token_hash == _digest(token), User.active.is_(True))).first()
    if found is None:
        return None
    row, user = found
    if expired(row):
        log.info("login session %s of user %s timed out", row.id, user.id)
        db.session.delete(row)
        db.session.commit()
        return None
    if row.renew:
        token = _renew(row, user)
    elif clock.now() - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = clock.now()
        db.session.commit()
    user.login_token = token
    return user


def _renew(row: UserSession, user: User) -> str:
    """Swap the session for a new row with a new token; the browser's cookie gets the new token."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_digest(token), client=row.client,
                               user_agent=row.user_agent, created_at=row.created_at, last_seen_at=clock.now()))
    db.session.delete(row)
    db.session.commit()
    if has_request_context():
        cookie["_user_id"] = token  # where Flask-Login keeps the id it loads the user by
    return token


def current(user: User) -> UserSession | None:
    """The session row user was loaded for."""
    if user.login_token is None:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(user.login_token)))


def of_user(user: User) -> list[UserSession]:
    """The user's sessions that are still live, most recently used first."""
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    return [row for row in rows if not expired(row)]


def end(token: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_all(user: User) -> int:
    """End every login session of user; the number ended."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user.id)).rowcount


def end_others(user: User) -> int:
    """End every session of user but the one this request came with; the number ended."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                        UserSession.token_hash != _digest(user.login_token))).rowcount


def renew_all(user_id: int) -> None:
    """The user's roles changed: each of their sessions gets a new token at its next request (flushed)."""
    db.session.execute(update(UserSession).where(UserSession.user_id == user_id).values(renew=True))


def coarse_client(client: str) -> str:
    """An address shown as a hint, not a location: IPv4 by its /24 ("203.0.113.x"); IPv6 is kept by its /64."""
    parts = client.split(".")
    return ".".join(parts[:3]) + ".x" if len(parts) == 4 else client
