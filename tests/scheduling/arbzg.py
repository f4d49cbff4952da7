"""An ArbZG check of a joined plan written apart from scheduling/rules.py and scheduling/checks.py.

It reads only the assignments and the templates' wall-clock times and applies the law directly:
§ 3 at most 10 h work a day, § 4 breaks, § 5 at least 11 h rest, at most 6 working days in a row (the
team rule), § 11 at least 15 free Sundays in a calendar year and a free working day (Mon-Sat, not on
leave) within 2 weeks after Sunday work and within 8 weeks after work on a public holiday.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays

BERLIN = ZoneInfo("Europe/Berlin")


def _span(day: dt.date, template) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(day.year, day.month, day.day, template.start // 60, template.start % 60, tzinfo=BERLIN)
    end_day = day + dt.timedelta(days=1) if template.end <= template.start else day
    end = dt.datetime(end_day.year, end_day.month, end_day.day, template.end // 60 % 24, template.end % 60,
                      tzinfo=BERLIN)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _work_minutes(template) -> int:
    length = (template.end - template.start) % 1440 or 1440
    pause = template.break_minutes
    if pause is None:
        # The least lawful break: none up to 6 h, 30 min while the rest stays <= 9 h, else 45 min (§ 4).
        pause = 0 if length <= 360 else 30 if length - 30 <= 540 else 45
    return length - pause


def problems(assignments, templates, first: dt.date, last: dt.date, state: str = "NW", away=frozenset(),
             daily_max: int = 600, run_max: int = 6, whole_years: bool = False) -> list[str]:
    """Every breach of the law in the plan over first..last (assignments outside are ignored).

    ``away`` holds (editor, date) pairs of leave; ``whole_years`` checks the 15 free Sundays for each
    calendar year lying completely inside first..last.
    """
    by_code = {t.code: t for t in templates}
    shifts: dict[object, dict[dt.date, str]] = {}
    for a in assignments:
        if first <= a.date <= last:
            shifts.setdefault(a.editor_id, {})[a.date] = a.template
    holiday = holidays.Germany(subdiv=state, years=range(first.year, last.year + 1))
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    found = []
    for editor, plan in shifts.items():
        spans = sorted(_span(d, by_code[c]) for d, c in plan.items())
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            if start - end < dt.timedelta(hours=11):
                found.append(f"{editor}: rest {start - end} before {start:%d.%m.%Y %H:%M}")
        for d, c in plan.items():
            if _work_minutes(by_code[c]) > daily_max:
                found.append(f"{editor}: {_work_minutes(by_code[c])} min on {d}")
        run = 0
        for d in days:
            run = run + 1 if d in plan else 0
            if run > run_max:
                found.append(f"{editor}: {run} days in a row up to {d}")
        for d in plan:
            weeks = 2 if d.weekday() == 6 else 8 if d in holiday else 0
            if weeks and d + dt.timedelta(weeks=weeks) <= last:
                window = [d + dt.timedelta(days=i) for i in range(1, 7 * weeks + 1)]
                if not any(w.weekday() != 6 and w not in plan and (editor, w) not in away for w in window):
                    found.append(f"{editor}: no replacement day within {weeks} weeks after {d}")
        if whole_years:
            for year in range(first.year, last.year + 1):
                if dt.date(year, 1, 1) >= first and dt.date(year, 12, 31) <= last:
                    sundays = [d for d in days if d.year == year and d.weekday() == 6]
                    free = sum(1 for d in sundays if d not in plan)
                    if free < 15:
                        found.append(f"{editor}: only {free} free Sundays in {year}")
    return found
