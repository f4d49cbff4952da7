"""Changes to rotas, absences, wishes, profiles and service hours. Each function flushes; callers commit."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select

from inbox.audit.operations import record
from inbox.core import clock
from inbox.extensions import db
from inbox.jobs import enqueue
from inbox.orgs.models import Team
from inbox.rota import adapter
from inbox.rota.models import (
    ABSENCE_KINDS,
    Absence,
    EditorProfile,
    HoursOverride,
    Rota,
    RotaAssignment,
    RotaRun,
    ShiftDemand,
    TeamHours,
    TeamRotaRules,
    Wish,
)


def rota_for(team: Team, year: int, month: int) -> Rota:
    row = db.session.scalar(select(Rota).where(Rota.team_id == team.id, Rota.year == year, Rota.month == month))
    if row is None:
        row = Rota(organization_id=team.organization_id, team_id=team.id, year=year, month=month, status="draft")
        db.session.add(row)
        db.session.flush()
        record(team.organization_id, "rota.created", row, year=year, month=month)
    return row


def save_cells(rota: Rota, cells: dict[tuple[int, date], str]) -> int:
    """Set each (editor, day) cell to a template code or "" (free); returns how many cells changed."""
    current = {(a.user_id, a.day): a for a in rota.assignments}
    changed = 0
    for key, code in cells.items():
        existing = current.get(key)
        if existing and existing.template_code == code:
            continue
        if not existing and not code:
            continue
        changed += 1
        if existing and code:
            existing.template_code = code
        elif existing:
            rota.assignments.remove(existing)
        else:
            rota.assignments.append(RotaAssignment(organization_id=rota.organization_id, user_id=key[0], day=key[1],
                                                   template_code=code))
    if changed:
        if rota.status == "published":
            rota.version += 1
        db.session.flush()
        record(rota.organization_id, "rota.edited", rota, cells=changed, version=rota.version)
    return changed


def publish(rota: Rota, *, violations: int = 0, gaps: int = 0) -> None:
    """Publish; the violations and gaps the lead confirmed are kept in the audit trail."""
    rota.status, rota.published_at = "published", clock.now()
    rota.version += 1
    db.session.flush()
    record(rota.organization_id, "rota.published", rota, version=rota.version, violations=violations, gaps=gaps)


def start_run(rota: Rota, *, replan: bool = False) -> RotaRun:
    from inbox.rota.tasks import generate_rota

    run = RotaRun(organization_id=rota.organization_id, rota_id=rota.id, replan=replan, status="queued")
    db.session.add(run)
    db.session.flush()
    record(rota.organization_id, "rota.run_started", run, rota_id=rota.id, replan=replan)
    enqueue(generate_rota, run.id)
    return run


def cancel_run(run: RotaRun, user_id: int) -> bool:
    """Ask a queued or running solver run to stop; the job notices within a second. False if it had ended."""
    if run.status not in ("queued", "running") or run.cancel_requested:
        return False
    run.cancel_requested = True
    db.session.flush()
    record(run.organization_id, "rota.run_cancel_requested", run, rota_id=run.rota_id, by=user_id)
    return True


def add_absence(org_id: int, user_id: int, kind: str, first: date, last: date) -> Absence:
    if kind not in ABSENCE_KINDS:
        raise ValueError("Unbekannte Art der Abwesenheit")
    if last < first:
        raise ValueError("Das Ende liegt vor dem Beginn.")
    absence = Absence(organization_id=org_id, user_id=user_id, kind=kind, first=first, last=last)
    db.session.add(absence)
    db.session.flush()
    record(org_id, "absence.added", absence, user_id=user_id, kind=kind)
    return absence


def delete_absence(absence: Absence) -> None:
    record(absence.organization_id, "absence.deleted", absence, user_id=absence.user_id)
    db.session.delete(absence)
    db.session.flush()


def add_wish(org_id: int, user_id: int, day: date, template_code: str = "", weight: int = 1,
             avoid: bool = False) -> Wish:
    """A day off (no template), a shift wanted, or with avoid a shift not wanted on a date."""
    wish = Wish(organization_id=org_id, user_id=user_id, day=day, template_code=template_code,
                weight=max(1, min(weight, 10)), avoid=bool(avoid and template_code))
    db.session.add(wish)
    db.session.flush()
    record(org_id, "wish.added", wish, user_id=user_id, avoid=wish.avoid)
    return wish


def update_profile(org_id: int, user_id: int, *, contract_hours_week: float, skills: list[str],
                   channel_kinds: list[str], capacity: int | None, limits: dict) -> EditorProfile:
    row = adapter.profile(org_id, user_id)
    row.contract_hours_week, row.skills, row.channel_kinds = contract_hours_week, skills, channel_kinds
    row.capacity, row.limits = capacity, limits
    db.session.flush()
    record(org_id, "profile.updated", row, user_id=user_id)
    return row


def set_away(org_id: int, user_id: int, reason: str) -> EditorProfile:
    """reason "" means back at work; otherwise e.g. "break" or "meeting"."""
    row = adapter.profile(org_id, user_id)
    row.away_reason, row.away_since = reason, clock.now() if reason else None
    db.session.flush()
    record(org_id, "profile.away" if reason else "profile.back", row, user_id=user_id, reason=reason)
    return row


def reset_feed_token(org_id: int, user_id: int) -> str:
    row = adapter.profile(org_id, user_id)
    row.feed_token = secrets.token_urlsafe(32)
    db.session.flush()
    record(org_id, "profile.feed_token_reset", row, user_id=user_id)
    return row.feed_token


def set_hours(team: Team, weekly: dict[str, str]) -> TeamHours:
    checked = {day: adapter.check_slots(text) for day, text in weekly.items()}
    row = db.session.scalar(select(TeamHours).where(TeamHours.team_id == team.id))
    if row is None:
        row = TeamHours(organization_id=team.organization_id, team_id=team.id, weekly={})
        db.session.add(row)
    row.weekly = checked
    db.session.flush()
    record(team.organization_id, "team.hours_changed", row, team_id=team.id)
    return row


def add_override(team: Team, kind: str, first: date, last: date, slots: str = "", reason: str = "",
                 user_id: int | None = None) -> HoursOverride:
    """Crisis mode (24/7), a closure or other hours for a date range; later overrides win."""
    if last < first:
        raise ValueError("Das Ende liegt vor dem Beginn.")
    if kind == "hours":
        slots = adapter.check_slots(slots)
    row = HoursOverride(organization_id=team.organization_id, team_id=team.id, kind=kind, first=first, last=last,
                        slots=slots if kind == "hours" else "", reason=reason, created_by_id=user_id)
    db.session.add(row)
    db.session.flush()
    record(team.organization_id, "team.override_added", row, team_id=team.id, kind=kind, reason=reason)
    return row


def delete_override(row: HoursOverride) -> None:
    record(row.organization_id, "team.override_removed", row, team_id=row.team_id, kind=row.kind)
    db.session.delete(row)
    db.session.flush()


def set_dated_headcount(team: Team, day: date, template_code: str, extra: int) -> ShiftDemand | None:
    """Extra editors on one shift on one date on top of the day type's headcount; 0 removes the entry."""
    if template_code not in {r.code for r in adapter.ensure_templates(team)}:
        raise ValueError("Unbekannter Dienst")
    row = db.session.scalar(select(ShiftDemand).where(ShiftDemand.team_id == team.id, ShiftDemand.day == day,
                                                      ShiftDemand.template_code == template_code))
    if row is None and extra:
        row = ShiftDemand(organization_id=team.organization_id, team_id=team.id, day=day,
                          template_code=template_code, extra=extra)
        db.session.add(row)
        db.session.flush()
    if row is not None:
        row.extra = extra
        record(team.organization_id, "team.dated_headcount", row, team_id=team.id, day=day.isoformat(),
               template=template_code, extra=extra)
        if not extra:
            db.session.delete(row)
        db.session.flush()
    return row if extra else None


