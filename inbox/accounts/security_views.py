"""One's own account security: the list of one's login sessions ("Meine Sitzungen")."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from inbox.accounts import sessions
from inbox.accounts.operations import end_other_sessions
from inbox.extensions import db

bp = Blueprint("security", __name__, url_prefix="/account")


def _user():
    return current_user._get_current_object()


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
