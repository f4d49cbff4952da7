"""Login, logout and switching the organization one works in."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select

from inbox.accounts.access import memberships
from inbox.accounts.forms import LoginForm
from inbox.accounts.operations import LoginRefused, authenticate
from inbox.extensions import db
from inbox.orgs.models import Organization

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except LoginRefused as exc:
            db.session.commit()  # keep the failure count
            log.info("login refused for %s", form.email.data)
            flash(str(exc), "error")
            return render_template("accounts/login.html", form=form), 401
        login_user(user)
        session.pop("org_id", None)
        db.session.commit()
        return redirect(_safe_next() or url_for("conversations.home"))
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    # Only local paths, never //host or a scheme: no open redirect.
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else None


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.pop("org_id", None)
    flash("Sie sind abgemeldet.", "info")
    return redirect(url_for("accounts.login"))


@bp.post("/org/<int:org_id>")
@login_required
def switch_org(org_id: int):
    if org_id not in {m.organization_id for m in memberships()}:
        abort(404)
    session["org_id"] = org_id
    return redirect(url_for("conversations.home"))


def org_choices() -> list[Organization]:
    ids = {m.organization_id for m in memberships()}
    return list(db.session.scalars(select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name)))

