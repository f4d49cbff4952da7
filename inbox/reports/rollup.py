"""Keeping the report rollups up to date: one pass per organization, from a watermark on the audit trail.

Every change a report counts is in the audit trail (a message received, edited, deleted or re-judged, a reply,
a forward, a resolution, a move to another team). The pass reads the events after its watermark, marks the
local days and conversations they touch, and recomputes exactly those from the raw rows: recomputing is
idempotent, so a pass that runs twice or is retried counts nothing twice. The first pass of an organization
builds everything. Events younger than SETTLE are left for the next pass: an id is taken when a row is
inserted, not when it commits, so a slow transaction could otherwise commit behind the watermark.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import delete, func, insert, select

from inbox.audit.models import AuditEvent
from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.models import Organization, Team
from inbox.reports import facts
from inbox.reports.models import HourlyRollup, ReportState, TermCount
from inbox.reports.periods import day_bounds, local_day
from inbox.reports.topics import terms
from inbox.rota import adapter

SETTLE = dt.timedelta(minutes=2)
# A reply counts as handled in the gap since the same editor's previous reply, if that gap is shorter.
HANDLE_CUTOFF = dt.timedelta(minutes=30)
MAX_EVENTS = 50_000
RUN_DAYS = 14
COUNTS = ("arrivals", "arrivals_closed", "mood_negative", "mood_neutral", "mood_positive", "replies", "handled",
          "handle_seconds")
MOOD_COLUMN = {"negative": "mood_negative", "neutral": "mood_neutral", "positive": "mood_positive"}


def run() -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for org_id in db.session.scalars(select(Organization.id).order_by(Organization.id)).all():
        for key, value in run_org(org_id).items():
            totals[f"reports_{key}"] += value
    return dict(totals)


def run_org(org_id: int) -> dict[str, int]:
    state = _state(org_id)
    horizon = clock.now() - SETTLE
    calendars = _Calendars()
    if state.covered_until is None:
        days, conversations, last_id, covered = _everything(org_id, horizon)
    else:
        days, conversations, last_id, covered = _changed_since(org_id, state.audit_event_id, horizon)
    rebuild_days(org_id, days, calendars)
    count = facts.rebuild(org_id, conversations, calendars)
    state.audit_event_id, state.covered_until = max(last_id, state.audit_event_id), covered
    db.session.flush()
    return {"days": len(days), "conversations": count}


def _state(org_id: int) -> ReportState:
    # The row lock keeps two passes of one organization apart (PostgreSQL; SQLite writes one at a time anyway).
    state = db.session.scalar(select(ReportState).where(ReportState.organization_id == org_id).with_for_update())
    if state is None:
        state = ReportState(organization_id=org_id, audit_event_id=0)
        db.session.add(state)
        db.session.flush()
    return state


class _Calendars(dict):
    """Each team's BusinessCalendar, read once per pass."""

    def __call__(self, team_id: int):
        if team_id not in self:
            self[team_id] = adapter.calendar_for(db.session.get(Team, team_id))
        return self[team_id]


def _everything(org_id: int, horizon: dt.datetime) -> tuple[set[dt.date], set[int], int, dt.datetime]:
    last_id = db.session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.organization_id == org_id,
                                                                      AuditEvent.created_at <= horizon)) or 0
    first, last = db.session.execute(select(func.min(Message.created_at), func.max(Message.created_at))
                                     .where(Message.organization_id == org_id)).one()
    days = set()
    if first is not None:
        day, end = local_day(first), local_day(max(last, horizon))
        while day <= end:
            days.add(day)
            day += dt.timedelta(days=1)
    conversations = set(db.session.scalars(select(Conversation.id).where(Conversation.organization_id == org_id)))
    return days, conversations, last_id, horizon


