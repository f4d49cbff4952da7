"""Jobs of forwarding: e-mails, the reminder and escalation sweep, reading replies from the mailbox."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from inbox.accounts.models import User
from inbox.audit.operations import record
from inbox.conversations.hooks import on_resolved
from inbox.core import mailer
from inbox.extensions import db
from inbox.forwarding import mails
from inbox.forwarding.models import Forward
from inbox.jobs import enqueue, task

log = logging.getLogger(__name__)
MAIL_ATTEMPTS = 4


@on_resolved
def _close_forwards(conversation_id: int) -> None:
    from inbox.forwarding.operations import close_for_conversation

    close_for_conversation(conversation_id)


def _deliver(forward: Forward, msg, label: str, attempt: int, retry) -> bool:
    try:
        mailer.send(msg)
    except mailer.MailError as exc:
        log.warning("forward %s: %s", forward.id, exc)
        record(forward.organization_id, "forward.mail_failed", forward, conversation_id=forward.conversation_id,
               label=f"{label} fehlgeschlagen", text=str(exc)[:300], forward_id=forward.id)
        if current_app.config.get("REDIS_URL") and attempt < MAIL_ATTEMPTS:
            enqueue(*retry, attempt + 1, delay=timedelta(minutes=2 ** attempt))
        return False
    record(forward.organization_id, "forward.mailed", forward, conversation_id=forward.conversation_id,
           label=label, to=msg["To"], forward_id=forward.id)
    return True


@task
def send_forward_mail(forward_id: int, kind: str, attempt: int = 1) -> None:
    """The press office's e-mail: a new forward, a reminder, the answer to their question, a hand-over."""
    forward = db.session.get(Forward, forward_id)
    if forward is None or forward.state == "closed" or not mailer.enabled():
        return
    msg = mails.press_mail(forward, kind)
    if not msg["To"]:
        log.warning("forward %s: department %s has no e-mail address", forward.id, forward.department_id)
        return
    label = {"new": "E-Mail an die Pressestelle gesendet", "reminder": "Erinnerung an die Pressestelle gesendet",
             "clarified": "Antwort auf die Rückfrage an die Pressestelle gesendet",
             "handover": "E-Mail an die übernehmende Person gesendet"}[kind]
    if _deliver(forward, msg, label, attempt, (send_forward_mail, forward_id, kind)) and kind == "new":
        forward.mail_message_id = msg["Message-ID"]


@task
def send_escalation_mail(forward_id: int, attempt: int = 1) -> None:
    forward = db.session.get(Forward, forward_id)
    if forward is None or not mailer.enabled():
        return
    deputy = db.session.get(User, forward.department.deputy_id) if forward.department.deputy_id else None
    recipients = list(dict.fromkeys(([deputy.email] if deputy else []) + [u.email for u in mails.lead_users(forward)]))
    if recipients:
        _deliver(forward, mails.escalation_mail(forward, recipients), "Eskalation per E-Mail gesendet", attempt,
                 (send_escalation_mail, forward_id))


@task
def send_editor_mail(forward_id: int, user_id: int, kind: str) -> None:
    forward, user = db.session.get(Forward, forward_id), db.session.get(User, user_id)
    if forward is None or user is None or not mailer.enabled():
        return
    try:
        mailer.send(mails.editor_mail(forward, user, kind))
    except mailer.MailError as exc:
        log.warning("forward %s: e-mail to editor %s failed: %s", forward_id, user_id, exc)


@task
def forwarding_sweep() -> None:
    """Reminders before the due time, escalation when overdue; safe to run as often as wanted."""
    from inbox.forwarding.sweep import sweep

    sweep()


@task
def fetch_forward_replies() -> None:
    """Read answers that press offices sent by replying to the notification e-mail."""
    from inbox.forwarding.replies import fetch

    fetch()
