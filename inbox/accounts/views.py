"""Login, logout and switching the organization one works in."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from inbox.accounts import throttle, totp
from inbox.accounts.access import memberships
from inbox.accounts.forms import CodeForm, LoginForm
from inbox.accounts.models import User
from inbox.accounts.operations import LoginRefused, LoginThrottled, authenticate, log_in, log_out
from inbox.core import clock
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
        target = safe_next(request.args.get("next")) or url_for("conversations.home")
        if user.has_2fa:
            # No session yet: the password only opens the code step, for a few minutes (login_code).
            db.session.commit()
            session["pending_2fa"] = {"u": user.id, "t": int(clock.now().timestamp()), "next": target}
            response = redirect(url_for("accounts.login_code"), 303)
        else:
            _start_session(user)
            response = redirect(target)
        throttle.remember_browser(response, form.email.data)
        return response
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


def _start_session(user) -> None:
    """A new login session (new token) for user in this browser; commits."""
    log_in(user, throttle.client_address(), request.user_agent.string)
    login_user(user)
    session.pop("org_id", None)
    db.session.commit()


def _pending_user() -> User | None:
    """The user whose password was right a moment ago and who still owes the code, or None."""
    pending = session.get("pending_2fa")
    if not isinstance(pending, dict):
        return None
    started = datetime.fromtimestamp(int(pending.get("t", 0)), UTC)
    user = db.session.get(User, pending.get("u"))
    if clock.now() - started > totp.pending_max_age() or user is None or not user.active or not user.has_2fa:
        session.pop("pending_2fa", None)
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user = _pending_user()
    if user is None:
        flash("Bitte melden Sie sich an.", "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            kind = totp.verify(user, form.code.data)
        except totp.CodeThrottled as exc:
            log.warning("2fa code throttled for user %s from %s", user.id, request.remote_addr)
            flash(str(exc), "error")
            return render_template("accounts/login_code.html", form=form), 429, {"Retry-After": str(exc.seconds)}
        except totp.CodeRefused as exc:
            db.session.commit()  # keep the failure count
            log.info("2fa code refused for user %s from %s", user.id, request.remote_addr)
            flash(str(exc), "error")
            return render_template("accounts/login_code.html", form=form), 401
        target = session.pop("pending_2fa", {}).get("next") or url_for("conversations.home")
        _start_session(user)
        if kind == "recovery":
            flash(f"Sie haben einen Wiederherstellungscode benutzt; {totp.unused_recovery_codes(user)} sind noch "
                  "übrig. Erzeugen Sie neue unter „Zwei-Faktor-Anmeldung“, bevor sie ausgehen.", "warning")
        return redirect(safe_next(target) or url_for("conversations.home"))
    return render_template("accounts/login_code.html", form=form), 400 if form.errors else 200


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


@bp.post("/org")
@login_required
def switch_org():
    """The header's switcher, a plain form (the select and "Wechseln"), so it works without JavaScript too."""
    org_id = request.form.get("org", "")
    if not org_id.isdigit() or int(org_id) not in {m.organization_id for m in memberships()}:
        abort(404)
    session["org_id"] = int(org_id)
    return redirect(url_for("conversations.home"))


def org_choices() -> list[Organization]:
    ids = {m.organization_id for m in memberships()}
    return list(db.session.scalars(select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name)))

