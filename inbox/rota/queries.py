"""Reading rota data for the pages."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import exists, select

from inbox.accounts.access import STAFF
from inbox.accounts.models import Membership, User
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import adapter, figures
from inbox.rota.models import (
    ABSENCE_KINDS,
    Absence,
    EditorProfile,
    HoursOverride,
    Rota,
    RotaAssignment,
    RotaRun,
    ShiftDemand,
    TeamRotaRules,
)

AWAY_REASONS = {"": "im Dienst erreichbar", "break": "Pause", "meeting": "Besprechung"}
WEEKDAY_SHORT = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
DAY_LABELS = {"monday": "Montag", "tuesday": "Dienstag", "wednesday": "Mittwoch", "thursday": "Donnerstag",
              "friday": "Freitag", "saturday": "Samstag", "sunday": "Sonntag", "holiday": "Feiertage"}


def grid(team: Team, rota: Rota) -> dict:
    days = adapter.month_days(rota.year, rota.month)
    users = adapter.planned_users(team)
    cells = {(a.user_id, a.day): a.template_code for a in rota.assignments}
    calendar = adapter.calendar_for(team)
    absences = adapter.absences_for(team.organization_id, [u.id for u in users], days[0], days[-1])
    absent = {(a.editor_id, days[0] + timedelta(days=i)): a.kind.label
              for a in absences for i in range((days[-1] - days[0]).days + 1)
              if a.first <= days[0] + timedelta(days=i) <= a.last}
    run = db.session.scalar(select(RotaRun).where(RotaRun.rota_id == rota.id).order_by(RotaRun.id.desc()).limit(1))
    return {"team": team, "rota": rota, "days": days, "users": users, "cells": cells, "absent": absent,
            "templates": adapter.shift_hours(team), **figures.checks(team, rota), "wishes": _wishes(team, users, days),
            "template_rows": {r.code: r for r in adapter.ensure_templates(team)}, "hours": figures.hours,
            "holidays": {d: calendar.holiday_name(d) for d in days if calendar.holiday_name(d)},
            "weekday": WEEKDAY_SHORT, "run": run, "absence_rows": _absences(team, days[0], days[-1]),
            "previous": _shift_month(rota.year, rota.month, -1), "next": _shift_month(rota.year, rota.month, 1),
            "absence_kinds": ABSENCE_KINDS, **run_curve(run)}


def _wishes(team: Team, users: list[User], days: list[date]) -> dict[tuple[int, date], str]:
    """Each editor's wishes per day as a short German note for the cell ("Wunsch: frei", "nicht S")."""
    notes: dict[tuple[int, date], list[str]] = {}
    for w in adapter.wishes_for(team.organization_id, [u.id for u in users], days[0], days[-1]):
        text = f"nicht {w.template}" if w.avoid else f"Wunsch: {w.template or 'frei'}"
        notes.setdefault((w.editor_id, w.date), []).append(text)
    return {key: ", ".join(texts) for key, texts in notes.items()}


def run_curve(run: RotaRun | None) -> dict:
    """The run's objective and gap over time as SVG polyline points (100 x 30 box) for the progress panel."""
    points = (run.history or []) if run else []
    if len(points) < 2:
        return {"curve": "", "gap_curve": ""}
    t_max = max(p[0] for p in points) or 1.0
    lo, hi = min(p[1] for p in points), max(p[1] for p in points)
    span = (hi - lo) or 1.0
    curve = " ".join(f"{100 * p[0] / t_max:.1f},{30 - 28 * (p[1] - lo) / span - 1:.1f}" for p in points)
    gap_curve = " ".join(f"{100 * p[0] / t_max:.1f},{30 - 28 * min(p[2], 1.0) - 1:.1f}" for p in points)
    return {"curve": curve, "gap_curve": gap_curve}


def _absences(team: Team, first: date, last: date) -> list[Absence]:
    ids = [u.id for u in adapter.planned_users(team)]
    return list(db.session.scalars(select(Absence).where(Absence.organization_id == team.organization_id,
                                                         Absence.user_id.in_(ids), Absence.first <= last,
                                                         Absence.last >= first).order_by(Absence.first)))


