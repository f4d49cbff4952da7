"""One's own account security: login sessions ("Meine Sitzungen") and two-factor login; the 2FA rule of the org."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from inbox.accounts import sessions, throttle, totp
from inbox.accounts.access import has_role, require_role
from inbox.accounts.forms import CodeForm, PasswordConfirmForm, RequireTwoFactorForm
from inbox.accounts.operations import _record_for_user, end_other_sessions, log_in
from inbox.audit.operations import record
from inbox.core.web import flash_form_errors
from inbox.extensions import db
from inbox.orgs.models import Organization

bp = Blueprint("security", __name__, url_prefix="/account")
# What a user who has to set up two-factor login may still open before they have.
_OPEN_BEFORE_2FA = {"static", "security.two_factor", "security.confirm_two_factor", "accounts.logout",
                    "accounts.login", "accounts.login_code"}


def _user():
    return current_user._get_current_object()


@bp.before_app_request
def _send_to_enrolment():
    if request.endpoint in _OPEN_BEFORE_2FA or not current_user.is_authenticated:
        return None
    user = _user()
    if user.has_2fa or not totp.required_for(user):
        return None
    flash("Ihre Organisation verlangt für Admins und Teamleitungen die Zwei-Faktor-Anmeldung. Bitte richten Sie "
          "sie jetzt ein.", "warning")
    return redirect(url_for("security.two_factor"))


@bp.get("/sessions")
@login_required
def my_sessions():
    user = _user()
    mine = sessions.current(user)
    rows = [(row, row.id == (mine.id if mine else None)) for row in sessions.of_user(user)]
    return render_template("accounts/sessions.html", rows=rows, coarse=sessions.coarse_client)


@bp.post("/sessions/end-others")
@login_required
def end_others():
    ended = end_other_sessions(_user())
    db.session.commit()
    flash("Keine anderen Sitzungen offen." if not ended else
          "1 andere Sitzung beendet." if ended == 1 else f"{ended} andere Sitzungen beendet.", "success")
    return redirect(url_for("security.my_sessions"), 303)


def _two_factor_page(status: int = 200, *, form=None, codes=None):
    user = _user()
    context = {"form": form or CodeForm(), "password_form": PasswordConfirmForm(), "codes": codes,
               "required": totp.required_for(user), "unused": totp.unused_recovery_codes(user) if user.has_2fa else 0}
    if not user.has_2fa and codes is None:
        secret = totp.pending_secret(user) or totp.begin_enrolment(user)
        db.session.commit()
        uri = totp.provisioning_uri(user, secret)
        context.update(secret=secret, qr=totp.qr_svg(uri))
    if has_role("admin"):
        org = db.session.get(Organization, g.org_id)
        context.update(org=org, require_form=RequireTwoFactorForm(required=org.require_2fa))
    return render_template("accounts/two_factor.html", **context), status


@bp.get("/2fa")
@login_required
def two_factor():
    g.org_id = _org_id()
    return _two_factor_page()


def _org_id():
    from inbox.accounts.access import current_org_id

    return current_org_id()


@bp.post("/2fa")
@login_required
def confirm_two_factor():
    g.org_id = _org_id()
    user = _user()
    form = CodeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _two_factor_page(400, form=form)
    try:
        codes = totp.confirm_enrolment(user, form.code.data)
    except totp.CodeRefused as exc:
        flash(str(exc), "error")
        return _two_factor_page(400, form=form)
    # A stronger login from here on: this browser gets a new session token, others keep theirs.
    sessions.end(user.login_token)
    log_in(user, throttle.client_address(), request.user_agent.string)
    login_user(user)
    db.session.commit()
    flash("Die Zwei-Faktor-Anmeldung ist eingerichtet.", "success")
    return _two_factor_page(codes=codes)


def _password_confirmed() -> bool:
    form = PasswordConfirmForm()
    if form.validate_on_submit() and _user().check_password(form.password.data):
        return True
    flash("Das Passwort stimmt nicht.", "error")
    return False


@bp.post("/2fa/recovery-codes")
@login_required
def new_recovery_codes():
    g.org_id = _org_id()
    user = _user()
    if not user.has_2fa:
        abort(404)
    if not _password_confirmed():
        return _two_factor_page(400)
    codes = totp.new_recovery_codes(user)
    _record_for_user(user, "totp.recovery_codes_renewed", user)
    db.session.commit()
    flash("Neue Wiederherstellungscodes erzeugt; die alten gelten nicht mehr.", "success")
    return _two_factor_page(codes=codes)


@bp.post("/2fa/disable")
@login_required
def disable_two_factor():
    g.org_id = _org_id()
    user = _user()
    if not user.has_2fa:
        abort(404)
    if totp.required_for(user):
        flash("Ihre Organisation verlangt die Zwei-Faktor-Anmeldung; Sie können sie nicht abschalten.", "error")
        return _two_factor_page(400)
    if not _password_confirmed():
        return _two_factor_page(400)
    totp.disable(user)
    db.session.commit()
    flash("Die Zwei-Faktor-Anmeldung ist abgeschaltet.", "success")
    return redirect(url_for("security.two_factor"), 303)


@bp.post("/2fa/required")
@require_role("admin")
def require_two_factor():
    form = RequireTwoFactorForm()
    if not form.validate_on_submit():
        abort(400)
    org = db.session.get(Organization, g.org_id)
    org.require_2fa = bool(form.required.data)
    record(org.id, "organization.2fa_required" if org.require_2fa else "organization.2fa_optional", org)
    db.session.commit()
    flash("Admins und Teamleitungen müssen die Zwei-Faktor-Anmeldung nun einrichten." if org.require_2fa
          else "Die Zwei-Faktor-Anmeldung ist für Admins und Teamleitungen nicht mehr Pflicht.", "success")
    return redirect(url_for("security.two_factor"), 303)
