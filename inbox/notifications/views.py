"""The notification list and the unread badge in the navigation."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from inbox.accounts.access import current_org_id
from inbox.conversations.forms import ActionForm
from inbox.extensions import db
from inbox.notifications import operations
from inbox.notifications.models import Notification

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _badge():
    if not current_user.is_authenticated or current_org_id() is None:
        return {"unread_notifications": 0}
    return {"unread_notifications": operations.unread_count(current_org_id(), current_user.id)}


@bp.get("/notifications")
@login_required
def index():
    items = operations.latest(current_org_id(), current_user.id) if current_org_id() else []
    return render_template("notifications/index.html", items=items, form=ActionForm())


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id: int):
    notification = _own(notification_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.mark_read(notification)
    db.session.commit()
    # Links are made by Mitreden itself, always local paths.
    target = notification.link if notification.link.startswith("/") and not notification.link.startswith("//") \
        else url_for("notifications.index")
    return redirect(target, 303)


@bp.post("/notifications/read")
@login_required
def read_all():
    if not ActionForm().validate_on_submit():
        abort(400)
    if current_org_id():
        operations.mark_all_read(current_org_id(), current_user.id)
        db.session.commit()
    return redirect(url_for("notifications.index"), 303)
