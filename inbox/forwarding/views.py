"""The editor's side: forward from a conversation, reply to a question back, the overview, files."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from inbox.accounts.access import STAFF, require_role, scoped_get, team_ids
from inbox.conversations.models import Conversation
from inbox.conversations.views import PANELS
from inbox.core import clock
from inbox.core.web import flash_form_errors
from inbox.extensions import csrf, db
from inbox.forwarding import files, operations, queries
from inbox.forwarding.forms import ForwardForm, TextForm
from inbox.forwarding.models import Forward, ForwardFile
from inbox.orgs.models import Department

bp = Blueprint("forwarding", __name__)
log = logging.getLogger(__name__)
PANEL = "forwarding/_panel.html"


@bp.record_once
def _add_panel(_state) -> None:
    if PANEL not in PANELS:
        PANELS.append(PANEL)


def _conversation(conversation_id: int) -> Conversation:
    conversation = scoped_get(Conversation, conversation_id)
    visible = team_ids()
    if visible is not None and conversation.team_id not in visible:
        abort(404)
    return conversation


def _departments(org_id: int) -> list[Department]:
    return list(db.session.scalars(select(Department).where(Department.organization_id == org_id)
                                   .order_by(Department.name)))


def forward_form(conversation: Conversation) -> ForwardForm:
    form = ForwardForm()
    form.department.choices = [(0, "– Fachamt wählen –")] + [
        (d.id, f"{d.name} ({d.short_name})") for d in _departments(conversation.organization_id)]
    if not form.is_submitted():
        form.question.data = operations.prefill_question(conversation)
        form.department.data = request.args.get("forward_to", 0, type=int)
    return form


@bp.app_template_global()
def forwarding_panel(conversation: Conversation, reply_form) -> dict:
    """Data for the panel on the conversation page; `?use_answer=<id>` puts that answer into the composer."""
    forwards = queries.for_conversation(conversation.id)
    use = request.args.get("use_answer", type=int)
    chosen = next((f for f in forwards if f.id == use), None)
    answer = next((e.text for e in reversed(chosen.entries) if e.kind == "answer"), None) if chosen else None
    if answer and not reply_form.text.data:
        reply_form.text.data = answer
    return {"forwards": forwards, "form": forward_form(conversation), "text_form": TextForm()}


@bp.post("/conversations/<int:conversation_id>/forwards")
@csrf.exempt  # the form validates its own CSRF token after the larger upload limit is set
@require_role(*STAFF)
def create(conversation_id: int):
    max_bytes, max_count = files.limits()
    request.max_content_length = max_bytes * max_count + 1024 * 1024
    conversation = _conversation(conversation_id)
    form = forward_form(conversation)
    department = db.session.get(Department, form.department.data or 0) if form.validate_on_submit() else None
    if department is None or department.organization_id != g.org_id:
        return _invalid(form, conversation)
    due_at = _due(form)
    if due_at is not None and due_at <= operations.clock.now():
        flash("Das Fälligkeitsdatum liegt in der Vergangenheit.", "error")
        return _back(conversation)
    uploads = [f for f in form.files.data or [] if f and f.filename]
    if len(uploads) > max_count:
        flash(f"Höchstens {max_count} Anhänge.", "error")
        return _back(conversation)
    try:
        bodies = [(u.filename, u.read(max_bytes + 1)) for u in uploads]
        for name, body in bodies:
            files.check(name, body)
    except files.FileRefused as exc:
        log.info("forward upload refused: %s", exc)
        flash(str(exc), "error")
        return _back(conversation)
    forward = operations.create_forward(conversation, department, current_user.id, form.question.data.strip(),
                                        include_messages=form.include_messages.data,
                                        include_contact=form.include_contact.data, due_at=due_at)
    for name, body in bodies:
        files.store(forward, name, body)
    db.session.commit()
    flash(f"An {department.name} weitergeleitet.", "success")
    return _back(conversation)


def _due(form: ForwardForm):
    if not form.due.data:
        return None
    zone = clock.zone()
    return form.due.data.replace(tzinfo=zone) if isinstance(form.due.data, datetime) else None


def _back(conversation: Conversation):
    return redirect(url_for("conversations.show", conversation_id=conversation.id) + "#weiterleitungen", 303)


def _invalid(form, conversation: Conversation):
    flash_form_errors(form, "Bitte ein Fachamt wählen.")
    return _back(conversation)


def _forward(forward_id: int) -> Forward:
    forward = scoped_get(Forward, forward_id)
    _conversation(forward.conversation_id)
    return forward


@bp.post("/forwards/<int:forward_id>/reply")
@require_role(*STAFF)
def reply(forward_id: int):
    forward = _forward(forward_id)
    form = TextForm()
    conversation = db.session.get(Conversation, forward.conversation_id)
    if not form.validate_on_submit():
        return _invalid(form, conversation)
    try:
        operations.reply_to_question(forward, current_user.id, form.text.data.strip())
    except operations.ForwardStateError as exc:
        flash(str(exc), "error")
        return _back(conversation)
    db.session.commit()
    flash("Antwort auf die Rückfrage gesendet.", "success")
    return _back(conversation)


@bp.get("/forwards/<int:forward_id>/files/<int:file_id>")
@require_role(*STAFF)
def download(forward_id: int, file_id: int):
    forward = _forward(forward_id)
    return send_stored(forward, file_id)


def stored_file(forward: Forward, file_id: int) -> ForwardFile:
    row = db.session.get(ForwardFile, file_id)
    if row is None or row.forward_id != forward.id:
        abort(404)
    return row


def send_stored(forward: Forward, file_id: int):
    row = stored_file(forward, file_id)
    return send_file(files.path_of(row), mimetype=row.content_type, as_attachment=True,
                     download_name=row.filename)


@bp.get("/forwards")
@require_role(*STAFF)
def overview():
    grouped = queries.open_by_department(g.org_id, team_ids())
    turnaround = queries.median_turnaround(g.org_id)
    departments = {d.id: d for d in _departments(g.org_id)}
    return render_template("forwarding/overview.html", grouped=grouped, turnaround=turnaround,
                           departments=departments, age_text=queries.age_text,
                           duration_text=queries.duration_text, now=operations.clock.now())
