"""Login, logout and switching the organization one works in."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from inbox.accounts import throttle
from inbox.accounts.access import memberships
from inbox.accounts.forms import LoginForm
from inbox.accounts.operations import LoginRefused, LoginThrottled, authenticate, log_in, log_out
from inbox.extensions import db
from inbox.orgs.models import Organization

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        attempt = throttle.attempt_for(form.email.data)
        try:
            user = authenticate(form.email.data, form.password.data, attempt)
        except LoginThrottled as exc:
            log.warning("login throttled for %s from %s (%s s)", form.email.data, request.remote_addr, exc.seconds)
            flash(str(exc), "error")
            return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(exc.seconds)}
        except LoginRefused as exc:
            db.session.commit()  # keep the failure count
            log.info("login refused for %s from %s", form.email.data, request.remote_addr)
            flash(str(exc), "error")
            return render_template("accounts/login.html", form=form), 401
        log_in(user, throttle.client_address(), request.user_agent.string)
        login_user(user)
        session.pop("org_id", None)
        db.session.commit()
        response = redirect(safe_next(request.args.get("next")) or url_for("conversations.home"))
        throttle.remember_browser(response, form.email.data)
        return response
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


def safe_next(target: str | None) -> str | None:
    """target when it is a path on this site, else None: no open redirect, whatever a browser makes of it."""
    # Browsers drop tabs and line breaks anywhere in a URL ("/\t/evil.example" is "//evil.example") and read
    # "\\" as "/"; control characters would also break the Location header. Anything of that kind is refused.
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/logout")
@login_required
def logout():
    log_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    # Nothing of this login stays behind, for example links opened by the portal's signed e-mails.
    session.clear()
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

