"""Who may do what: the current organization, the user's roles in it, and the view guards."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from inbox.accounts.models import Membership
from inbox.extensions import db

STAFF = ("editor", "lead", "admin")


def memberships() -> list[Membership]:
    if "memberships" not in g:
        g.memberships = list(db.session.scalars(select(Membership).where(Membership.user_id == current_user.id)))
    return g.memberships


def current_org_id() -> int | None:
    if not current_user.is_authenticated:
        return None
    orgs = {m.organization_id for m in memberships()}
    chosen = session.get("org_id")
    if chosen in orgs:
        return chosen
    return min(orgs) if orgs else None


def roles() -> set[str]:
    org_id = current_org_id()
    return {m.role for m in memberships() if m.organization_id == org_id}


def has_role(*wanted: str) -> bool:
    return bool(roles() & set(wanted))


def team_ids(held: tuple[str, ...] = STAFF) -> set[int] | None:
    """Teams in which the user holds one of the roles; None means all teams of the organization.

    By default the teams whose conversations the user works on. Pass ("lead",) for the teams a user
    leads: leading one team and working shifts in another does not make one the other team's lead.
    Admins act on every team; a role held without a team holds for all of them.
    """
    org_id = current_org_id()
    mine = [m for m in memberships() if m.organization_id == org_id]
    if any(m.role == "admin" or (m.role in held and m.team_id is None) for m in mine):
        return None
    return {m.team_id for m in mine if m.role in held and m.team_id is not None}


def department_ids() -> set[int]:
    org_id = current_org_id()
    return {m.department_id for m in memberships()
            if m.organization_id == org_id and m.role == "press_officer" and m.department_id}


def require_role(*wanted: str):
    """Guard a view: log in first, then the user needs one of the roles in the current organization."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path))
            if not has_role(*wanted):
                abort(403)
            g.org_id = current_org_id()
            return view(*args, **kwargs)

        return guarded

    return decorate


def scoped_get(model, object_id: int):
    """Load a row of the current organization, or 404: other organizations' rows do not exist here."""
    obj = db.session.scalar(select(model).where(model.id == object_id, model.organization_id == current_org_id()))
    if obj is None:
        abort(404)
    return obj
