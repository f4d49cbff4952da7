"""Counting one client's attempts in fixed windows, shared by every web process through the database.

`hit(limit, client)` counts one attempt and says whether it is still within the limit. It is
meant for every place that must slow one client down: the public contact form (per IP address)
and login attempts. Web processes may run on several machines, so the count lives in a table,
raised by one atomic INSERT ... ON CONFLICT DO UPDATE (PostgreSQL and SQLite both have it):
parallel requests never lose a count.

The count is committed at once on its own connection, not with the request: a refused or
failing request must count too. So call `hit` before the request writes anything (on SQLite
the second connection would wait for the request's write lock). Clients are stored only as an
HMAC of scope and client under the secret key, not as addresses. The periodic pass removes
windows that are over (`purge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import String, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from inbox.core import clock
from inbox.core.crypto import hmac_sha256_hex
from inbox.core.types import UTCDateTime
from inbox.extensions import db


class RateLimit(db.Model):
    """One client's count in its current window (not scoped to an organization: a login has none yet)."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hits: Mapped[int] = mapped_column()
    reset_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class Limit:
    """At most `hits` attempts per `window` for one client of `scope` ("contact", "login", ...)."""

    scope: str
    hits: int
    window: timedelta

    @classmethod
    def from_settings(cls, scope: str, hits_key: str, minutes_key: str, section: str = "security") -> Limit:
        settings = current_app.config["SETTINGS"].get(section, {})
        return cls(scope, int(settings[hits_key]), timedelta(minutes=float(settings[minutes_key])))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int
    reset_at: datetime

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window is over (at least 1), for a Retry-After header."""
        return max(1, int((self.reset_at - clock.now()).total_seconds() + 0.999))


def hit(limit: Limit, client: str) -> Verdict:
    """Count one attempt of client; allowed while the window holds at most limit.hits attempts."""
    now = clock.now()
    table = RateLimit.__table__
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(key=_key(limit.scope, client), hits=1, reset_at=now + limit.window)
    over = table.c.reset_at <= now  # the stored window has ended: this attempt opens a new one
    statement = insert.on_conflict_do_update(index_elements=[table.c.key], set_={
        "hits": case((over, 1), else_=table.c.hits + 1),
        "reset_at": case((over, insert.excluded.reset_at), else_=table.c.reset_at),
    }).returning(table.c.hits, table.c.reset_at)
    with db.engine.begin() as connection:
        hits, reset_at = connection.execute(statement).one()
    return Verdict(hits <= limit.hits, hits, reset_at)


def purge() -> int:
    """Remove the counts of windows that are over; flushes like every operation (the pass commits)."""
    return db.session.execute(delete(RateLimit).where(RateLimit.reset_at <= clock.now())).rowcount


def client_address() -> str:
    """The requesting client's address (uvicorn takes it from X-Forwarded-For of a trusted local proxy)."""
    return request.remote_addr or "unknown"


def _key(scope: str, client: str) -> str:
    message = f"{scope}\n{client}".encode("utf-8", "surrogatepass")
    return hmac_sha256_hex(current_app.config["SECRET_KEY"], message)
