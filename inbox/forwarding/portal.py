"""The press officer portal: only the forwards of one's own department, or the one a link opened.

Every look at a forward is written to the audit trail.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from inbox.accounts.access import current_org_id, department_ids, has_role, require_role
from inbox.accounts.models import User
from inbox.audit.operations import record
from inbox.conversations.forms import ActionForm
from inbox.core.web import flash_form_errors
from inbox.extensions import db
from inbox.forwarding import links, mails, operations, queries
from inbox.forwarding.forms import DeclineForm, HandOverForm, TextForm
from inbox.forwarding.models import Forward, ForwardEntry
from inbox.forwarding.views import send_stored, stored_file
from inbox.orgs.models import Department

bp = Blueprint("portal", __name__, url_prefix="/portal")
log = logging.getLogger(__name__)


@bp.get("/")
@require_role("press_officer")
def index():
    forwards = queries.for_departments(current_org_id(), department_ids())
    return render_template("portal/index.html", forwards=forwards)


def _is_officer_for(forward: Forward) -> bool:
    return (current_user.is_authenticated and forward.organization_id == current_org_id()
            and has_role("press_officer") and forward.department_id in department_ids())


def _forward(forward_id: int) -> Forward:
    """The forward if this person may see it; 404 otherwise, so other departments' ids reveal nothing."""
    forward = db.session.get(Forward, forward_id)
    if forward is None or not (_is_officer_for(forward) or links.granted(forward.id)):
        abort(404)
    if not _is_officer_for(forward) and not forward.is_active:
        abort(_settled(forward))
    return forward


def _settled(forward: Forward):
    """A link stands in for an account only while the department owes an answer; after that it shows
    neither the question nor the citizen's data nor the files, only that the request is done."""
    return make_response(render_template("portal/settled.html", forward=forward), 410)


def _who() -> tuple[int | None, str]:
    if current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "Link aus der E-Mail"


@bp.get("/link/<token>")
def open_link(token: str):
    try:
        forward = links.consume(token)
    except links.LinkRefused as exc:
        db.session.rollback()
        log.info("forward link refused: %s", exc)
        return render_template("portal/link_refused.html", message=str(exc)), 403
    if not forward.is_active:
        record(forward.organization_id, "forward.link_used", forward, actor_id=_who()[0], forward_id=forward.id,
               label="Einmal-Link einer abgeschlossenen Weiterleitung geöffnet")
        db.session.commit()
        return _settled(forward)
    links.grant(forward.id)
    record(forward.organization_id, "forward.link_used", forward, actor_id=_who()[0], forward_id=forward.id,
           label="Einmal-Link geöffnet")
    db.session.commit()
    return redirect(url_for("portal.show", forward_id=forward.id), 303)


def _colleagues(forward: Forward) -> list[User]:
    return [u for u in mails.department_members(forward.department_id) if u.id != _who()[0]]


def _other_departments(forward: Forward) -> list[Department]:
    return list(db.session.scalars(select(Department).where(
        Department.organization_id == forward.organization_id, Department.id != forward.department_id)
        .order_by(Department.name)))


def _forms(forward: Forward) -> dict:
    handover, decline = HandOverForm(), DeclineForm()
    handover.officer.choices = [(u.id, u.name) for u in _colleagues(forward)]
    decline.suggested.choices = [(0, "– keine Empfehlung –")] + [(d.id, d.name) for d in _other_departments(forward)]
    return {"answer_form": TextForm(prefix="answer"), "ask_form": TextForm(prefix="ask"),
            "handover_form": handover, "decline_form": decline, "action_form": ActionForm()}


@bp.get("/forwards/<int:forward_id>")
def show(forward_id: int):
    forward = _forward(forward_id)
    actor_id, label = _who()
    record(forward.organization_id, "forward.viewed", forward, actor_id=actor_id, forward_id=forward.id,
           by=label, label="Weiterleitung im Portal angesehen")
    db.session.commit()
    officer = _is_officer_for(forward)
    return render_template("portal/show.html", forward=forward, can_hand_over=officer, can_review=officer,
                           **_forms(forward))