def _shift_month(year: int, month: int, step: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + step
    return index // 12, index % 12 + 1


def parse_cell(name: str, users: set[int], rota: Rota) -> tuple[int, date] | None:
    """Cell names look like "c-<user id>-<YYYY-MM-DD>"; anything else in the form is ignored."""
    parts = name.split("-", 2)
    if len(parts) != 3 or parts[0] != "c" or not parts[1].isdigit():
        return None
    try:
        day = date.fromisoformat(parts[2])
    except ValueError:
        return None
    if int(parts[1]) not in users or (day.year, day.month) != (rota.year, rota.month):
        return None
    return int(parts[1]), day


def team_settings(team: Team) -> dict:
    users = adapter.planned_users(team)
    profiles = {u.id: adapter.profile(team.organization_id, u.id) for u in users}
    overrides = db.session.scalars(select(HoursOverride).where(HoursOverride.team_id == team.id)
                                   .order_by(HoursOverride.first.desc()))
    dated = db.session.scalars(select(ShiftDemand).where(ShiftDemand.team_id == team.id)
                               .order_by(ShiftDemand.day, ShiftDemand.template_code))
    rules = db.session.scalar(select(TeamRotaRules).where(TeamRotaRules.team_id == team.id))
    return {"team": team, "weekly": adapter.weekly_text(team.id), "day_labels": DAY_LABELS, "users": users,
            "profiles": profiles, "overrides": list(overrides), "late_codes": _late_codes(team),
            "templates_rows": adapter.ensure_templates(team), "dated": list(dated), "rules": rules}


def parse_sequences(text: str | None) -> list[list[str]]:
    """One sequence per line, codes separated by spaces, commas or arrows: "S F", "N, -, *", "S → F"."""
    lines = [line.replace("→", " ").replace(",", " ").replace(">", " ").split() for line in (text or "").splitlines()]
    return [[c if c in ("-", "*") else c.upper() for c in line] for line in lines if line]


def rules_values(form, team: Team) -> dict:
    hours = form.long_shift_max_hours.data
    return {"sequences": parse_sequences(form.sequences.data), "long_shift_basis": form.long_shift_basis.data or "",
            "long_shift_max_minutes": round(hours * 60) if hours else None}


def _late_codes(team: Team) -> list[str]:
    return [r.code for r in adapter.ensure_templates(team) if r.late]


def _words(text: str | None) -> list[str]:
    return sorted({w.strip().lower() for w in (text or "").replace(";", ",").split(",") if w.strip()})


def profile_values(form, team: Team) -> dict:
    limits = {"max_weekends": form.max_weekends.data,
              "min_minutes": None if form.min_hours.data is None else round(form.min_hours.data * 60),
              "max_minutes": None if form.max_hours.data is None else round(form.max_hours.data * 60)}
    if form.max_late.data is not None:
        limits["max_shifts"] = {code: form.max_late.data for code in _late_codes(team)}
    return {"contract_hours_week": form.contract_hours_week.data, "skills": _words(form.skills.data),
            "channel_kinds": _words(form.channel_kinds.data), "capacity": form.capacity.data,
            "limits": {k: v for k, v in limits.items() if v is not None}}


def template_choices(org_id: int) -> list[tuple[str, str]]:
    teams = db.session.scalars(select(Team).where(Team.organization_id == org_id)).all()
    seen = {}
    for team in teams:
        for row in adapter.ensure_templates(team):
            seen.setdefault(row.code, f"{row.name} ({row.start}–{row.end})")
    return sorted(seen.items())


def my_shifts(org_id: int, user_id: int, today: date) -> dict:
    rows = db.session.execute(
        select(RotaAssignment, Rota).join(Rota, Rota.id == RotaAssignment.rota_id)
        .where(Rota.organization_id == org_id, Rota.status == "published", RotaAssignment.user_id == user_id,
               RotaAssignment.day >= today - timedelta(days=7)).order_by(RotaAssignment.day)).all()
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.organization_id == org_id))}
    hours = {tid: adapter.shift_hours(t) for tid, t in teams.items()}
    names = {tid: {r.code: r.name for r in adapter.ensure_templates(t)} for tid, t in teams.items()}
    shifts = [{"id": a.id, "day": a.day, "weekday": WEEKDAY_SHORT[a.day.weekday()], "code": a.template_code,
               "name": names[r.team_id].get(a.template_code, a.template_code),
               "hours": hours[r.team_id].get(a.template_code, ""), "team": teams[r.team_id].name,
               "past": a.day < today} for a, r in rows]
    profile = db.session.scalar(select(EditorProfile).where(EditorProfile.organization_id == org_id,
                                                            EditorProfile.user_id == user_id))
    return {"shifts": shifts, "away_reasons": AWAY_REASONS, "away": profile.away_reason if profile else ""}


def works_in(org_id: int, user_id: int, team_ids: set[int]) -> bool:
    """Whether the person is planned in one of these teams (deactivated people too: their absences stay)."""
    return db.session.scalar(select(exists().where(
        Membership.organization_id == org_id, Membership.user_id == user_id, Membership.team_id.in_(team_ids),
        Membership.role.in_(adapter.PLANNED_ROLES)))) or False


def feed_profile(token: str) -> EditorProfile | None:
    """The profile whose calendar feed this token opens, while its owner is active and still on the staff.

    The token is the feed's only credential, so a deactivated account or one that left the organization
    must stop it at once rather than when someone remembers to reset the token.
    """
    on_staff = exists().where(Membership.user_id == EditorProfile.user_id,
                              Membership.organization_id == EditorProfile.organization_id,
                              Membership.role.in_(STAFF))
    return db.session.scalar(select(EditorProfile).join(User, User.id == EditorProfile.user_id)
                             .where(EditorProfile.feed_token == token, User.active.is_(True), on_staff))
