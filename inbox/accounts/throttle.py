"""Failed-login throttling, kept in the database so that every web process counts the same failures.

A failed login counts under three keys: the account tried from this client (the IP address, IPv6 by
its /64), this client over all accounts (one machine trying many accounts), and the account over
all clients (many machines guessing one password). A wrong second-factor code counts under the
account alone (attempt_for_code). Past a key's free failures, each further one
doubles the wait before that key may try again (`[security]` in config/default.toml).

A lock on the account alone would let anyone lock its owner out. So a browser the owner has logged
in with before carries a signed "known browser" cookie for that account, and its tries count under
that browser's own key only: failures elsewhere, however many, do not slow it down.

Counters are keyed on the address that was typed, whether an account has it or not, so the answer
does not tell which addresses exist. Keys are HMACs under SECRET_KEY: the table holds neither
e-mail nor IP addresses.
"""

from __future__ import annotations

import ipaddress
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from inbox.accounts.models import LoginThrottle
from inbox.core import clock
from inbox.core.crypto import ClockSigner, hmac_sha256_hex
from inbox.extensions import db

BROWSER_COOKIE = "mitreden_browser"
_SALT = "mitreden.known-browser"
# Each scope's free failures, by setting name.
_FREE = {"pair": "login_free_failures", "browser": "login_free_failures",
         "client": "login_client_free_failures", "account": "login_account_free_failures",
         "code": "code_free_failures"}


@dataclass(frozen=True)
class Attempt:
    """The keys one login try counts under: scope -> hashed key."""

    keys: dict[str, str]
    # The key to reset when the login succeeds: this account from this client or browser.
    own: str


def _settings() -> dict:
    return current_app.config["SETTINGS"]["security"]


def _digest(scope: str, value: str) -> str:
    return hmac_sha256_hex(current_app.config["SECRET_KEY"], f"login-throttle:{scope}:{value}".encode())


def client_address() -> str:
    """The client's address; IPv6 by its /64, which one machine usually holds whole."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:45]
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def attempt_for(address: str) -> Attempt:
    """The keys a login try for address from the current request counts under."""
    account = _digest("account", address.strip().lower())
    browser = _known_browser(account)
    if browser:
        key = _digest("browser", browser)
        return Attempt({"browser": key}, key)
    client = client_address()
    pair = _digest("pair", f"{account}|{client}")
    return Attempt({"pair": pair, "client": _digest("client", client), "account": account}, pair)


def attempt_for_code(user_id: int) -> Attempt:
    """The key a try at the second factor (TOTP or recovery code) counts under: the account, from anywhere.

    Only someone who knows the password gets this far, so a lock here cannot be set off by strangers; the
    code has a million values, so its tries are counted across all clients.
    """
    key = _digest("code", str(user_id))
    return Attempt({"code": key}, key)


def _delay(failures: int, free: int) -> float:
    """Seconds to wait after `failures` failures under a key that allows `free` of them."""
    limits = _settings()
    if failures < free:
        return 0.0
    return min(limits["login_max_delay_seconds"], limits["login_delay_seconds"] * 2 ** min(failures - free, 20))


def wait_seconds(attempt: Attempt) -> int:
    """How long the try must wait (0: it may go ahead); the longest wait of its keys."""
    limits, now = _settings(), clock.now()
    rows = db.session.scalars(select(LoginThrottle).where(
        LoginThrottle.key.in_(attempt.keys.values()),
        LoginThrottle.last_failure_at > now - timedelta(hours=limits["login_forget_hours"])))
    waits = [(row.last_failure_at + timedelta(seconds=_delay(row.failures, limits[_FREE[row.scope]])) - now)
             .total_seconds() for row in rows]
    return max([0, *(math.ceil(w) for w in waits)])


def count_failure(attempt: Attempt) -> None:
    """Count one failed try under each of its keys (flushed); counters past the forget time start again."""
    now = clock.now()
    forgotten = now - timedelta(hours=_settings()["login_forget_hours"])
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < forgotten))
    table = LoginThrottle.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for scope, key in attempt.keys.items():
        # One statement per key, so that parallel failures neither get lost nor collide on insert.
        insert = dialect.insert(table).values(key=key, scope=scope, failures=1, last_failure_at=now)
        db.session.execute(insert.on_conflict_do_update(index_elements=[table.c.key], set_={
            "failures": case((table.c.last_failure_at < forgotten, 1), else_=table.c.failures + 1),
            "last_failure_at": now,
        }))


def forgive(attempt: Attempt) -> None:
    """After a successful login: the owner's own mistakes from here are forgotten, not the others' counts."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == attempt.own))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT, signer=ClockSigner)


def _max_age() -> int:
    return int(_settings()["known_browser_days"]) * 86400


def _cookie() -> dict | None:
    try:
        data = _serializer().loads(request.cookies.get(BROWSER_COOKIE, ""), max_age=_max_age())
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _known_browser(account: str) -> str | None:
    """This browser's id when it logged in to the account before, else None."""
    data = _cookie()
    return str(data["b"]) if data and data.get("a") == account and data.get("b") else None


def remember_browser(response, address: str) -> None:
    """After a successful login: mark this browser as known for the account (one account per browser)."""
    account = _digest("account", address.strip().lower())
    browser = _known_browser(account) or secrets.token_urlsafe(16)
    response.set_cookie(BROWSER_COOKIE, _serializer().dumps({"a": account, "b": browser}), max_age=_max_age(),
                        path="/login", secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                        samesite="Lax")
