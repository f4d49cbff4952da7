"""The SLA timer an inbox row shows: how long until the answer is due, or since when it is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox.core.web import duration_text
from inbox.sla.models import ConversationSLA
from inbox.sla.operations import warn_delta

# "running": due later than the warning time; "soon": within it (the sweep warns then); "overdue": breached.
STATES = ("running", "soon", "overdue", "paused")


@dataclass(frozen=True)
class Timer:
    state: str
    due_at: datetime | None
    label: str


def timer(row: ConversationSLA | None, now: datetime, warn: timedelta) -> Timer | None:
    """None when no clock runs (answered, or not started yet)."""
    if row is None:
        return None
    if row.paused_at is not None:
        return Timer("paused", None, "pausiert, wartet auf Fachamt")
    if row.due_at is None:
        return None
    left = row.due_at - now
    if left <= timedelta(0):
        return Timer("overdue", row.due_at, f"überfällig seit {duration_text(max(-left, timedelta(minutes=1)))}")
    # Rounded up: with 30 seconds left the answer is due "in 1 Min.", not "in 0 Min.".
    label = f"fällig in {duration_text(left + timedelta(seconds=59))}"
    return Timer("soon" if left <= warn else "running", row.due_at, label)


def timers_for(rows: dict[int, ConversationSLA], now: datetime) -> dict[int, Timer]:
    """The timers of the SLA rows by conversation id (as `due_for` gives them)."""
    warn = warn_delta()
    found = {cid: timer(row, now, warn) for cid, row in rows.items()}
    return {cid: t for cid, t in found.items() if t is not None}
