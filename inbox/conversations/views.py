"""The editor workspace: inbox list and conversation page."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from inbox.accounts.access import STAFF, has_role, require_role, scoped_get, team_ids
from inbox.channels.models import Channel
from inbox.conversations import guards, notices, operations, queries, recovery, triage
from inbox.conversations.forms import ActionForm, AssignForm, MoveForm, NoteForm, ReplyForm
from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.core.web import flash_form_errors
from inbox.extensions import db
from inbox.orgs.models import Team

bp = Blueprint("conversations", __name__)
log = logging.getLogger(__name__)
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


LIST_ARGS = ("view", "sort", "channel", "page")
bp.add_app_template_global(triage.row_timer, "sla_timer")
bp.add_app_template_global(triage.CHANNEL_MARKS, "channel_marks")
bp.add_app_template_global(notices.pop_all, "workspace_notices")


def list_args() -> dict:
    """The list the editor came from (view, sort, channel, page), carried through the conversation's links."""
    return {k: request.args[k] for k in LIST_ARGS if request.args.get(k)}


def _list_context() -> dict:
    view = request.args.get("view", "open")
    if view not in queries.VIEWS:
        abort(400)
    now, visible = clock.now(), team_ids()
    sort = request.args.get("sort") or queries.default_sort(g.org_id, visible, now)
    if sort not in queries.SORTS:
        abort(400)
    channel_id = request.args.get("channel", type=int)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_next = queries.inbox_page(g.org_id, current_user.id, view=view, team_ids=visible,
                                        channel_id=channel_id, page=page, sort=sort,
                                        page_size=current_app.config["SETTINGS"]["app"]["page_size"])
    return _rows_context(rows, has_next, page, view, sort, channel_id)


def _rows_context(rows: list[Conversation], has_next: bool, page: int, view: str, sort: str, channel_id: int | None):
    channels = db.session.scalars(select(Channel).where(Channel.organization_id == g.org_id).order_by(Channel.name))
    from inbox.sla.operations import due_for

    # Per row: c.channel (kind, name), c.is_public, c.last_message_preview/_direction, c.contact, c.created_at,
    # c.last_inbound_at, c.assignee; sla_timer(sla[c.id]) if a clock runs; c.id in unread.
    return dict(rows=rows, has_next=has_next, page=page, view=view, views=queries.VIEWS, channels=list(channels),
                channel_id=channel_id, sort=sort, sorts=queries.SORTS, sla=due_for([c.id for c in rows]),
                unread=queries.unread_for(current_user.id, rows), list_args=list_args())


def _fragment_target() -> str | None:
    """The pane an htmx request asks for (its HX-Target); None for a normal request: the whole page."""
    if request.headers.get("HX-Request") != "true" or request.headers.get("HX-History-Restore-Request"):
        return None
    return request.headers.get("HX-Target")


@bp.get("/inbox")
@require_role(*STAFF)
def inbox():
    open_id = request.args.get("open", type=int)
    if open_id:
        return redirect(url_for("conversations.show", conversation_id=open_id, **list_args()), 303)
    if _fragment_target() == "list-pane":
        return render_template("conversations/_list.html", **_list_context(), oob=True)
    return render_template("conversations/inbox.html", **_list_context(), conversation=None)


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
    context = _rows_context(rows, False, max(request.args.get("page", 1, type=int), 1), view, sort, channel_id)
    return render_template("conversations/_list.html", **context)


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
    # Opening the page is reading it: the inbox stops marking it unread for this editor (not for the others).
    operations.mark_read(conversation, current_user.id)
    db.session.commit()
    return _page(conversation)


def _page(conversation: Conversation, reply_form: ReplyForm | None = None, status: int = 200):
    """The workspace with this conversation open (beside the list on wide screens), or only the conversation
    pane for htmx; a refused reply comes back in reply_form, so the editor's text is not lost."""
    assign_form, move_form = AssignForm(), MoveForm()
    assign_form.assignee.choices = [(0, "– niemand –")] + [
        (u.id, u.name) for u in queries.staff_of(g.org_id, conversation.team_id)]
    assign_form.assignee.data = conversation.assignee_id or 0
    teams = db.session.scalars(select(Team).where(Team.organization_id == g.org_id).order_by(Team.name))
    move_form.team.choices = [(t.id, t.name) for t in teams]
    move_form.team.data = conversation.team_id
    history = queries.history(conversation)
    actor_ids = {h.item.detail.get(k) for h in history if h.kind == "event" for k in ("assignee_id", "previous_id")}
    context = dict(conversation=conversation, history=history,
                   reply_form=reply_form or ReplyForm(formdata=None), note_form=NoteForm(formdata=None),
                   assign_form=assign_form, move_form=move_form, action_form=ActionForm(),
                   conversation_panels=PANELS, window=queries.window_of(conversation),
                   user_names=queries.names_by_id({i for i in actor_ids if i}), guard=guards.pending(conversation),
                   confirm=request.args.get("confirm"), list_args=list_args(), **_move_target(conversation))
    if _fragment_target() == "conv-pane":
        sla = due_for_one(conversation.id)
        return render_template("conversations/_pane.html", **context, oob=True, sla=sla), status
    return render_template("conversations/inbox.html", **{**_list_context(), **context}), status


