"""Department management for admins: details, deputy, press officers."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from inbox.accounts.access import require_role, scoped_get
from inbox.conversations.forms import ActionForm
from inbox.core.web import flash_form_errors
from inbox.extensions import db
from inbox.orgs import departments as ops
from inbox.orgs.forms import DepartmentForm, MemberForm
from inbox.orgs.models import Department, Organization
from inbox.orgs.operations import create_department

bp = Blueprint("departments", __name__, url_prefix="/admin/departments")


def _form(org_id: int, department: Department | None = None) -> DepartmentForm:
    form = DepartmentForm(obj=department) if department else DepartmentForm()
    form.deputy.choices = [(0, "– keine –")] + [(u.id, f"{u.name} ({u.email})") for u in ops.org_users(org_id)]
    if department and not form.is_submitted():
        form.deputy.data = department.deputy_id or 0
    return form


@bp.get("/")
@require_role("admin")
def index():
    return render_template("departments/index.html", departments=ops.list_departments(g.org_id), form=_form(g.org_id))


@bp.post("/")
@require_role("admin")
def create():
    form = _form(g.org_id)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return render_template("departments/index.html", departments=ops.list_departments(g.org_id), form=form), 400
    try:
        ops.check(g.org_id, form.name.data, form.short_name.data, form.press_email.data or "")
        department = create_department(db.session.get(Organization, g.org_id), form.name.data.strip(),
                                       form.short_name.data.strip(), (form.press_email.data or "").lower())
        if form.deputy.data:
            ops.update_department(department, name=department.name, short_name=department.short_name,
                                  press_email=department.press_email, deputy_id=form.deputy.data)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return render_template("departments/index.html", departments=ops.list_departments(g.org_id), form=form), 400
    db.session.commit()
    flash(f"Fachamt {department.name} angelegt.", "success")
    return redirect(url_for("departments.show", department_id=department.id), 303)


@bp.get("/<int:department_id>")
@require_role("admin")
def show(department_id: int):
    department = scoped_get(Department, department_id)
    return _page(department, _form(g.org_id, department), MemberForm())


def _page(department, form, member_form, status: int = 200):
    return render_template("departments/show.html", department=department, form=form, member_form=member_form,
                           members=ops.members(department), action_form=ActionForm()), status


@bp.post("/<int:department_id>")
@require_role("admin")
def update(department_id: int):
    department = scoped_get(Department, department_id)
    form = _form(g.org_id, department)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _page(department, form, MemberForm(), 400)
    try:
        ops.update_department(department, name=form.name.data, short_name=form.short_name.data,
                              press_email=form.press_email.data or "", deputy_id=form.deputy.data or None)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _page(scoped_get(Department, department_id), form, MemberForm(), 400)
    db.session.commit()
    flash("Gespeichert.", "success")
    return redirect(url_for("departments.show", department_id=department.id), 303)


@bp.post("/<int:department_id>/members")
@require_role("admin")
def add_member(department_id: int):
    department = scoped_get(Department, department_id)
    form = MemberForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _page(department, _form(g.org_id, department), form, 400)
    try:
        # Only people of this organization: new accounts are made by the operators (`mitreden departments
        # add-member`), since creating one here would tell apart addresses that have an account elsewhere.
        user = ops.find_org_user(g.org_id, form.email.data)
        if user is None:
            raise ValueError(ops.NO_MEMBER)
        ops.add_member(department, user)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        department = scoped_get(Department, department_id)
        return _page(department, _form(g.org_id, department), form, 400)
    db.session.commit()
    flash(f"{user.name} gehört jetzt zur Pressestelle.", "success")
    return redirect(url_for("departments.show", department_id=department.id), 303)


@bp.post("/<int:department_id>/members/<int:user_id>/remove")
@require_role("admin")
def remove_member(department_id: int, user_id: int):
    department = scoped_get(Department, department_id)
    if not ActionForm().validate_on_submit():
        flash("Das Formular ist ungültig.", "error")
    else:
        removed = ops.remove_member(department, user_id)
        db.session.commit()
        if removed:
            flash("Entfernt.", "success")
        else:
            flash("Diese Person gehört nicht zur Pressestelle.", "error")
    return redirect(url_for("departments.show", department_id=department.id), 303)
