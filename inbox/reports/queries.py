"""The figures of a report, read from the rollups (and, for forwards, from their few raw rows).

Every section is a list of Tables: the page shows each as an accessible table beside its chart, the CSV and
PDF exports write the same tables. Minutes are business minutes of the team's service hours unless said.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from inbox.accounts.models import User
from inbox.channels.models import Channel
from inbox.conversations.models import Conversation
from inbox.core import clock
from inbox.extensions import db
from inbox.forwarding import business_time
from inbox.forwarding.models import Forward
from inbox.orgs.models import Department, Organization
from inbox.reports import stats
from inbox.reports.models import ConversationFact, HourlyRollup, ReportSettings, ReportState, TermCount
from inbox.reports.periods import Period, zone
from inbox.reports.topics import rising

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
PRIORITY_LABELS = {"high": "hoch", "normal": "normal", "low": "niedrig"}
SECTIONS = {"volumen": "Aufkommen je Kanal und Tag", "wochenraster": "Eingänge nach Wochentag und Stunde",
            "zeiten": "Reaktions- und Lösungszeiten", "sla": "SLA-Einhaltung",
            "servicezeit": "Außerhalb der Servicezeit",
            "weiterleitungen": "Weiterleitungen an Fachämter", "themen": "Themen", "stimmung": "Stimmungsbarometer",
            "personen": "Je Person"}


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Scope:
    """Whose data: an organization, and its teams (None: all of them)."""

    org_id: int
    team_ids: frozenset[int] | None

    def on(self, column) -> list:
        return [] if self.team_ids is None else [column.in_(self.team_ids or {-1})]


def per_editor_enabled(org_id: int) -> bool:
    return bool(db.session.scalar(select(ReportSettings.per_editor).where(ReportSettings.organization_id == org_id)))


def covered_until(org_id: int) -> dt.datetime | None:
    return db.session.scalar(select(ReportState.covered_until).where(ReportState.organization_id == org_id))


def channel_names(org_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(Channel.id, Channel.name).where(Channel.organization_id == org_id)).all())


def _hourly(scope: Scope, period: Period):
    start, end = period.bounds
    return db.session.execute(
        select(HourlyRollup.channel_id, HourlyRollup.hour, func.sum(HourlyRollup.arrivals),
               func.sum(HourlyRollup.arrivals_closed), func.sum(HourlyRollup.mood_negative),
               func.sum(HourlyRollup.mood_neutral), func.sum(HourlyRollup.mood_positive),
               func.sum(HourlyRollup.replies),
               func.sum(HourlyRollup.handled), func.sum(HourlyRollup.handle_seconds))
        .where(HourlyRollup.organization_id == scope.org_id, HourlyRollup.hour >= start, HourlyRollup.hour < end,
               *scope.on(HourlyRollup.team_id))
        .group_by(HourlyRollup.channel_id, HourlyRollup.hour)).all()


def _facts(scope: Scope, period: Period) -> list:
    start, end = period.bounds
    return [ConversationFact.organization_id == scope.org_id, ConversationFact.opened_at >= start,
            ConversationFact.opened_at < end, *scope.on(ConversationFact.team_id)]


def build(scope: Scope, period: Period, *, per_editor: bool) -> dict[str, list[Table]]:
    """Every section of the report for the period, compared with the previous one."""
    previous = period.previous()
    names = channel_names(scope.org_id)
    now_rows, before_rows = _hourly(scope, period), _hourly(scope, previous)
    report = {"volumen": volume(now_rows, before_rows, period, names), "wochenraster": heatmap(now_rows),
              "zeiten": times(scope, period, previous), "sla": sla(scope, period, names),
              "servicezeit": out_of_hours(scope, period, previous, now_rows, before_rows),
              "weiterleitungen": forwards(scope, period), "themen": topics(scope, period),
              "stimmung": mood(now_rows, period, names)}
    if per_editor:
        report["personen"] = editors(scope, period)
    return report


def _local(hour: dt.datetime) -> dt.datetime:
    return _local_hour(hour, zone())


@functools.lru_cache(maxsize=65536)
def _local_hour(hour: dt.datetime, z) -> dt.datetime:
    return hour.astimezone(z)


def _change(now: float, before: float) -> str:
    if not before:
        return "neu" if now else "–"
    return f"{(now - before) / before * 100:+.0f} %"


def volume(rows, before_rows, period: Period, names: dict[int, str]) -> list[Table]:
    channels = sorted({r[0] for r in rows} | {r[0] for r in before_rows}, key=lambda c: names.get(c, ""))
    per_day: dict[dt.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    totals, before = defaultdict(int), defaultdict(int)
    for channel, hour, arrivals, *_ in rows:
        per_day[_local(hour).date()][channel] += arrivals
        totals[channel] += arrivals
    for channel, _hour, arrivals, *_ in before_rows:
        before[channel] += arrivals
    days = Table("Eingänge je Tag und Kanal", ["Tag", *(names.get(c, "?") for c in channels), "Summe"])
    for day in period.dates():
        counts = [per_day[day][c] for c in channels]
        days.rows.append([day.isoformat(), *counts, sum(counts)])
    summary = Table("Eingänge je Kanal im Vergleich zum vorigen Zeitraum",
                    ["Kanal", "Zeitraum", "Voriger Zeitraum", "Veränderung"])
    for c in channels:
        summary.rows.append([names.get(c, "?"), totals[c], before[c], _change(totals[c], before[c])])
    all_now, all_before = sum(totals.values()), sum(before.values())
    summary.rows.append(["Alle Kanäle", all_now, all_before, _change(all_now, all_before)])
    return [summary, days]


def heatmap(rows) -> list[Table]:
    grid = [[0] * 24 for _ in range(7)]
    for _channel, hour, arrivals, *_ in rows:
        local = _local(hour)
        grid[local.weekday()][local.hour] += arrivals
    table = Table("Eingänge nach Wochentag und Stunde (Ortszeit)", ["Wochentag", *(f"{h:02d}" for h in range(24))])
    table.rows = [[WEEKDAYS[d], *grid[d]] for d in range(7)]
    return [table]


def times(scope: Scope, period: Period, previous: Period) -> list[Table]:
    table = Table("Erste Antwort und Lösung in Geschäftszeit (Minuten)",
                  ["Kennzahl", "Anzahl", "Median", "90 %-Wert", "Median voriger Zeitraum",
                   "90 %-Wert voriger Zeitraum"],
                  note="Erste Antwort: ohne die Zeit, in der auf ein Fachamt gewartet wurde (dann ruht die SLA). "
                       "Lösung: von der ersten Nachricht bis zur Erledigung, Wartezeit auf Fachämter eingeschlossen.")
    for label, column in (("Erste Antwort", ConversationFact.first_response_minutes),
                          ("Lösung", ConversationFact.resolution_minutes)):
        n, p50, p90 = stats.quantiles(column, _facts(scope, period)).get((), (0, None, None))
        _n, b50, b90 = stats.quantiles(column, _facts(scope, previous)).get((), (0, None, None))
        table.rows.append([label, n, _dash(p50), _dash(p90), _dash(b50), _dash(b90)])
    return [table]


def _dash(value):
    return "–" if value is None else value


def sla(scope: Scope, period: Period, names: dict[int, str]) -> list[Table]:
    """Attained: first reply within the target. Breached: replied late, or unanswered past the due time."""
    now, f = clock.now(), ConversationFact
    # Counted where the rows are: a 90-day period holds tens of thousands of conversations.
    answered = f.first_response_minutes.is_not(None)
    rows = db.session.execute(
        select(f.channel_id, f.priority,
               func.sum(case((answered & (f.first_response_minutes <= f.sla_target_minutes), 1), else_=0)),
               func.sum(case((answered & (f.first_response_minutes > f.sla_target_minutes), 1), else_=0)),
               func.sum(case((~answered & (f.sla_due_at <= now), 1), else_=0)))
        .where(*_facts(scope, period)).group_by(f.channel_id, f.priority)).all()
    cells = {(channel, priority): (int(ok or 0), int(late or 0), int(overdue or 0))
             for channel, priority, ok, late, overdue in rows}
    table = Table("SLA-Einhaltung der ersten Antwort je Kanal und Priorität",
                  ["Kanal", "Priorität", "Rechtzeitig", "Zu spät beantwortet", "Unbeantwortet überfällig",
                   "Einhaltung"], note="Noch nicht fällige, unbeantwortete Unterhaltungen zählen nicht mit.")
    total = [0, 0, 0]
    for (channel, priority), (ok, late, overdue) in sorted(cells.items(), key=lambda i: (names.get(i[0][0], ""),
                                                                                         i[0][1])):
        table.rows.append([names.get(channel, "?"), PRIORITY_LABELS.get(priority, priority), ok, late, overdue,
                           _share(ok, ok + late + overdue)])
        total = [total[0] + ok, total[1] + late, total[2] + overdue]
    table.rows.append(["Alle", "alle", *total, _share(total[0], sum(total))])
    breaches = Table("Verstöße", ["Verstöße gesamt"], [[total[1] + total[2]]])
    return [table, breaches]


def _share(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f} %" if whole else "–"


def out_of_hours(scope: Scope, period: Period, previous: Period, rows, before_rows) -> list[Table]:
    def share(items):
        arrivals, closed = sum(r[2] for r in items), sum(r[3] for r in items)
        return arrivals, closed

    (a, c), (pa, pc) = share(rows), share(before_rows)
    table = Table("Nachrichten außerhalb der Servicezeit", ["Zeitraum", "Eingänge", "Außerhalb", "Anteil"],
                  [["Zeitraum", a, c, _share(c, a)], ["Voriger Zeitraum", pa, pc, _share(pc, pa)]])
    wait = Table("Wartezeit bis zur Öffnung (Minuten, Uhrzeit)", ["Zeitraum", "Anzahl", "Median", "90 %-Wert"],
                 note="Unterhaltungen, deren erste Nachricht außerhalb der Servicezeit kam: "
                      "Minuten bis die Servicezeit begann.")
    for label, p in (("Zeitraum", period), ("Voriger Zeitraum", previous)):
        n, p50, p90 = stats.quantiles(ConversationFact.wait_open_minutes, _facts(scope, p)).get((), (0, None, None))
        wait.rows.append([label, n, _dash(p50), _dash(p90)])
    return [table, wait]


def forwards(scope: Scope, period: Period) -> list[Table]:
    """Turnaround in the press offices' business time (weekdays); overdue: answered after the due time or still
    owed past it."""
    start, end = period.bounds
    org = db.session.get(Organization, scope.org_id)
    calendar, now = business_time.workday_calendar(org), clock.now()
    rows = db.session.execute(
        select(Department.name, Forward.created_at, Forward.answered_at, Forward.settled_at, Forward.due_at)
        .join(Department, Department.id == Forward.department_id)
        .join(Conversation, Conversation.id == Forward.conversation_id)
        .where(Forward.organization_id == scope.org_id, Forward.created_at >= start, Forward.created_at < end,
               *scope.on(Conversation.team_id))).all()
    per: dict[str, dict] = defaultdict(lambda: {"n": 0, "spans": [], "overdue": 0})
    for name, created, answered, settled, due in rows:
        entry = per[name]
        entry["n"] += 1
        if answered:
            entry["spans"].append(calendar.business_minutes_between(created, answered))
        entry["overdue"] += 1 if (answered or settled or now) > due else 0
    table = Table("Weiterleitungen je Fachamt (Geschäftszeit der Fachämter, Minuten)",
                  ["Fachamt", "Anzahl", "Beantwortet", "Median Bearbeitung", "90 %-Wert Bearbeitung",
                   "Anteil überfällig"])
    for name in sorted(per):
        e = per[name]
        table.rows.append([name, e["n"], len(e["spans"]), _dash(stats.nearest_rank(e["spans"], 0.5)),
                           _dash(stats.nearest_rank(e["spans"], 0.9)), _share(e["overdue"], e["n"])])
    return [table]


def _term_counts(scope: Scope, period: Period) -> dict[str, int]:
    rows = db.session.execute(select(TermCount.term, func.sum(TermCount.count))
                              .where(TermCount.organization_id == scope.org_id, TermCount.day >= period.first,
                                     TermCount.day <= period.last, *scope.on(TermCount.team_id))
                              .group_by(TermCount.term))
    return {term: int(n) for term, n in rows}


def topics(scope: Scope, period: Period) -> list[Table]:
    previous = period.previous()
    found = rising(_term_counts(scope, period), _term_counts(scope, previous), period.days, previous.days)
    table = Table("Steigende Themen (Begriffe gegenüber dem vorigen Zeitraum)",
                  ["Begriff", "Nachrichten", "Voriger Zeitraum", "Faktor je Tag"],
                  [[term.capitalize(), n, before, str(factor).replace(".", ",")] for term, n, before, factor in found],
                  note="Schlagwörter (Tags) gibt es noch nicht; deshalb zeigt der Bericht die Begriffe aus den "
                       "Nachrichten, die häufiger vorkommen als im vorigen Zeitraum (mindestens 3 Nachrichten).")
    return [table]


def mood(rows, period: Period, names: dict[int, str]) -> list[Table]:
    per_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    per_channel: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for channel, hour, _a, _c, neg, neu, pos, *_ in rows:
        for target in (per_day[_local(hour).date()], per_channel[channel]):
            target[0], target[1], target[2] = target[0] + neg, target[1] + neu, target[2] + pos
    days = Table("Stimmung je Tag", ["Tag", "Negativ", "Neutral", "Positiv", "Anteil negativ"],
                 note="Korrekturen der Redaktion gehen der automatischen Analyse vor.")
    for day in period.dates():
        neg, neu, pos = per_day[day]
        days.rows.append([day.isoformat(), neg, neu, pos, _share(neg, neg + neu + pos)])
    channels = Table("Stimmung je Kanal", ["Kanal", "Negativ", "Neutral", "Positiv", "Anteil negativ"])
    for channel in sorted(per_channel, key=lambda c: names.get(c, "")):
        neg, neu, pos = per_channel[channel]
        channels.rows.append([names.get(channel, "?"), neg, neu, pos, _share(neg, neg + neu + pos)])
    return [days, channels]


def editors(scope: Scope, period: Period) -> list[Table]:
    found = stats.quantiles(ConversationFact.first_response_minutes, _facts(scope, period),
                            (ConversationFact.first_responder_id,))
    users = dict(db.session.execute(select(User.id, User.name).where(User.id.in_([k[0] for k in found if k[0]]))).all())
    table = Table("Je Person: erste Antworten (Geschäftszeit, Minuten)",
                  ["Person", "Beantwortet", "Median erste Antwort"],
                  note="Nur sichtbar, weil die Organisation die Auswertung je Person eingeschaltet hat.")
    for (user_id,), (n, p50, _p90) in sorted(found.items(), key=lambda i: users.get(i[0][0], "")):
        if user_id:
            table.rows.append([users.get(user_id, "?"), n, _dash(p50)])
    return [table]
