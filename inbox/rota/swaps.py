"""Shift swaps: an editor offers a published shift, a colleague takes it, the rules are checked for both.

The lead approves, or the team lets swaps that keep every rule pass at once. Each function flushes and
records the step in the audit trail; callers commit. A done swap moves the assignment in the published
rota, so the iCal feeds and routing (which read the published rota) follow at once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from inbox.audit.operations import record
from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import adapter
from inbox.rota.models import Rota, RotaAssignment, SwapOffer, TeamRotaRules

OPEN = ("offered", "taken")


class SwapRefused(ValueError):
    """The swap cannot happen; the message says why in German (the rules it would break, by name)."""


def offer(assignment: RotaAssignment, user_id: int, today: date) -> SwapOffer:
    rota = db.session.get(Rota, assignment.rota_id)
    if assignment.user_id != user_id:
        raise SwapRefused("Nur eigene Dienste können zum Tausch angeboten werden.")
    if rota.status != "published" or assignment.day < today:
        raise SwapRefused("Nur kommende Dienste eines veröffentlichten Plans können getauscht werden.")
    if db.session.scalar(select(SwapOffer.id).where(SwapOffer.assignment_id == assignment.id,
                                                    SwapOffer.state.in_(OPEN))):
        raise SwapRefused("Dieser Dienst ist schon zum Tausch angeboten.")
    row = SwapOffer(organization_id=rota.organization_id, team_id=rota.team_id, assignment_id=assignment.id,
                    day=assignment.day, template_code=assignment.template_code, offered_by_id=user_id)
    db.session.add(row)
    db.session.flush()
    record(rota.organization_id, "swap.offered", row, day=row.day.isoformat(), template=row.template_code)
    return row


def new_violations(row: SwapOffer, taker_id: int) -> list[adapter.Violation]:
    """The violations the swap would add for the editor giving the shift or the one taking it.

    A rule broken on the same day before the swap already (a short week in a sparse plan, say) is not the
    swap's doing, so violations compare by rule, editor and day, not by their wording with its figures.
    """
    assignment = db.session.get(RotaAssignment, row.assignment_id)
    rota = db.session.get(Rota, assignment.rota_id)
    giver = assignment.user_id
    before = {(v.code, v.editor_id, v.date) for v in adapter.validate(rota)}
    after = adapter.validate(rota, {(giver, assignment.day): "", (taker_id, assignment.day): assignment.template_code})
    return [v for v in after if v.editor_id in (giver, taker_id) and (v.code, v.editor_id, v.date) not in before]


def take(row: SwapOffer, user_id: int) -> SwapOffer:
    """The colleague takes the shift; refused with the broken rules named, done at once where the team allows."""
    if row.state != "offered":
        raise SwapRefused("Dieses Angebot ist nicht mehr offen.")
    if user_id == row.offered_by_id:
        raise SwapRefused("Den eigenen Dienst kann man nicht selbst übernehmen.")
    team = db.session.get(Team, row.team_id)
    if user_id not in {u.id for u in adapter.planned_users(team)}:
        raise SwapRefused("Nur Personen aus dem Team können den Dienst übernehmen.")
    assignment = db.session.get(RotaAssignment, row.assignment_id)
    if db.session.scalar(select(RotaAssignment.id).where(RotaAssignment.rota_id == assignment.rota_id,
                                                         RotaAssignment.user_id == user_id,
                                                         RotaAssignment.day == row.day)):
        raise SwapRefused("Sie haben an diesem Tag schon einen Dienst.")
    _refuse_if_broken(row, user_id)
    row.taken_by_id, row.state = user_id, "taken"
    db.session.flush()
    record(row.organization_id, "swap.taken", row, taken_by=user_id)
    if without_approval(team):
        _apply(row, approved_by=None)
    return row


def approve(row: SwapOffer, lead_id: int) -> SwapOffer:
    """The lead's approval; the rules are checked again, since the plan may have changed meanwhile."""
    if row.state != "taken":
        raise SwapRefused("Dieser Tausch wartet nicht auf Freigabe.")
    _refuse_if_broken(row, row.taken_by_id)
    _apply(row, approved_by=lead_id)
    return row


def reject(row: SwapOffer, lead_id: int) -> SwapOffer:
    if row.state != "taken":
        raise SwapRefused("Dieser Tausch wartet nicht auf Freigabe.")
    row.state, row.approved_by_id, row.decided_at = "rejected", lead_id, clock.now()
    db.session.flush()
    record(row.organization_id, "swap.rejected", row, by=lead_id)
    return row


def withdraw(row: SwapOffer, user_id: int) -> SwapOffer:
    if row.offered_by_id != user_id or row.state not in OPEN:
        raise SwapRefused("Dieses Angebot kann nicht mehr zurückgezogen werden.")
    row.state, row.decided_at = "withdrawn", clock.now()
    db.session.flush()
    record(row.organization_id, "swap.withdrawn", row)
    return row


def _refuse_if_broken(row: SwapOffer, taker_id: int) -> None:
    broken = new_violations(row, taker_id)
    if broken:
        raise SwapRefused("Der Tausch verletzt Regeln: " + "; ".join(
            f"{v.date.strftime('%d.%m.')}: {v.message}" for v in broken))


def without_approval(team: Team) -> bool:
    return bool(db.session.scalar(select(TeamRotaRules.swaps_without_approval)
                                  .where(TeamRotaRules.team_id == team.id)))


def _apply(row: SwapOffer, approved_by: int | None) -> None:
    """Move the shift in the published rota; a new version, like any change to a published plan."""
    assignment = db.session.get(RotaAssignment, row.assignment_id)
    rota = db.session.get(Rota, assignment.rota_id)
    assignment.user_id = row.taken_by_id
    rota.version += 1
    row.state, row.approved_by_id, row.decided_at = "done", approved_by, clock.now()
    db.session.flush()
    record(row.organization_id, "swap.done", row, approved_by=approved_by, version=rota.version,
           given_by=row.offered_by_id, taken_by=row.taken_by_id, day=row.day.isoformat())


def set_without_approval(team: Team, allowed: bool) -> None:
    rules = db.session.scalar(select(TeamRotaRules).where(TeamRotaRules.team_id == team.id))
    if rules is None:
        rules = TeamRotaRules(organization_id=team.organization_id, team_id=team.id, forbidden_sequences=[])
        db.session.add(rules)
    rules.swaps_without_approval = allowed
    db.session.flush()
    record(team.organization_id, "team.swap_rule_changed", rules, team_id=team.id, without_approval=allowed)


def open_for(org_id: int, user_id: int, team_ids: set[int], today: date) -> dict:
    """What the editor's page lists: their own offers, and colleagues' open offers in their teams."""
    mine = db.session.scalars(select(SwapOffer).where(SwapOffer.organization_id == org_id,
                                                      SwapOffer.offered_by_id == user_id, SwapOffer.day >= today)
                              .order_by(SwapOffer.day)).all()
    others = db.session.scalars(select(SwapOffer).where(
        SwapOffer.organization_id == org_id, SwapOffer.team_id.in_(team_ids), SwapOffer.state == "offered",
        SwapOffer.offered_by_id != user_id, SwapOffer.day >= today).order_by(SwapOffer.day)).all()
    return {"my_offers": list(mine), "offers": list(others)}


def waiting(team: Team) -> list[SwapOffer]:
    return list(db.session.scalars(select(SwapOffer).where(SwapOffer.team_id == team.id)
                                   .where(SwapOffer.state.in_(OPEN)).order_by(SwapOffer.day)))
