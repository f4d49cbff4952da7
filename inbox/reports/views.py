"""Reports pages: the reports of a team or the organization, their exports, and correcting a message's mood."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from inbox.accounts.access import STAFF, require_role, scoped_get, team_ids
from inbox.conversations.models import Conversation, Message
from inbox.extensions import db
from inbox.reports import operations
from inbox.reports.forms import MoodForm

bp = Blueprint("reports", __name__)
log = logging.getLogger(__name__)


@bp.post("/nachrichten/<int:message_id>/stimmung")
@require_role(*STAFF)
def correct_mood(message_id: int):
    message = scoped_get(Message, message_id)
    conversation = db.session.get(Conversation, message.conversation_id)
    visible = team_ids()
    if visible is not None and conversation.team_id not in visible:
        abort(404)
    form = MoodForm()
    if not form.validate_on_submit():
        log.warning("mood correction refused for message %s: %s", message_id, form.errors)
        abort(400)
    try:
        operations.correct_mood(message, form.mood.data, current_user.id)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("conversations.show", conversation_id=conversation.id), 303)
    db.session.commit()
    flash("Stimmung gespeichert.", "success")
    return redirect(url_for("conversations.show", conversation_id=conversation.id) + f"#m{message.id}", 303)
