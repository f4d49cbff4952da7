"""Account changes: creating users, granting roles, logging in and out, deactivating."""

from __future__ import annotations

import math

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from inbox.accounts import sessions, throttle
from inbox.accounts.models import ROLES, Membership, User
from inbox.accounts.passwords import check_new_password
from inbox.audit.operations import record
from inbox.core import clock
from inbox.extensions import db

# Checked against when the e-mail is unknown, so the answer takes as long as for a real user.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


class LoginRefused(Exception):
    pass


class LoginThrottled(LoginRefused):
    """Too many failures under one of the try's keys; the same for known and unknown addresses."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(f"Zu viele Fehlversuche: Die Anmeldung ist vorübergehend gesperrt. Bitte versuchen Sie "
                         f"es in {_duration(seconds)} erneut.")


def _duration(seconds: int) -> str:
    if seconds < 60:
        return "1 Sekunde" if seconds == 1 else f"{seconds} Sekunden"
    minutes = math.ceil(seconds / 60)
    return "1 Minute" if minutes == 1 else f"{minutes} Minuten"


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, name: str, password: str) -> User:
    check_new_password(password)
    user = User(email=email.strip().lower(), name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def grant(user: User, org_id: int, role: str, *, team_id=None, department_id=None) -> Membership:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role == "press_officer" and department_id is None:
        raise ValueError("a press officer belongs to a department")
    membership = Membership(user_id=user.id, organization_id=org_id, role=role, team_id=team_id,
                            department_id=department_id)
    db.session.add(membership)
    db.session.flush()
    sessions.renew_all(user.id)  # new rights, new session token (sessions.py)
    record(org_id, "membership.granted", membership, role=role, user_id=user.id)
    return membership


def authenticate(email: str, password: str, attempt: throttle.Attempt) -> User:
    """The user for these credentials, or LoginRefused (LoginThrottled while the try has to wait)."""
    wait = throttle.wait_seconds(attempt)
    if wait:
        raise LoginThrottled(wait)
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    if user is None or not user.check_password(password) or not user.active:
        throttle.count_failure(attempt)
        raise LoginRefused("E-Mail oder Passwort ist falsch.")
    throttle.forgive(attempt)
    return user


def _record_for_user(user: User, action: str, obj, **detail) -> None:
    # A user belongs to no one organization: each organization they work in sees the event.
    for org_id in sorted({m.organization_id for m in user.memberships}):
        record(org_id, action, obj, actor_id=user.id if action.startswith("session.") else None, **detail)


def log_in(user: User, client: str, user_agent: str) -> str:
    """Start a login session for an authenticated user; its token (also set on user for Flask-Login)."""
    token = sessions.start(user, client, user_agent)
    # Here, not at the password: with two-factor login the login is complete only after the code.
    user.last_login_at = clock.now()
    _record_for_user(user, "session.started", user, client=client)
    return token


def log_out(user: User) -> None:
    """End the login session user was loaded for, on the server."""
    sessions.end(user.login_token)
    _record_for_user(user, "session.ended", user)


def end_other_sessions(user: User) -> int:
    """End every session of user but the current one ("andere beenden"); the number ended."""
    ended = sessions.end_others(user)
    _record_for_user(user, "session.others_ended", user, sessions_ended=ended)
    return ended


def deactivate_user(user: User) -> int:
    """The user can no longer log in, and every session of theirs ends now; the number of sessions ended."""
    user.active = False
    ended = sessions.end_all(user)
    _record_for_user(user, "user.deactivated", user, sessions_ended=ended)
    return ended


def reactivate_user(user: User) -> None:
    """The user may log in again; sessions ended by the deactivation stay ended."""
    user.active = True
    _record_for_user(user, "user.reactivated", user)