def set_rota_rules(team: Team, sequences: list[list[str]], long_shift_basis: str,
                   long_shift_max_minutes: int | None) -> TeamRotaRules:
    """The team's forbidden shift sequences and the legal basis (§ 7 ArbZG) of shifts over 10 hours."""
    codes = {r.code for r in adapter.ensure_templates(team)} | {"-", "*"}
    for sequence in sequences:
        if len(sequence) < 2 or not set(sequence) <= codes:
            raise ValueError(f"„{' '.join(sequence)}“ ist keine gültige Abfolge (Dienstkürzel, - für frei, * für "
                             "irgendeinen Dienst; mindestens zwei Tage)")
    if long_shift_max_minutes is not None and not 600 < long_shift_max_minutes <= 24 * 60:
        raise ValueError("Längere Dienste: die Höchstdauer muss über 10 Stunden liegen.")
    row = db.session.scalar(select(TeamRotaRules).where(TeamRotaRules.team_id == team.id))
    if row is None:
        row = TeamRotaRules(organization_id=team.organization_id, team_id=team.id)
        db.session.add(row)
    row.forbidden_sequences, row.long_shift_basis = sequences, long_shift_basis.strip()
    row.long_shift_max_minutes = long_shift_max_minutes
    db.session.flush()
    record(team.organization_id, "team.rota_rules_changed", row, team_id=team.id, sequences=len(sequences),
           long_shifts=bool(row.long_shift_basis))
    return row


def set_optional_templates(team: Team, codes: set[str]) -> None:
    """Templates the team may plan on their day types even where no headcount is demanded."""
    changed = []
    for row in adapter.ensure_templates(team):
        if row.optional != (row.code in codes):
            row.optional = row.code in codes
            changed.append(row)
    db.session.flush()
    for row in changed:
        record(team.organization_id, "team.template_optional", row, team_id=team.id, code=row.code,
               optional=row.optional)


def set_demand(team: Team, headcounts: dict[str, dict[str, int]], *, source: str = "manual") -> int:
    """Set the headcount each shift template needs per day type (what the solver plans); returns templates changed."""
    changed = 0
    for row in adapter.ensure_templates(team):
        wanted = headcounts.get(row.code)
        if wanted is None:
            continue
        value = {k: max(0, int(wanted.get(k, row.headcount.get(k, 0)))) for k in row.day_types}
        if value != row.headcount:
            previous, row.headcount = row.headcount, value
            changed += 1
            record(team.organization_id, "team.demand_changed", row, team_id=team.id, code=row.code,
                   headcount=value, previous=previous, source=source)
    db.session.flush()
    return changed
