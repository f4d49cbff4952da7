"""The one bridge between database rows and the pure `scheduling` package.

Everything in `inbox` that needs service hours, shifts, rules, the solver or iCal goes through
here, so `scheduling` stays free of Flask and SQLAlchemy and the mapping lives in one place.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

import scheduling as sch
from inbox.accounts.models import Membership, User
from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.models import Organization, Team
from inbox.rota.models import (
    Absence,
    EditorProfile,
    HoursOverride,
    Rota,
    RotaAssignment,
    ShiftDemand,
    ShiftTemplateRow,
    TeamHours,
    TeamRotaRules,
    Wish,
)

# The one type other domains name when they take a team's calendar from calendar_for (they import no scheduling).
BusinessCalendar = sch.BusinessCalendar
RotaPlan = sch.Rota
ShiftModel = sch.ShiftModel
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PLANNED_ROLES = ("editor", "lead")
Violation = sch.Violation
CoverageGap = sch.CoverageGap


# --- service hours ---------------------------------------------------------------------------

def weekly_text(team_id: int) -> dict[str, str]:
    """The team's hours as text per weekday plus "holiday"; the settings fill what the team left out."""
    defaults = current_app.config["SETTINGS"]["service_hours"]
    row = db.session.scalar(select(TeamHours).where(TeamHours.team_id == team_id))
    stored = row.weekly if row else {}
    return {day: stored.get(day, defaults.get(day, "")) for day in (*WEEKDAYS, "holiday")}


def check_slots(text: str) -> str:
    """Normalized slot text, or ValueError with a German message."""
    try:
        return ", ".join(str(s) for s in sch.parse_slots(text)) or "geschlossen"
    except (ValueError, IndexError) as exc:
        raise ValueError(f"„{text}“ ist keine gültige Zeitangabe (Beispiel: 07:00-22:00)") from exc


def _override(row: HoursOverride) -> sch.Override:
    if row.kind == "crisis":
        return sch.Override.around_the_clock(row.first, row.last, row.reason)
    if row.kind == "closed":
        return sch.Override.closed(row.first, row.last, row.reason)
    return sch.Override.hours(row.first, row.last, row.slots, row.reason)


def calendar_for(team: Team) -> sch.BusinessCalendar:
    text = weekly_text(team.id)
    overrides = db.session.scalars(select(HoursOverride).where(HoursOverride.team_id == team.id)
                                   .order_by(HoursOverride.created_at, HoursOverride.id))
    org = db.session.get(Organization, team.organization_id)
    return _calendar(tuple(text[d] for d in (*WEEKDAYS, "holiday")), org.bundesland,
                     tuple(_override(o) for o in overrides), clock.zone().key)


@functools.lru_cache(maxsize=256)
def _calendar(slots: tuple[str, ...], state: str, overrides: tuple, tz: str) -> sch.BusinessCalendar:
    # Keyed by the rows just read, so an edit is seen at once; a reused calendar keeps its per-day cache warm.
    hours = sch.WeeklyHours(tuple(sch.parse_slots(t) for t in slots[:7]), sch.parse_slots(slots[7]))
    return sch.BusinessCalendar(hours, state, list(overrides), tz)


def holiday_name(team: Team, day: dt.date) -> str | None:
    return calendar_for(team).holiday_name(day)


# --- shift templates ----------------------------------------------------------------------------

def ensure_templates(team: Team) -> list[ShiftTemplateRow]:
    """The team's templates; a team without any starts from Essen's early, late and day shifts."""
    rows = list(db.session.scalars(select(ShiftTemplateRow).where(ShiftTemplateRow.team_id == team.id)
                                   .order_by(ShiftTemplateRow.start, ShiftTemplateRow.code)))
    if rows:
        return rows
    model = sch.ShiftModel.essen_default()
    for t in model.templates:
        heads = {k.value: model.headcount.get((t.code, k), 0) for k in t.day_types}
        start, end = t.hours_text.split("-")
        db.session.add(ShiftTemplateRow(organization_id=team.organization_id, team_id=team.id, code=t.code,
                                        name=t.name, start=start, end=end, late=t.late, skills=[],
                                        day_types=sorted(k.value for k in t.day_types), headcount=heads))
    db.session.flush()
    return ensure_templates(team)


