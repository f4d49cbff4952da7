"""Two-factor login: a TOTP app (RFC 6238, pyotp) and single-use recovery codes.

The secret is kept encrypted with the channel credentials' Fernet key (core/crypto.py); recovery codes
only as hashes. A code is accepted once: the time step it belongs to is remembered, so a code read over
someone's shoulder does not work a second time. Wrong codes are throttled per account (throttle.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import pyotp
import segno
from sqlalchemy import delete, exists, select, update

from inbox.accounts import throttle
from inbox.accounts.models import Membership, RecoveryCode, User
from inbox.core import clock
from inbox.core.crypto import decrypt_json, encrypt_json
from inbox.extensions import db
from inbox.orgs.models import Organization

ISSUER = "Mitreden"
RECOVERY_CODES = 10
# Letters and digits that cannot be mistaken for one another when typed from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
STEP = 30


class CodeRefused(Exception):
    pass


class CodeThrottled(CodeRefused):
    def __init__(self, seconds: int):
        from inbox.accounts.operations import _duration

        self.seconds = seconds
        super().__init__(f"Zu viele falsche Codes: Bitte versuchen Sie es in {_duration(seconds)} erneut.")


def _secret(user: User) -> str:
    return decrypt_json(user.totp_secret).get("s", "")


def begin_enrolment(user: User) -> str:
    """A new secret for user, not yet in force (flushed); replaces an unfinished enrolment."""
    if user.has_2fa:
        raise ValueError("Die Zwei-Faktor-Anmeldung ist schon eingerichtet.")
    secret = pyotp.random_base32()
    user.totp_secret = encrypt_json({"s": secret})
    db.session.flush()
    return secret


def pending_secret(user: User) -> str | None:
    return _secret(user) if user.totp_secret and not user.has_2fa else None


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup (no image request, nothing the CSP has to allow)."""
    return segno.make(uri, error="m").svg_inline(scale=5, title="QR-Code für die Authenticator-App")


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one step either side for clock drift) whose code this is."""
    totp, now = pyotp.TOTP(secret), clock.now()
    current = int(now.timestamp()) // STEP
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _check_totp(user: User, secret: str, code: str) -> bool:
    step = _matching_step(secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _hash(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


def _normalize(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def new_recovery_codes(user: User) -> list[str]:
    """Fresh recovery codes (the old ones stop working); shown once, kept as hashes (flushed)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


def unused_recovery_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                               RecoveryCode.used_at.is_(None))).all())


def _use_recovery_code(user: User, code: str) -> bool:
    # One UPDATE that only touches an unused code: two requests with the same code cannot both succeed.
    used = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None))
        .values(used_at=clock.now()))
    return used.rowcount == 1


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor login on once the app shows the right code; the recovery codes (flushed)."""
    from inbox.accounts.operations import _record_for_user

    secret = pending_secret(user)
    if not secret:
        raise CodeRefused("Bitte starten Sie die Einrichtung neu.")
    if not _check_totp(user, secret, _normalize(code)):
        raise CodeRefused("Der Code stimmt nicht. Bitte geben Sie den aktuellen Code aus der App ein.")
    user.totp_enabled_at = clock.now()
    codes = new_recovery_codes(user)
    _record_for_user(user, "totp.enabled", user)
    return codes


def verify(user: User, code: str) -> str:
    """Check a second-factor code at login: "totp" or "recovery" when it is right, else CodeRefused (flushed).

    CodeThrottled while the account has to wait; failures are counted, the caller commits them.
    """
    attempt = throttle.attempt_for_code(user.id)
    wait = throttle.wait_seconds(attempt)
    if wait:
        raise CodeThrottled(wait)
    normalized = _normalize(code)
    kind = None
    if normalized.isdigit() and len(normalized) == 6:
        kind = "totp" if _check_totp(user, _secret(user), normalized) else None
    elif normalized and _use_recovery_code(user, normalized):
        kind = "recovery"
    if kind is None:
        throttle.count_failure(attempt)
        raise CodeRefused("Der Code stimmt nicht oder wurde schon benutzt.")
    throttle.forgive(attempt)
    return kind


def disable(user: User) -> None:
    from inbox.accounts.operations import _record_for_user

    user.totp_secret = ""
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    _record_for_user(user, "totp.disabled", user)


def required_for(user: User) -> bool:
    """Whether an organization of the user requires two-factor login of them (they are admin or lead there)."""
    return bool(db.session.scalar(select(exists().where(
        Membership.user_id == user.id, Membership.role.in_(("admin", "lead")),
        Membership.organization_id == Organization.id, Organization.require_2fa.is_(True)))))


def pending_max_age() -> timedelta:
    from flask import current_app

    return timedelta(seconds=current_app.config["SETTINGS"]["security"]["code_step_seconds"])
