"""Account changes: creating users, granting roles, the login lock."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from inbox.accounts.models import ROLES, Membership, User
from inbox.audit.operations import record
from inbox.core import clock
from inbox.extensions import db

# Checked against when the e-mail is unknown, so the answer takes as long as for a real user.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


class LoginRefused(Exception):
    pass


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, name: str, password: str) -> User:
    if len(password) < 10:
        raise ValueError("Das Passwort muss mindestens 10 Zeichen haben.")
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
    record(org_id, "membership.granted", membership, role=role, user_id=user.id)
    return membership


def authenticate(email: str, password: str) -> User:
    """The user for these credentials, or LoginRefused; repeated failures lock the account."""
    user = find_user(email)
    if user is None:
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, password)
        raise LoginRefused("E-Mail oder Passwort ist falsch.")
    if user.locked_until and user.locked_until > clock.now():
        raise LoginRefused("Zu viele Fehlversuche. Das Konto ist vorübergehend gesperrt; "
                            "bitte später erneut versuchen.")
    if not user.check_password(password) or not user.active:
        _count_failure(user)
        raise LoginRefused("E-Mail oder Passwort ist falsch.")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, clock.now()
    return user


def _count_failure(user: User) -> None:
    limits = current_app.config["SETTINGS"]["security"]
    user.failed_logins += 1
    if user.failed_logins >= limits["login_max_failures"]:
        user.locked_until = clock.now() + timedelta(minutes=limits["login_lock_minutes"])
        user.failed_logins = 0
