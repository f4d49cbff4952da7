"""User administration in the UI: admins for their organization, leads for the editors of their teams.

Also the page behind the invitation and reset links, where a user sets their password.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from inbox.accounts import access, invites, sessions, totp
from inbox.accounts import admin as ops
from inbox.accounts.access import require_role
from inbox.accounts.forms import ROLE_LABELS, InviteForm, RoleForm, SetPasswordForm
from inbox.accounts.models import Membership, User
from inbox.accounts.operations import reactivate_user
from inbox.accounts.tasks import send_password_mail, set_password_link
from inbox.core import mailer
from inbox.core.web import flash_form_errors
from inbox.extensions import db
from inbox.jobs import enqueue
from inbox.orgs.models import Department, Team

bp = Blueprint("accounts_admin", __name__)


def _teams() -> set[int] | None:
    """The teams whose members the user manages: None for admins (the whole organization)."""
    return None if access.has_role("admin") else (access.team_ids(("lead",)) or set())


def _fill(form: RoleForm) -> RoleForm:
    teams = _teams()
    query = select(Team).where(Team.organization_id == g.org_id).order_by(Team.name)
    form.team.choices = [(0, "– kein Team –")] + [(t.id, t.name) for t in db.session.scalars(query)
                                                   if teams is None or t.id in teams]
    departments = db.session.scalars(select(Department).where(Department.organization_id == g.org_id)
                                     .order_by(Department.name))
    form.department.choices = [(0, "– kein Fachamt –")] + [(d.id, d.name) for d in departments]
    if teams is not None:  # leads hand out the editor role in their teams, nothing else
        form.role.choices = [("editor", ROLE_LABELS["editor"])]
    return form


def _allowed(role: str, team_id: int | None) -> bool:
    teams = _teams()
    return teams is None or (role == "editor" and team_id in teams)


def _user_or_404(user_id: int) -> User:
    user = ops.user_in_scope(g.org_id, _teams(), user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/admin/users/")
@require_role("admin", "lead")
def index():
    search = request.args.get("q", "")[:100]
    users = ops.visible_users(g.org_id, _teams(), search)
    rows = [(u, ops.memberships_in(u, g.org_id)) for u in users]
    return render_template("accounts/users.html", rows=rows, search=search, form=_fill(InviteForm()),
                           labels=ROLE_LABELS, is_admin=_teams() is None)


def _send_link(user: User, kind: str) -> None:
    """The invitation or reset mail as a job; without a mail server the admin is shown the link to pass on."""
    if mailer.enabled():
        enqueue(send_password_mail, user.id, kind, g.org_id)
        flash(f"Eine E-Mail mit dem Link zum Festlegen des Passworts geht an {user.email}.", "success")
    elif any(m.organization_id != g.org_id for m in user.memberships):
        # The link sets the password of the whole account: an admin here must not get hold of an account
        # that also works for another organization.
        flash("Es ist kein Mailserver eingetragen, und diese Person arbeitet auch für eine andere Organisation: "
              "Der Link kann nur per E-Mail an sie selbst gehen. Nichts wurde gesendet.", "error")
    else:
        flash("Es ist kein Mailserver eingetragen, daher wurde keine E-Mail gesendet. Geben Sie der Person diesen "
              f"Link selbst weiter (er gilt einmal): {set_password_link(user)}", "warning")


@bp.post("/admin/users/invite")
@require_role("admin", "lead")
def invite():
    form = _fill(InviteForm())
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("accounts_admin.index"), 303)
    team_id, department_id = form.team.data or None, form.department.data or None
    if not _allowed(form.role.data, team_id):
        abort(403)
    try:
        user, created = ops.invite(g.org_id, form.email.data, form.name.data, form.role.data, team_id, department_id)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("accounts_admin.index"), 303)
    if created:
        _send_link(user, "invite")
    else:
        flash(f"{user.email} hat schon ein Konto; die Rolle ist vergeben.", "success")
    db.session.commit()
    return redirect(url_for("accounts_admin.show", user_id=user.id), 303)


@bp.get("/admin/users/<int:user_id>")
@require_role("admin", "lead")
def show(user_id: int):
    user = _user_or_404(user_id)
    teams = dict(db.session.execute(select(Team.id, Team.name).where(Team.organization_id == g.org_id)).all())
    departments = dict(db.session.execute(select(Department.id, Department.name)
                                          .where(Department.organization_id == g.org_id)).all())
    return render_template("accounts/user.html", user=user, memberships=ops.memberships_in(user, g.org_id),
                           form=_fill(RoleForm()), labels=ROLE_LABELS, is_admin=_teams() is None,
                           manageable=lambda m: _allowed(m.role, m.team_id), team_names=teams,
                           department_names=departments)


@bp.post("/admin/users/<int:user_id>/roles")
@require_role("admin", "lead")
def add_role(user_id: int):
    user = _user_or_404(user_id)
    form = _fill(RoleForm())
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("accounts_admin.show", user_id=user.id), 303)
    team_id = form.team.data or None
    if not _allowed(form.role.data, team_id):
        abort(403)
    try:
        ops.add_role(user, g.org_id, form.role.data, team_id, form.department.data or None)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("accounts_admin.show", user_id=user.id), 303)
    db.session.commit()
    flash(f"Rolle {ROLE_LABELS[form.role.data]} vergeben.", "success")
    return redirect(url_for("accounts_admin.show", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/roles/<int:membership_id>/remove")
@require_role("admin", "lead")
def remove_role(user_id: int, membership_id: int):
    user = _user_or_404(user_id)
    membership = db.session.scalar(select(Membership).where(
        Membership.id == membership_id, Membership.user_id == user.id, Membership.organization_id == g.org_id))
    if membership is None:
        abort(404)
    if not _allowed(membership.role, membership.team_id):
        abort(403)
    try:
        ops.remove_role(membership)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("accounts_admin.show", user_id=user.id), 303)
    db.session.commit()
    flash("Rolle entfernt.", "success")
    if ops.user_in_scope(g.org_id, _teams(), user.id) is None:
        return redirect(url_for("accounts_admin.index"), 303)
    return redirect(url_for("accounts_admin.show", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/deactivate")
@require_role("admin")
def deactivate(user_id: int):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash("Sie können Ihr eigenes Konto nicht abschalten.", "error")
        return redirect(url_for("accounts_admin.show", user_id=user.id), 303)
    try:
        ended = ops.deactivate_in(user, g.org_id)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("accounts_admin.show", user_id=user.id), 303)
    db.session.commit()
    flash(f"{user.name} ist abgeschaltet; {ended} offene Sitzung(en) sind beendet.", "success")
    return redirect(url_for("accounts_admin.show", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/activate")
@require_role("admin")
def activate(user_id: int):
    user = _user_or_404(user_id)
    if any(m.organization_id != g.org_id for m in user.memberships):
        abort(403)  # the same rule as for deactivating: only an account of this organization alone
    reactivate_user(user)
    db.session.commit()
    flash(f"{user.name} kann sich wieder anmelden.", "success")
    return redirect(url_for("accounts_admin.show", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/reset-password")
@require_role("admin")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    if not user.active:
        flash("Das Konto ist abgeschaltet.", "error")
        return redirect(url_for("accounts_admin.show", user_id=user.id), 303)
    from inbox.audit.operations import record

    record(g.org_id, "user.password_reset_requested", user)
    _send_link(user, "reset")
    db.session.commit()
    return redirect(url_for("accounts_admin.show", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/reset-2fa")
@require_role("admin")
def reset_two_factor(user_id: int):
    """For a lost phone and lost recovery codes: the user logs in with the password and sets it up again."""
    user = _user_or_404(user_id)
    if any(m.organization_id != g.org_id for m in user.memberships):
        flash("Diese Person arbeitet auch für eine andere Organisation; ihre Zwei-Faktor-Anmeldung kann hier nicht "
              "zurückgesetzt werden.", "error")
        return redirect(url_for("accounts_admin.show", user_id=user.id), 303)
    if user.has_2fa:
        totp.disable(user)
        sessions.end_all(user)
        db.session.commit()
        flash(f"Die Zwei-Faktor-Anmeldung von {user.name} ist zurückgesetzt; ihre Sitzungen sind beendet.", "success")
    return redirect(url_for("accounts_admin.show", user_id=user.id), 303)


@bp.route("/login/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    try:
        user = invites.user_for(token)
    except invites.InviteRefused as exc:
        return render_template("accounts/set_password.html", form=None, refused=str(exc)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            ops.set_password(user, form.password.data)
        except ValueError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("accounts/set_password.html", form=form, user=user, refused=None), 400
        db.session.commit()
        flash("Ihr Passwort ist festgelegt. Bitte melden Sie sich an.", "success")
        return redirect(url_for("accounts.login"), 303)
    return render_template("accounts/set_password.html", form=form, user=user, refused=None), \
        400 if form.errors else 200
