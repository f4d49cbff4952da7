"""Managing departments: their details, deputy and press officers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from inbox.accounts import sessions
from inbox.accounts.models import Membership, User
from inbox.accounts.operations import grant
from inbox.audit.operations import record
from inbox.extensions import db
from inbox.orgs.models import Department

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# One answer for an unknown address and for an account of another organization: an admin learns nothing
# about accounts outside their own organization, not even that they exist.
NO_MEMBER = "Kein Konto dieser Organisation mit dieser Adresse."


def list_departments(org_id: int) -> list[Department]:
    return list(db.session.scalars(select(Department).where(Department.organization_id == org_id)
                                   .order_by(Department.name)))


def check(org_id: int, name: str, short_name: str, press_email: str, department_id: int | None = None) -> None:
    if not name.strip() or not short_name.strip():
        raise ValueError("Name und Kürzel sind Pflicht.")
    if press_email and not EMAIL.match(press_email):
        raise ValueError("Die E-Mail-Adresse der Pressestelle ist ungültig.")
    clash = db.session.scalar(select(Department.id).where(Department.organization_id == org_id,
                                                          Department.short_name == short_name.strip()))
    if clash and clash != department_id:
        raise ValueError(f"Das Kürzel {short_name} ist schon vergeben.")


def update_department(department: Department, *, name: str, short_name: str, press_email: str,
                      deputy_id: int | None) -> None:
    check(department.organization_id, name, short_name, press_email, department.id)
    if deputy_id and deputy_id not in {u.id for u in org_users(department.organization_id)}:
        raise ValueError("Die Vertretung muss zur Organisation gehören.")
    department.name, department.short_name = name.strip(), short_name.strip()
    department.press_email, department.deputy_id = press_email.strip().lower(), deputy_id or None
    db.session.flush()
    record(department.organization_id, "department.updated", department, deputy_id=deputy_id)


def members(department: Department) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.department_id == department.id, Membership.role == "press_officer")
        .distinct().order_by(User.name)))


def add_member(department: Department, user: User) -> Membership:
    if user.id in {u.id for u in members(department)}:
        raise ValueError(f"{user.email} gehört schon zu {department.name}.")
    return grant(user, department.organization_id, "press_officer", department_id=department.id)


def remove_member(department: Department, user_id: int) -> int:
    """Revokes the person's press officer role in the department; returns how many roles went."""
    rows = list(db.session.scalars(select(Membership).where(
        Membership.department_id == department.id, Membership.user_id == user_id,
        Membership.role == "press_officer")))
    for membership in rows:
        db.session.delete(membership)
    db.session.flush()
    if rows:
        sessions.renew_all(user_id)  # fewer rights, new session token (accounts/sessions.py)
        record(department.organization_id, "membership.revoked", department, user_id=user_id, role="press_officer")
    return len(rows)


def org_users(org_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                   .where(Membership.organization_id == org_id).distinct().order_by(User.name)))


def find_org_user(org_id: int, email: str) -> User | None:
    """The account with this address if it holds a role in the organization; other accounts stay invisible."""
    return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                             .where(Membership.organization_id == org_id,
                                    func.lower(User.email) == email.strip().lower()).limit(1))
