"""Staffing from observed load: editors needed per weekday and hour, beside the published rota's headcount.

Erlang C, not a simulation: arrivals of citizen messages are many independent decisions (close to Poisson),
and the model needs only what we observe, arrivals per hour and the mean handling time, to give the number of
editors for a target share answered within a time, exactly and instantly; a simulation would need the same
inputs, add noise and cost seconds per page. Its limits, said on the page: it assumes an editor works one
message at a time and nobody gives up waiting, so it errs on the safe side for chat-like channels.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from flask import current_app
from sqlalchemy import func, select

from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.reports.models import HourlyRollup
from inbox.reports.periods import Period, zone
from inbox.rota import adapter
from inbox.rota.models import Rota, ShiftTemplateRow

# Without any observed reply gaps, assume ten minutes per message (and say so).
FALLBACK_HANDLE_SECONDS = 600
MAX_EDITORS = 50


def settings() -> tuple[float, int]:
    conf = current_app.config["SETTINGS"].get("reports", {})
    return float(conf.get("staffing_service_level", 0.8)), int(conf.get("staffing_answer_minutes", 60))


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a message has to wait, with `agents` editors and `traffic` erlangs (agents > traffic)."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: int, per_hour: float, handle_seconds: float, answer_seconds: float) -> float:
    traffic = per_hour * handle_seconds / 3600
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * answer_seconds / handle_seconds)


def editors_needed(per_hour: float, handle_seconds: float, target: float, answer_seconds: float) -> int:
    if per_hour <= 0:
        return 0
    agents = max(1, math.floor(per_hour * handle_seconds / 3600) + 1)
    while service_level(agents, per_hour, handle_seconds, answer_seconds) < target and agents < MAX_EDITORS:
        agents += 1
    return agents


def load(team: Team, period: Period) -> tuple[list[list[float]], float, bool]:
    """Mean arrivals per weekday x local hour, the mean handling time in seconds, and whether it was observed."""
    start, end = period.bounds
    rows = db.session.execute(select(HourlyRollup.hour, func.sum(HourlyRollup.arrivals),
                                     func.sum(HourlyRollup.handled), func.sum(HourlyRollup.handle_seconds))
                              .where(HourlyRollup.organization_id == team.organization_id,
                                     HourlyRollup.team_id == team.id, HourlyRollup.hour >= start,
                                     HourlyRollup.hour < end).group_by(HourlyRollup.hour)).all()
    weekdays = defaultdict(int)
    for day in period.dates():
        weekdays[day.weekday()] += 1
    grid, handled, seconds = [[0.0] * 24 for _ in range(7)], 0, 0
    for hour, arrivals, n, secs in rows:
        local = hour.astimezone(zone())
        grid[local.weekday()][local.hour] += arrivals / weekdays[local.weekday()]
        handled, seconds = handled + n, seconds + secs
    return grid, (seconds / handled if handled else FALLBACK_HANDLE_SECONDS), bool(handled)


def rota_headcount(team: Team, period: Period) -> list[list[float | None]]:
    """Mean editors on shift in the published rotas per weekday x hour (at half past); None: no published plan."""
    totals, days = [[0] * 24 for _ in range(7)], [0] * 7
    z = zone()
    for row in db.session.scalars(select(Rota).where(Rota.team_id == team.id, Rota.status == "published")):
        rota = adapter.rota_object(row)
        for day in period.dates():
            if (day.year, day.month) != (row.year, row.month):
                continue
            days[day.weekday()] += 1
            for h in range(24):
                moment = dt.datetime.combine(day, dt.time(h, 30), z)
                totals[day.weekday()][h] += len(rota.on_shift(moment))
    return [[totals[d][h] / days[d] if days[d] else None for h in range(24)] for d in range(7)]


def recommendation(team: Team, period: Period) -> dict:
    target, answer_minutes = settings()
    arrivals, handle_seconds, observed = load(team, period)
    needed = [[editors_needed(arrivals[d][h], handle_seconds, target, answer_minutes * 60) for h in range(24)]
              for d in range(7)]
    rota = rota_headcount(team, period)
    under = [(d, h) for d in range(7) for h in range(24) if rota[d][h] is not None and rota[d][h] < needed[d][h]]
    over = [(d, h) for d in range(7) for h in range(24) if rota[d][h] is not None and rota[d][h] > needed[d][h]]
    return {"arrivals": arrivals, "handle_seconds": handle_seconds, "observed": observed, "needed": needed,
            "rota": rota, "under": under, "over": over, "target": target, "answer_minutes": answer_minutes}


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _covers(row: ShiftTemplateRow, hour: int) -> bool:
    start, end = _minutes(row.start), _minutes(row.end)
    if end <= start:  # over midnight
        return hour * 60 >= start or (hour + 1) * 60 <= end
    return start <= hour * 60 and (hour + 1) * 60 <= end


def demand(templates: list[ShiftTemplateRow], needed: list[list[int]]) -> tuple[dict[str, dict[str, int]], list]:
    """Headcount per template and day type that covers every hour's need: hour by hour, add the shift that
    covers the hour and reaches furthest. Returns the headcounts and the (day type, hour) no template covers."""
    per_type = {"workday": [max(needed[d][h] for d in range(5)) for h in range(24)],
                "weekend": [max(needed[d][h] for d in (5, 6)) for h in range(24)]}
    per_type["holiday"] = per_type["weekend"]
    heads = {t.code: {k: 0 for k in t.day_types} for t in templates}
    uncovered = []
    for kind, need in per_type.items():
        usable = [t for t in templates if kind in t.day_types]
        for hour in range(24):
            covering = [t for t in usable if _covers(t, hour)]
            if need[hour] and not covering:
                uncovered.append((kind, hour))
                continue
            while covering and sum(heads[t.code][kind] for t in covering) < need[hour]:
                best = max(covering, key=lambda t: (_minutes(t.end) - hour * 60) % 1440)
                heads[best.code][kind] += 1
    return heads, uncovered
