"""Login sessions held on the server.

Flask's session cookie is signed, not stored: a copy of it would stay valid for as long as the key.
So the cookie carries only a random token (User.get_id), and the user is loaded through the
user_session row with that token's hash. Logging out deletes the row, deactivating a user deletes
all of theirs; a copied cookie then opens nothing. A table rather than a counter on the user ends
one login without ending the others, and can list a user's sessions.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select

from inbox.accounts.models import User, UserSession
from inbox.extensions import db


def _digest(token: str) -> str:
    # Only the hash is stored: reading the table gives no cookie that works.
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, client: str, user_agent: str) -> str:
    """A new login session for user (flushed); its token is set on user for Flask-Login and returned."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_digest(token), client=client[:45],
                               user_agent=user_agent[:200]))
    db.session.flush()
    user.login_token = token
    return token


def load(token: str) -> User | None:
    """The active user whose session this token names, or None (ended, unknown, or the user deactivated)."""
    user = db.session.scalar(select(User).join(UserSession, UserSession.user_id == User.id)
                             .where(UserSession.token_hash == _digest(token), User.active.is_(True)))
    if user is not None:
        user.login_token = token
    return user


def end(token: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_all(user: User) -> int:
    """End every login session of user; the number ended."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user.id)).rowcount