def _changed_since(org_id: int, after: int, horizon: dt.datetime):
    events = db.session.execute(
        select(AuditEvent.id, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
               AuditEvent.conversation_id)
        .where(AuditEvent.organization_id == org_id, AuditEvent.id > after, AuditEvent.created_at <= horizon)
        .order_by(AuditEvent.id).limit(MAX_EVENTS)).all()
    conversations = {e.conversation_id for e in events if e.conversation_id}
    message_ids = {e.object_id for e in events if e.object_type == "message"}
    moved = {e.conversation_id for e in events if e.action == "conversation.moved"}
    days = {local_day(t) for t in _times(select(Message.created_at).where(Message.id.in_(message_ids)))}
    days |= {local_day(t) for t in _times(select(Message.created_at).where(Message.conversation_id.in_(moved)))}
    last_id = events[-1].id if events else after
    # A full batch may leave events behind: the page then says how far the figures reach.
    covered = horizon if len(events) < MAX_EVENTS else db.session.get(AuditEvent, last_id).created_at
    return days, conversations, last_id, covered


def _times(query) -> list[dt.datetime]:
    return list(db.session.scalars(query))


def rebuild_days(org_id: int, days: set[dt.date], calendar_of) -> None:
    """Recompute the hourly counts and the terms of each local day from the raw messages.

    Consecutive days go together (up to RUN_DAYS), so the first pass over two years reads in few queries.
    """
    for run in _runs(sorted(days)):
        start, end = day_bounds(run[0])[0], day_bounds(run[-1])[1]
        rows = db.session.execute(
            select(Message.channel_id, Message.direction, Message.created_at, Message.mood, Message.mood_corrected,
                   Message.author_id, Message.text, Conversation.team_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.organization_id == org_id, Message.created_at >= start - HANDLE_CUTOFF,
                   Message.created_at < end)
            .order_by(Message.created_at, Message.id)).all()
        hourly, day_terms = _count(rows, start, calendar_of)
        db.session.execute(delete(HourlyRollup).where(HourlyRollup.organization_id == org_id,
                                                      HourlyRollup.hour >= start, HourlyRollup.hour < end))
        db.session.execute(delete(TermCount).where(TermCount.organization_id == org_id, TermCount.day >= run[0],
                                                   TermCount.day <= run[-1]))
        # Core inserts with every column given: one executemany, not one statement per shape of row.
        if hourly:
            db.session.execute(insert(HourlyRollup.__table__), [
                {"organization_id": org_id, "team_id": team, "channel_id": channel, "hour": hour,
                 **{c: counts.get(c, 0) for c in COUNTS}} for (team, channel, hour), counts in hourly.items()])
        if day_terms:
            db.session.execute(insert(TermCount.__table__), [
                {"organization_id": org_id, "team_id": team, "day": day, "term": term, "count": n}
                for (team, day, term), n in day_terms.items()])


def _runs(days: list[dt.date]) -> list[list[dt.date]]:
    runs: list[list[dt.date]] = []
    for day in days:
        if runs and day - runs[-1][-1] == dt.timedelta(days=1) and len(runs[-1]) < RUN_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _count(rows, start: dt.datetime, calendar_of):
    hourly: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    day_terms: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    last_reply: dict[int, dt.datetime] = {}
    for channel, direction, created, mood, corrected, author, text, team in rows:
        inside = created >= start
        bucket = hourly[(team, channel, created.replace(minute=0, second=0, microsecond=0))] if inside else None
        if direction == "in" and inside:
            bucket["arrivals"] += 1
            bucket["arrivals_closed"] += 0 if calendar_of(team).is_open(created) else 1
            if corrected or mood:
                bucket[MOOD_COLUMN[corrected or mood]] += 1
            day = local_day(created)
            for term in terms(text):
                day_terms[(team, day, term)] += 1
        elif direction == "out" and author is not None:
            previous, last_reply[author] = last_reply.get(author), created
            if inside:
                bucket["replies"] += 1
                if previous is not None and created - previous < HANDLE_CUTOFF:
                    bucket["handled"] += 1
                    bucket["handle_seconds"] += int((created - previous).total_seconds())
    return {k: dict(v) for k, v in hourly.items() if v}, day_terms