def _template(row: ShiftTemplateRow) -> sch.ShiftTemplate:
    return sch.ShiftTemplate.parse(row.code, row.name, f"{row.start}-{row.end}",
                                   [sch.DayType(d) for d in row.day_types], break_minutes=row.break_minutes,
                                   skills=frozenset(row.skills), late=row.late, optional=bool(row.optional))


def shift_model_for(team: Team) -> sch.ShiftModel:
    rows = ensure_templates(team)
    headcount = {(r.code, sch.DayType(k)): int(n) for r in rows for k, n in r.headcount.items()}
    dated = {(d.day, d.template_code): d.extra
             for d in db.session.scalars(select(ShiftDemand).where(ShiftDemand.team_id == team.id))}
    return sch.ShiftModel(tuple(_template(r) for r in rows), headcount, dated)


def rules_for(team: Team) -> sch.Rules:
    """The law's defaults plus the team's own rules (forbidden sequences, legal basis of long shifts)."""
    row = db.session.scalar(select(TeamRotaRules).where(TeamRotaRules.team_id == team.id))
    if row is None:
        return sch.Rules()
    extra = {"long_shift_max_minutes": row.long_shift_max_minutes} if row.long_shift_max_minutes else {}
    return sch.Rules(forbidden_sequences=tuple(tuple(s) for s in row.forbidden_sequences or ()),
                     long_shift_basis=row.long_shift_basis or "", **extra)


def shift_hours(team: Team) -> dict[str, str]:
    return {r.code: f"{r.start}–{r.end}" for r in ensure_templates(team)}


# --- editors ------------------------------------------------------------------------------------

def planned_users(team: Team) -> list[User]:
    """Editors and leads of the team: the people a rota plans."""
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.organization_id == team.organization_id, Membership.team_id == team.id,
                    Membership.role.in_(PLANNED_ROLES), User.active.is_(True))
             .distinct().order_by(User.name, User.id))
    return list(db.session.scalars(query))


def profile(org_id: int, user_id: int) -> EditorProfile:
    row = db.session.scalar(select(EditorProfile).where(EditorProfile.organization_id == org_id,
                                                        EditorProfile.user_id == user_id))
    if row is None:
        row = EditorProfile(organization_id=org_id, user_id=user_id, skills=[], channel_kinds=[], limits={})
        db.session.add(row)
        db.session.flush()
    return row


def _limits(data: dict) -> sch.EditorLimits:
    known = ("min_consecutive_days", "max_consecutive_days", "min_consecutive_days_off", "max_weekends",
             "min_minutes", "max_minutes")
    return sch.EditorLimits(max_shifts={k: int(v) for k, v in (data.get("max_shifts") or {}).items()},
                            **{k: int(data[k]) for k in known if data.get(k) not in (None, "")})


def editors_for(team: Team) -> list[sch.Editor]:
    editors = []
    for user in planned_users(team):
        p = profile(team.organization_id, user.id)
        editors.append(sch.Editor(user.id, user.name, p.contract_hours_week, frozenset(p.skills), _limits(p.limits)))
    return editors


# --- rotas --------------------------------------------------------------------------------------

def month_days(year: int, month: int) -> list[dt.date]:
    first, last = sch.month_range(year, month)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


Cells = dict[tuple[int, dt.date], str]  # (editor, day) -> template code, "" for a day off


def rota_object(row: Rota, model: sch.ShiftModel | None = None, cells: Cells | None = None) -> sch.Rota:
    """The stored rota as `scheduling` sees it; cells (unsaved edits in the grid) replace stored days."""
    model = model or shift_model_for(db.session.get(Team, row.team_id))
    first, last = sch.month_range(row.year, row.month)
    current = {(a.user_id, a.day): a.template_code for a in row.assignments}
    current.update(cells or {})
    items = [sch.Assignment(day, code, user_id) for (user_id, day), code in sorted(current.items(), key=_by_day)
             if code in model.by_code]
    return sch.Rota(first, last, items, model.templates, clock.zone().key)


def _by_day(item: tuple[tuple[int, dt.date], str]) -> tuple[dt.date, int]:
    return item[0][1], item[0][0]