def _move_target(conversation: Conversation) -> dict:
    """The team a hand-over waits to be confirmed for (?confirm=move&to=<team>)."""
    to = request.args.get("to", type=int)
    team = db.session.get(Team, to) if to else None
    if team is None or team.organization_id != g.org_id or team.id == conversation.team_id:
        return {"move_to": None, "move_visible": True}
    return {"move_to": team, "move_visible": team_ids() is None or team.id in team_ids()}


def due_for_one(conversation_id: int) -> dict:
    from inbox.sla.operations import due_for

    return due_for([conversation_id])


def _back(conversation: Conversation, anchor: str = "", **extra):
    return redirect(url_for("conversations.show", conversation_id=conversation.id, **list_args(), **extra) + anchor,
                    303)


@bp.post("/conversations/<int:conversation_id>/reply")
@require_role(*STAFF)
def reply(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _invalid(form, conversation)
    window = queries.window_of(conversation)
    if window is not None and not window.free_text:
        # Told before anything is queued: the platform would refuse it, and the reply would only fail later.
        log.info("reply on conversation %s refused: %s window closed", conversation.id, window.kind)
        flash(window.refusal, "error")
        return _page(conversation, form, 409)
    message = operations.reply(conversation, current_user.id, form.text.data.strip())
    if conversation.assignee_id is None:
        operations.assign(conversation, current_user.id, reason="replied")
    db.session.commit()
    # The flash is worded when the next page is shown, from the reply's delivery state by then (in-process
    # jobs have run, a worker may have): "gesendet", "wird gesendet" or "fehlgeschlagen: <Grund>".
    notices.reply_sent(message.id)
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
    staff = {u.id: u.name for u in queries.staff_of(g.org_id, conversation.team_id)}
    form.assignee.choices = [(0, "")] + [(uid, "") for uid in staff]
    if request.form.get("to_me"):
        form.assignee.data = current_user.id
    elif not form.validate_on_submit():
        return _invalid(form, conversation)
    if form.assignee.data and form.assignee.data not in staff:
        abort(400)
    operations.assign(conversation, form.assignee.data or None)
    db.session.commit()
    if not form.assignee.data:
        flash("Zuweisung aufgehoben: niemand ist zuständig.", "success")
    elif form.assignee.data == current_user.id:
        flash("Ihnen zugewiesen.", "success")
    else:
        flash(f"{staff[form.assignee.data]} zugewiesen.", "success")
    return _back(conversation)


@bp.post("/conversations/<int:conversation_id>/<any(resolve, reopen):action>")
@require_role(*STAFF)
def change_state(conversation_id: int, action: str):
    conversation = _conversation(conversation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "resolve":
        if guards.pending(conversation) and not request.form.get("confirmed"):
            # Asked first (a page of its own without JavaScript): the citizen has not got the last reply.
            return _back(conversation, "#confirm-resolve", confirm="resolve")
        operations.resolve(conversation)
        db.session.commit()
        flash("Als erledigt markiert.", "success")
        notices.offer_undo("resolve", conversation.id)
    else:
        operations.reopen(conversation, reason="undo" if request.form.get("undo") else "manual")
        db.session.commit()
        flash("Wieder geöffnet.", "success")
    return _back(conversation)


@bp.post("/conversations/<int:conversation_id>/move")
@require_role(*STAFF)
def move(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = MoveForm()
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.organization_id == g.org_id))}
    form.team.choices = [(t.id, t.name) for t in teams.values()]
    if not form.validate_on_submit():
        return _invalid(form, conversation)
    if form.team.data == conversation.team_id:
        flash(f"Die Unterhaltung ist schon beim Team „{conversation.team.name}“. Wählen Sie ein anderes Team.",
              "error")
        return _back(conversation)
    if not request.form.get("confirmed"):
        return _back(conversation, "#confirm-move", confirm="move", to=form.team.data)
    operations.move_to_team(conversation, form.team.data)
    db.session.commit()
    flash(f"An das Team „{teams[form.team.data].name}“ übergeben.", "success")
    if team_ids() is not None and form.team.data not in team_ids():
        return redirect(url_for("conversations.inbox", **list_args()), 303)
    return _back(conversation)


@bp.post("/messages/<int:message_id>/retry")
@require_role(*STAFF)
def retry(message_id: int):
    message = scoped_get(Message, message_id)
    conversation = _conversation(message.conversation_id)
    if not ActionForm().validate_on_submit() or message.delivery_state not in operations.RETRYABLE:
        abort(400)
    operations.retry_delivery(message)
    db.session.commit()
    notices.reply_sent(message.id)
    return _back(conversation)


@bp.post("/messages/<int:message_id>/mark-sent")
@require_role(*STAFF)
def mark_sent(message_id: int):
    """The editor found an unclear reply on the platform: it counts as sent, nothing is sent again."""
    message = scoped_get(Message, message_id)
    conversation = _conversation(message.conversation_id)
    if not ActionForm().validate_on_submit() or message.delivery_state != "unclear":
        abort(400)
    recovery.confirm_sent(message)
    db.session.commit()
    flash("Die Antwort ist als gesendet markiert.", "success")
    return _back(conversation)


def _invalid(form, conversation: Conversation):
    flash_form_errors(form)
    return _back(conversation)


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
