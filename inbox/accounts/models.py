"""Users, the roles they hold per organization, team and department, their login sessions and failed logins."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from inbox.core import clock
from inbox.core.models import OrgScoped, Timestamped
from inbox.core.types import UTCDateTime
from inbox.extensions import db

ROLES = ("editor", "lead", "press_officer", "admin")


class User(UserMixin, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor login (accounts/totp.py): the TOTP secret, Fernet-encrypted; set but not enabled while enrolling.
    totp_secret: Mapped[str] = mapped_column(String(500), default="")
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time step of the last code accepted: a code seen once is not accepted again.
    totp_last_step: Mapped[int | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The token of the login session this user object was loaded for (inbox/accounts/sessions.py).
    login_token = None

    @property
    def has_2fa(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # Flask-Login keeps this in the session cookie: the login session's token, not the user's id, so
        # ending the session on the server (logout, deactivation) makes a copied cookie worthless.
        if self.login_token is None:
            raise RuntimeError("no login session: start one with inbox.accounts.sessions.start")
        return self.login_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


def password_method() -> str:
    """scrypt, Werkzeug's memory-hard default, named so a library change cannot weaken it.

    Only the tests lower its cost (PASSWORD_HASH_METHOD): a full-strength hash takes a fifth of a second, and the
    suite creates thousands of accounts.
    """
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


class Membership(OrgScoped, db.Model):
    """One role of a user in an organization, optionally tied to a team or a department."""

    __table_args__ = (UniqueConstraint("user_id", "organization_id", "team_id", "department_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(back_populates="memberships")


class UserSession(Timestamped, db.Model):
    """One login: the session cookie names it by a random token, of which only the hash is kept.

    Logging out deletes the row, deactivating a user deletes all of theirs; a copied cookie then finds nothing.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Where and with what the login happened, for a list of one's own sessions.
    client: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(200))
    # The idle timeout counts from here; written at most once a minute (sessions.py).
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The user's roles changed: the next request swaps this session for one with a new token.
    renew: Mapped[bool] = mapped_column(default=False)


class RecoveryCode(db.Model):
    """A single-use code that stands in for the TOTP code (a lost phone); only its hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(db.Model):
    """Failed logins under one key (an account, a client, both, or a known browser; hashed): accounts/throttle.py."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    failures: Mapped[int]
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