def live_rota(team: Team, t: dt.datetime) -> sch.Rota:
    """The published plan around t (this month and the last, for night shifts over the month's end)."""
    model = shift_model_for(team)
    local = t.astimezone(calendar_zone())
    months = {(local.year, local.month), _shift(local.year, local.month, -1)}
    rows = db.session.scalars(select(Rota).where(Rota.team_id == team.id, Rota.status == "published"))
    items, first, last = [], None, None
    for row in rows:
        if (row.year, row.month) not in months:
            continue
        items += rota_object(row, model).assignments
        lo, hi = sch.month_range(row.year, row.month)
        first, last = min(first or lo, lo), max(last or hi, hi)
    first, last = first or local.date(), last or local.date()
    return sch.Rota(first, last, items, model.templates, calendar_zone().key)


def calendar_zone():
    return clock.zone()


def shift_ends(rota: sch.Rota, since: dt.datetime, until: dt.datetime) -> list[tuple[sch.Assignment, dt.datetime]]:
    """Assignments whose shift ended in (since, until]."""
    return [(a, rota.interval(a)[1]) for a in rota.assignments if since < rota.interval(a)[1] <= until]


def interval(rota: sch.Rota, assignment: sch.Assignment) -> tuple[dt.datetime, dt.datetime]:
    return rota.interval(assignment)


def absences_for(org_id: int, user_ids: list[int], first: dt.date, last: dt.date) -> list[sch.Absence]:
    rows = db.session.scalars(select(Absence).where(Absence.organization_id == org_id, Absence.user_id.in_(user_ids),
                                                    Absence.first <= last, Absence.last >= first))
    return [sch.Absence(r.user_id, r.first, r.last, sch.AbsenceKind(r.kind)) for r in rows]


def wishes_for(org_id: int, user_ids: list[int], first: dt.date, last: dt.date) -> list[sch.Wish]:
    rows = db.session.scalars(select(Wish).where(Wish.organization_id == org_id, Wish.user_id.in_(user_ids),
                                                 Wish.day >= first, Wish.day <= last))
    return [sch.Wish(r.user_id, r.day, r.template_code or None, r.weight, avoid=bool(r.avoid)) for r in rows]


# How far the published days around a month are read: the 8 weeks of a replacement day after holiday
# work, and back to 1 January for the year's free Sundays.
CONTEXT_MONTHS_AFTER = 2


def context_for(row: Rota, model: sch.ShiftModel) -> sch.Rota | None:
    """The team's published months adjoining the rota's month, as one fixed context rota (None if none).

    Backwards they reach to January of the same year (the free-Sunday count) and at least two months
    (replacement days after holiday work); forwards two months. A month that is not published ends the
    chain, since its days are not known.
    """
    first, last = sch.month_range(row.year, row.month)
    back = max(row.month - 1, 2)
    months = [_shift(row.year, row.month, -i) for i in range(1, back + 1)]
    after = [_shift(row.year, row.month, i) for i in range(1, CONTEXT_MONTHS_AFTER + 1)]
    published = {(r.year, r.month): r for r in db.session.scalars(
        select(Rota).where(Rota.team_id == row.team_id, Rota.status == "published", Rota.id != row.id,
                           Rota.year.between(row.year - 1, row.year + 1)))}
    chain = _adjoining(months, published) + _adjoining(after, published)
    if not chain:
        return None
    items = [a for r in chain for a in rota_object(r, model).assignments]
    ranges = [sch.month_range(r.year, r.month) for r in chain]
    lo, hi = min(x[0] for x in ranges), max(x[1] for x in ranges)
    return sch.Rota(min(lo, first), max(hi, last), items, model.templates, calendar_zone().key)


