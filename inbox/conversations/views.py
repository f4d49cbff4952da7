"""The editor workspace: inbox list and conversation page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from inbox.accounts.access import STAFF, has_role, require_role, scoped_get, team_ids
from inbox.channels.models import Channel
from inbox.conversations import operations, queries
from inbox.conversations.forms import ActionForm, AssignForm, MoveForm, NoteForm, ReplyForm
from inbox.conversations.models import Conversation, Message
from inbox.core.web import flash_form_errors
from inbox.extensions import db
from inbox.orgs.models import Team

bp = Blueprint("conversations", __name__)
# Templates other domains show on the conversation page (forwarding, routing), in this order.
PANELS: list[str] = []


@bp.get("/")
@login_required
def home():
    if has_role(*STAFF):
        return redirect(url_for("conversations.inbox"))
    if has_role("press_officer") and "portal.index" in current_app.view_functions:
        return redirect(url_for("portal.index"))
    abort(403)


@bp.get("/inbox")
@require_role(*STAFF)
def inbox():
    view = request.args.get("view", "open")
    if view not in queries.VIEWS:
        abort(400)
    sort = request.args.get("sort", "recent")
    if sort not in queries.SORTS:
        abort(400)
    channel_id = request.args.get("channel", type=int)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_next = queries.inbox_page(g.org_id, current_user.id, view=view, team_ids=team_ids(),
                                        channel_id=channel_id, page=page, sort=sort,
                                        page_size=current_app.config["SETTINGS"]["app"]["page_size"])
    return _inbox_page(rows, has_next, page, view, sort, channel_id)


def _inbox_page(rows: list[Conversation], has_next: bool, page: int, view: str, sort: str, channel_id: int | None):
    channels = db.session.scalars(select(Channel).where(Channel.organization_id == g.org_id).order_by(Channel.name))
    from inbox.sla.operations import due_for

    return render_template("conversations/inbox.html", rows=rows, has_next=has_next, page=page, view=view,
                           views=queries.VIEWS, channels=list(channels), channel_id=channel_id, sort=sort,
                           sorts=queries.SORTS, sla=due_for([c.id for c in rows]))


@bp.get("/inbox/rows/<int:conversation_id>")
@require_role(*STAFF)
def inbox_row(conversation_id: int):
    """The inbox page of the same view and filters with only this conversation, or with none if it does not
    belong there (any more): live updates (static/live.js) take its row `#conv-<id>` and swap it in."""
    view, sort = request.args.get("view", "open"), request.args.get("sort", "recent")
    if view not in queries.VIEWS or sort not in queries.SORTS:
        abort(400)
    channel_id = request.args.get("channel", type=int)
    match = queries._filtered(select(Conversation.id), g.org_id, current_user.id, view, team_ids(), channel_id)
    found = db.session.scalar(match.where(Conversation.id == conversation_id))
    rows = [db.session.get(Conversation, found)] if found else []
    return _inbox_page(rows, False, max(request.args.get("page", 1, type=int), 1), view, sort, channel_id)


def _conversation(conversation_id: int) -> Conversation:
    conversation = scoped_get(Conversation, conversation_id)
    visible = team_ids()
    if visible is not None and conversation.team_id not in visible:
        abort(404)
    return conversation


@bp.get("/conversations/<int:conversation_id>")
@require_role(*STAFF)
def show(conversation_id: int):
    conversation = _conversation(conversation_id)
    assign_form, move_form = AssignForm(), MoveForm()
    assign_form.assignee.choices = [(0, "– niemand –")] + [
        (u.id, u.name) for u in queries.staff_of(g.org_id, conversation.team_id)]
    assign_form.assignee.data = conversation.assignee_id or 0
    teams = db.session.scalars(select(Team).where(Team.organization_id == g.org_id).order_by(Team.name))
    move_form.team.choices = [(t.id, t.name) for t in teams]
    move_form.team.data = conversation.team_id
    history = queries.history(conversation)
    actor_ids = {h.item.detail.get(k) for h in history if h.kind == "event" for k in ("assignee_id", "previous_id")}
    return render_template("conversations/show.html", conversation=conversation, history=history,
                           reply_form=ReplyForm(), note_form=NoteForm(), assign_form=assign_form,
                           move_form=move_form, action_form=ActionForm(), conversation_panels=PANELS,
                           user_names=queries.names_by_id({i for i in actor_ids if i}))


def _back(conversation: Conversation, anchor: str = ""):
    return redirect(url_for("conversations.show", conversation_id=conversation.id) + anchor, 303)


@bp.post("/conversations/<int:conversation_id>/reply")
@require_role(*STAFF)
def reply(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _invalid(form, conversation)
    operations.reply(conversation, current_user.id, form.text.data.strip())
    if conversation.assignee_id is None:
        operations.assign(conversation, current_user.id, reason="replied")
    db.session.commit()
    flash("Antwort gespeichert und zum Versand übergeben.", "success")
    return _back(conversation, "#verlauf-ende")


@bp.post("/conversations/<int:conversation_id>/note")
@require_role(*STAFF)
def note(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _invalid(form, conversation)
    operations.add_note(conversation, current_user.id, form.text.data.strip())
    db.session.commit()
    flash("Notiz gespeichert.", "success")
    return _back(conversation, "#verlauf-ende")


@bp.post("/conversations/<int:conversation_id>/assign")
@require_role(*STAFF)
def assign(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = AssignForm()
    staff = {u.id for u in queries.staff_of(g.org_id, conversation.team_id)}
    form.assignee.choices = [(0, "")] + [(uid, "") for uid in staff]
    if request.form.get("to_me"):
        form.assignee.data = current_user.id
    elif not form.validate_on_submit():
        return _invalid(form, conversation)
    if form.assignee.data and form.assignee.data not in staff:
        abort(400)
    operations.assign(conversation, form.assignee.data or None)
    db.session.commit()
    flash("Zuweisung geändert.", "success")
    return _back(conversation)


@bp.post("/conversations/<int:conversation_id>/<any(resolve, reopen):action>")
@require_role(*STAFF)
def change_state(conversation_id: int, action: str):
    conversation = _conversation(conversation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "resolve":
        operations.resolve(conversation)
        flash("Als erledigt markiert.", "success")
    else:
        operations.reopen(conversation)
        flash("Wieder geöffnet.", "success")
    db.session.commit()
    return _back(conversation)


@bp.post("/conversations/<int:conversation_id>/move")
@require_role(*STAFF)
def move(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = MoveForm()
    form.team.choices = [(t.id, t.name) for t in db.session.scalars(
        select(Team).where(Team.organization_id == g.org_id))]
    if not form.validate_on_submit():
        return _invalid(form, conversation)
    operations.move_to_team(conversation, form.team.data)
    db.session.commit()
    flash("An das andere Team übergeben.", "success")
    if team_ids() is not None and form.team.data not in team_ids():
        return redirect(url_for("conversations.inbox"), 303)
    return _back(conversation)


@bp.post("/messages/<int:message_id>/retry")
@require_role(*STAFF)
def retry(message_id: int):
    message = scoped_get(Message, message_id)
    conversation = _conversation(message.conversation_id)
    if not ActionForm().validate_on_submit() or message.delivery_state != "failed":
        abort(400)
    operations.retry_delivery(message)
    db.session.commit()
    flash("Die Antwort wird erneut gesendet.", "success")
    return _back(conversation)


def _invalid(form, conversation: Conversation):
    flash_form_errors(form)
    return redirect(url_for("conversations.show", conversation_id=conversation.id), 303)


@bp.post("/conversations/<int:conversation_id>/presence")
@require_role(*STAFF)
def presence(conversation_id: int):
    """The page reports that its user views or types in the conversation (or left it); answers who else is there."""
    from inbox.live import presence as live_presence

    conversation = _conversation(conversation_id)
    if not ActionForm().validate_on_submit() or request.form.get("state") not in live_presence.STATES:
        abort(400)
    others = live_presence.report(current_app._get_current_object(), g.org_id, conversation.team_id, conversation.id,
                                  current_user.id, current_user.name, request.form["state"])
    return {"others": others}