def _done(forward: Forward, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("portal.show", forward_id=forward.id), 303)


def _refuse(forward: Forward, form):
    flash_form_errors(form)
    return redirect(url_for("portal.show", forward_id=forward.id), 303)


def _step(forward: Forward, form, action, message: str):
    if not form.validate_on_submit():
        return _refuse(forward, form)
    try:
        action()
    except operations.ForwardStateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("portal.show", forward_id=forward.id), 303)
    return _done(forward, message)


@bp.post("/forwards/<int:forward_id>/answer")
def answer(forward_id: int):
    forward = _forward(forward_id)
    form = TextForm(prefix="answer")
    actor_id, label = _who()
    return _step(forward, form, lambda: operations.answer(forward, form.text.data.strip(), author_id=actor_id,
                                                          author_label=label), "Antwort gesendet. Vielen Dank!")


@bp.post("/forwards/<int:forward_id>/ask")
def ask(forward_id: int):
    forward = _forward(forward_id)
    form = TextForm(prefix="ask")
    actor_id, label = _who()
    return _step(forward, form, lambda: operations.ask_back(forward, form.text.data.strip(), author_id=actor_id,
                                                            author_label=label), "Rückfrage an die Redaktion gesendet.")


@bp.post("/forwards/<int:forward_id>/handover")
def hand_over(forward_id: int):
    forward = _forward(forward_id)
    if not _is_officer_for(forward):
        abort(403)  # a link opens the forward, not the department's staff list
    form = HandOverForm()
    colleagues = {u.id: u for u in _colleagues(forward)}
    form.officer.choices = [(uid, u.name) for uid, u in colleagues.items()]
    return _step(forward, form, lambda: operations.hand_over(forward, colleagues[form.officer.data],
                                                             actor_id=current_user.id), "Übergeben.")


@bp.post("/forwards/<int:forward_id>/decline")
def decline(forward_id: int):
    forward = _forward(forward_id)
    form = DeclineForm()
    others = {d.id: d for d in _other_departments(forward)}
    form.suggested.choices = [(0, "")] + [(d, "") for d in others]
    actor_id, label = _who()
    return _step(forward, form, lambda: operations.decline(
        forward, form.reason.data.strip(), others.get(form.suggested.data), author_id=actor_id, author_label=label),
        "Abgelehnt; die Redaktion ist informiert.")


def _held_mail(forward_id: int, entry_id: int) -> tuple[Forward, ForwardEntry]:
    """A held answer by e-mail and its forward, for a signed-in press officer of the department only.

    A single-use link opens the forward but names nobody; vouching for a sender needs a person on record.
    """
    forward = _forward(forward_id)
    if not _is_officer_for(forward):
        abort(403)
    entry = db.session.get(ForwardEntry, entry_id)
    if entry is None or entry.forward_id != forward.id:
        abort(404)
    return forward, entry


@bp.post("/forwards/<int:forward_id>/mail/<int:entry_id>/confirm")
def confirm_mail(forward_id: int, entry_id: int):
    forward, entry = _held_mail(forward_id, entry_id)
    return _step(forward, ActionForm(), lambda: operations.confirm_mail_answer(forward, entry, current_user),
                 "Bestätigt: Die Antwort ist an die Redaktion gegangen.")


@bp.post("/forwards/<int:forward_id>/mail/<int:entry_id>/discard")
def discard_mail(forward_id: int, entry_id: int):
    forward, entry = _held_mail(forward_id, entry_id)
    return _step(forward, ActionForm(), lambda: operations.discard_mail_answer(forward, entry, current_user),
                 "Verworfen: Die E-Mail geht nicht an die Redaktion.")


@bp.get("/forwards/<int:forward_id>/files/<int:file_id>")
def download(forward_id: int, file_id: int):
    forward = _forward(forward_id)
    stored_file(forward, file_id)
    actor_id, label = _who()
    record(forward.organization_id, "forward.file_downloaded", forward, actor_id=actor_id, forward_id=forward.id,
           file_id=file_id, by=label, label="Anhang im Portal heruntergeladen")
    db.session.commit()
    return send_stored(forward, file_id)
