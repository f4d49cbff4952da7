"""User administration: inviting, roles per organization and team, deactivating, password resets.

Admins act within their organization only: a user who also works for another organization keeps the
roles there, and only leaves this one. Leads act on the editors of the teams they lead.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, or_, select

from inbox.accounts import sessions
from inbox.accounts.models import ROLES, Membership, User
from inbox.accounts.operations import _record_for_user, create_user, deactivate_user, find_user, grant
from inbox.accounts.passwords import check_new_password
from inbox.audit.operations import record
from inbox.extensions import db
from inbox.orgs.models import Department, Team


class AdminRefused(ValueError):
    """The change is not allowed or not possible; the message says why, in German."""


def visible_users(org_id: int, teams: set[int] | None, search: str = "") -> list[User]:
    """The users of the organization (teams None) or of these teams, by name or address containing search."""
    query = select(User).join(Membership, Membership.user_id == User.id).where(Membership.organization_id == org_id)
    if teams is not None:
        query = query.where(Membership.team_id.in_(teams))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern)))
    return list(db.session.scalars(query.distinct().order_by(User.name, User.id)))


def user_in_scope(org_id: int, teams: set[int] | None, user_id: int) -> User | None:
    found = [u for u in visible_users(org_id, teams) if u.id == user_id]
    return found[0] if found else None


def memberships_in(user: User, org_id: int) -> list[Membership]:
    return sorted((m for m in user.memberships if m.organization_id == org_id), key=lambda m: (m.role, m.id))


def _check_place(org_id: int, role: str, team_id: int | None, department_id: int | None) -> None:
    if role not in ROLES:
        raise AdminRefused("Unbekannte Rolle.")
    if team_id and db.session.scalar(select(Team.id).where(Team.id == team_id, Team.organization_id == org_id)) is None:
        raise AdminRefused("Dieses Team gibt es in der Organisation nicht.")
    if department_id and db.session.scalar(select(Department.id).where(
            Department.id == department_id, Department.organization_id == org_id)) is None:
        raise AdminRefused("Dieses Fachamt gibt es in der Organisation nicht.")
    if role == "press_officer" and not department_id:
        raise AdminRefused("Eine Pressestelle gehört zu einem Fachamt: bitte eines wählen.")
    if role in ("editor", "lead") and not team_id:
        raise AdminRefused("Redaktion und Teamleitung gehören zu einem Team: bitte eines wählen.")


def add_role(user: User, org_id: int, role: str, team_id: int | None, department_id: int | None) -> Membership:
    _check_place(org_id, role, team_id, department_id)
    if role not in ("editor", "lead"):
        team_id = None
    if role != "press_officer":
        department_id = None
    if any(m.organization_id == org_id and m.role == role and m.team_id == team_id
           and m.department_id == department_id for m in user.memberships):
        raise AdminRefused("Diese Rolle hat die Person schon.")
    membership = grant(user, org_id, role, team_id=team_id, department_id=department_id)
    db.session.refresh(user, ["memberships"])
    return membership


def remove_role(membership: Membership) -> None:
    """Take the role away (flushed); the user's sessions get new tokens; the last admin stays."""
    org_id, user_id = membership.organization_id, membership.user_id
    if membership.role == "admin":
        admins = db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.organization_id == org_id, Membership.role == "admin"))
        if admins <= 1:
            raise AdminRefused("Das ist der letzte Admin der Organisation: Vergeben Sie die Rolle erst jemand anderem.")
    record(org_id, "membership.revoked", membership, role=membership.role, user_id=user_id,
           team_id=membership.team_id, department_id=membership.department_id)
    db.session.delete(membership)
    db.session.flush()
    sessions.renew_all(user_id)


def invite(org_id: int, email: str, name: str, role: str, team_id: int | None,
           department_id: int | None) -> tuple[User, bool]:
    """The user (new, without a usable password, or an existing account) with the role here; True if new."""
    _check_place(org_id, role, team_id, department_id)
    user = find_user(email)
    created = user is None
    if created:
        # A random password nobody knows: the invitation's link sets the real one.
        user = create_user(email, name.strip(), secrets.token_urlsafe(32))
    add_role(user, org_id, role, team_id, department_id)
    record(org_id, "user.invited", user, role=role, new_account=created)
    return user, created


def deactivate_in(user: User, org_id: int) -> int:
    """Deactivate an account that works only for this organization; the number of sessions ended."""
    if any(m.organization_id != org_id for m in user.memberships):
        raise AdminRefused("Diese Person arbeitet auch für eine andere Organisation; ihr Konto kann nur dort mit "
                           "abgeschaltet werden. Entfernen Sie stattdessen ihre Rollen hier.")
    if any(m.role == "admin" for m in memberships_in(user, org_id)):
        admins = db.session.scalar(select(func.count(func.distinct(Membership.user_id))).join(User).where(
            Membership.organization_id == org_id, Membership.role == "admin", User.active.is_(True)))
        if admins <= 1:
            raise AdminRefused("Das ist der letzte Admin der Organisation.")
    return deactivate_user(user)


def set_password(user: User, password: str) -> None:
    """Set the password from an invitation or reset link; every session of the user ends (flushed)."""
    check_new_password(password)
    user.set_password(password)
    sessions.end_all(user)
    _record_for_user(user, "user.password_set", user)
