"""Meta's private channels on the conversation page: the messaging window (WhatsApp, Messenger, Instagram,
inbox/channels/window.py) and sending an approved WhatsApp template."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from inbox.accounts.access import STAFF, require_role, scoped_get, team_ids
from inbox.audit.operations import record
from inbox.channels.adapters.whatsapp import templates
from inbox.conversations import operations
from inbox.conversations.models import Conversation
from inbox.extensions import db

bp = Blueprint("whatsapp", __name__)
PANEL = "channels/_messaging_window.html"


class TemplateForm(FlaskForm):
    template = SelectField("Freigegebene Vorlage", choices=[])
    submit = SubmitField("Vorlage senden")


def template_form(channel) -> TemplateForm:
    form = TemplateForm()
    form.template.choices = [(t["name"], t.get("label") or t["name"]) for t in templates(channel)]
    return form


@bp.record_once
def _show_panel(state) -> None:
    from inbox.conversations.views import PANELS

    if PANEL not in PANELS:
        PANELS.append(PANEL)


@bp.app_context_processor
def _window_helpers() -> dict:
    return {"whatsapp_template_form": template_form}


@bp.post("/conversations/<int:conversation_id>/whatsapp-vorlage")
@require_role(*STAFF)
def send_template(conversation_id: int):
    conversation = scoped_get(Conversation, conversation_id)
    visible = team_ids()
    if conversation.channel.kind != "whatsapp" or (visible is not None and conversation.team_id not in visible):
        abort(404)
    form = template_form(conversation.channel)
    if not form.validate_on_submit():
        flash("Bitte eine freigegebene Vorlage auswählen.", "error")
        return _back(conversation)
    chosen = next(t for t in templates(conversation.channel) if t["name"] == form.template.data)
    label = chosen.get("label") or chosen["name"]
    message = operations.reply(conversation, current_user.id, f"Vorlage: {label}")
    message.attachments = [{"type": "template", "name": chosen["name"], "language": chosen["language"],
                            "label": label}]
    db.session.flush()
    record(conversation.organization_id, "message.template", message, conversation_id=conversation.id,
           label="Vorlage gesendet", text=label)
    db.session.commit()
    flash("Vorlage zum Versand übergeben.", "success")
    return _back(conversation)


def _back(conversation: Conversation):
    return redirect(url_for("conversations.show", conversation_id=conversation.id) + "#verlauf-ende", 303)
