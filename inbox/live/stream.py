"""What a stream sends: the organization's new outbox rows a viewer may see, as Server-Sent Events.

Ids are handed out when a row is inserted, not when its transaction commits: on PostgreSQL a
row with a lower id can become visible after one with a higher id. A stream that only
remembered the highest id sent would skip it for good. So the `Cursor` keeps a floor (every
id up to it is settled) and remembers, above the floor, which ids it sent and which ids were
missing when it read. A missing id is either a transaction still open (its row comes) or one
rolled back (it never will): it holds the floor for `grace` seconds at most. The SSE `id:` of
every event is the floor as of that event, so a reconnecting browser's Last-Event-ID resumes
below every id still missing; the few events above it that it gets again are harmless
(the page fetches the same fragment twice).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from inbox.extensions import db
from inbox.live.models import LiveEvent

BATCH = 500


@dataclass(frozen=True)
class Viewer:
    """Whose stream: the organization, the user, and the teams they work in (None: all of the organization's)."""

    org_id: int
    user_id: int
    team_ids: frozenset[int] | None

    def sees(self, org_id: int, team_id: int | None, user_id: int | None) -> bool:
        if org_id != self.org_id:
            return False
        if user_id is not None:
            return user_id == self.user_id
        return team_id is None or self.team_ids is None or team_id in self.team_ids


class Cursor:
    """Where one stream stands in the outbox (see the module's docstring)."""

    def __init__(self, floor: int, grace: float = 60.0, now: Callable[[], float] = time.monotonic):
        self.floor, self.grace, self._now = floor, grace, now
        self._sent: set[int] = set()
        self._missing: dict[int, float] = {}

    def read(self, viewer: Viewer) -> list[tuple[int, LiveEvent]]:
        """The viewer's new events as (SSE id, row), oldest first; call in an app context."""
        found: list[tuple[int, LiveEvent]] = []
        while True:
            rows = list(db.session.scalars(select(LiveEvent).where(
                LiveEvent.organization_id == viewer.org_id, LiveEvent.id > self.floor)
                .order_by(LiveEvent.id).limit(BATCH)))
            if not rows:
                return found
            top = rows[-1].id
            span = (LiveEvent.id > self.floor, LiveEvent.id <= top)
            # Usually no id is missing: counting (an index-only scan) says so without fetching the ids.
            complete = db.session.scalar(select(func.count()).select_from(LiveEvent).where(*span)) == top - self.floor
            committed = None if complete else set(db.session.scalars(select(LiveEvent.id).where(*span)))
            found += self.take(viewer, rows, committed)
            if len(rows) < BATCH:
                return found

    def take(self, viewer: Viewer, rows: list, committed: set[int] | None) -> list[tuple[int, object]]:
        """The pure step of read(): rows of the organization above the floor (ascending), the ids of all
        organizations' rows between the floor and the last of them (None: all of them); moves the floor."""
        top, now = rows[-1].id, self._now()
        waiting = []  # ids still missing within their grace, ascending
        for missing in range(self.floor + 1, top + 1) if committed is not None else ():
            if missing in committed:
                continue
            first_seen = self._missing.setdefault(missing, now)
            if now - first_seen < self.grace:
                waiting.append(missing)
        limit = waiting[0] - 1 if waiting else top
        out = []
        for row in rows:
            if row.id in self._sent:
                continue
            self._sent.add(row.id)
            if viewer.sees(row.organization_id, row.team_id, row.user_id):
                out.append((min(row.id, limit), row))
        self.floor = max(self.floor, limit)
        self._sent = {i for i in self._sent if i > self.floor}
        self._missing = {i: t for i, t in self._missing.items() if i > self.floor}
        return out


def start_floor(last_event_id: str | None, since: str | None, newest: Callable[[], int]) -> int:
    """Where a stream starts: after the browser's Last-Event-ID on a reconnect, else after the page's `since`
    (the newest id when the page was rendered), else after the newest row now."""
    for value in (last_event_id, since):
        if value and value.strip().isdigit():
            return int(value.strip())
    return newest()


def event_data(row: LiveEvent) -> dict:
    return {"event": row.id, "kind": row.kind, "conversation": row.conversation_id, **(row.payload or {})}


def sse(data: dict, *, event_id: int | None = None, name: str | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if name:
        lines.append(f"event: {name}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def comment(text: str) -> str:
    return f": {text}\n\n"