def _shift(year: int, month: int, step: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + step
    return index // 12, index % 12 + 1


def _adjoining(months: list[tuple[int, int]], published: dict) -> list[Rota]:
    found = []
    for key in months:
        if key not in published:
            break
        found.append(published[key])
    return found


def _inputs(row: Rota) -> tuple[Team, list[sch.Editor], sch.ShiftModel, sch.Rota | None, list[sch.Absence]]:
    """Team, editors, shift model, context and absences (over the context days too) of a rota."""
    team = db.session.get(Team, row.team_id)
    editors, model = editors_for(team), shift_model_for(team)
    context = context_for(row, model)
    first, last = sch.month_range(row.year, row.month)
    if context is not None:
        first, last = min(first, context.first), max(last, context.last)
    return team, editors, model, context, absences_for(row.organization_id, [e.id for e in editors], first, last)


def validate(row: Rota, cells: Cells | None = None) -> list[sch.Violation]:
    """Every rule the rota (with cells edited over it) breaks, judged with the published months around it."""
    team, editors, model, context, absences = _inputs(row)
    return sch.validate(rota_object(row, model, cells), editors, calendar_for(team), absences, rules_for(team),
                        context)


def gaps(row: Rota, cells: Cells | None = None) -> list[sch.CoverageGap]:
    team = db.session.get(Team, row.team_id)
    return sch.coverage_gaps(rota_object(row, cells=cells), calendar_for(team), shift_model_for(team))


def gaps_ahead(team: Team, start: dt.datetime, days: int) -> list[sch.CoverageGap]:
    """Coverage gaps of the published plan from start over the next days."""
    calendar, model, rota = calendar_for(team), shift_model_for(team), live_rota(team, start)
    first = calendar.local_date(start)
    window = sch.Rota(first, first + dt.timedelta(days=days), rota.assignments, model.templates, calendar.zone.key)
    return [g for g in sch.coverage_gaps(window, calendar, model) if g.end > start]


def problem(row: Rota, *, replan_from: dt.date | None = None) -> sch.RotaProblem:
    """The month to plan, with the published months around it as fixed context (re-plans too)."""
    team, editors, model, context, absences = _inputs(row)
    first, last = sch.month_range(row.year, row.month)
    published = rota_object(row, model) if replan_from else None
    return sch.RotaProblem.month(calendar_for(team), model, editors, row.year, row.month, absences=absences,
                                 wishes=wishes_for(row.organization_id, [e.id for e in editors], first, last),
                                 rules=rules_for(team), published=published, frozen_before=replan_from,
                                 context=context)


def solve(prob: sch.RotaProblem, time_limit: float, progress: Callable[[float, float, float], None],
          stop: Callable[[], bool] | None = None) -> sch.SolveResult:
    return sch.solve(prob, time_limit=time_limit, progress=progress, stop=stop)


def store_plan(row: Rota, plan: sch.Rota, *, keep_before: dt.date | None = None) -> int:
    """Replace the rota's assignments (from keep_before on, when given) with the plan; returns the count."""
    kept = [a for a in row.assignments if keep_before and a.day < keep_before]
    row.assignments[:] = kept
    db.session.flush()
    added = 0
    for a in plan.assignments:
        if keep_before and a.date < keep_before:
            continue
        row.assignments.append(RotaAssignment(organization_id=row.organization_id, user_id=a.editor_id, day=a.date,
                                              template_code=a.template))
        added += 1
    db.session.flush()
    return added


def ical_for(user: User, org_id: int) -> bytes:
    """The user's published shifts in every team of the organization, as an iCalendar file."""
    rows = db.session.scalars(select(Rota).join(RotaAssignment, RotaAssignment.rota_id == Rota.id)
                              .where(Rota.organization_id == org_id, Rota.status == "published",
                                     RotaAssignment.user_id == user.id).distinct())
    items, templates, first, last = [], {}, None, None
    for row in rows:
        model = shift_model_for(db.session.get(Team, row.team_id))
        items += [a for a in rota_object(row, model).assignments if a.editor_id == user.id]
        templates.update(model.by_code)
        lo, hi = sch.month_range(row.year, row.month)
        first, last = min(first or lo, lo), max(last or hi, hi)
    from inbox.core import clock

    today = clock.now().astimezone(calendar_zone()).date()
    rota = sch.Rota(first or today, last or today, items, list(templates.values()), calendar_zone().key)
    return sch.rota_to_ical(rota, name=f"Dienstplan {user.name}", editor_id=user.id)


def coverage_gaps(plan: sch.Rota, calendar: sch.BusinessCalendar, model: sch.ShiftModel) -> list[sch.CoverageGap]:
    """The shifts of plan short of what the calendar's service hours demand (for pages that show coverage)."""
    return sch.coverage_gaps(plan, calendar, model)


def demand(calendar: sch.BusinessCalendar, model: sch.ShiftModel, first: dt.date, last: dt.date) -> list:
    """The headcount each shift needs on each day from first to last."""
    return sch.demand(calendar, model, first, last)
