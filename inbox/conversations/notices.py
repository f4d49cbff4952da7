"""Messages about what an action really did, worded when the next page is shown.

A reply is queued by the request and sent by a job; what the editor is told must be the state it has when they
read it, not what was hoped at queueing time. An undo offer lives as long as the next page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import g, session

from inbox.core import clock

# How long after resolving the "Rückgängig" button still works.
UNDO_SECONDS = 30


@dataclass
class Notice:
    category: str  # a flash category: success, warning, error, info
    text: str
    undo: dict | None = None


def reply_sent(message_id: int) -> None:
    session.setdefault("reply_notices", []).append(message_id)
    session.modified = True


def offer_undo(kind: str, conversation_id: int) -> None:
    session["undo"] = {"kind": kind, "conversation_id": conversation_id}


def undo_possible(conversation) -> bool:
    """Resolving can be taken back for a few seconds (the reopen is audited as an undo)."""
    resolved_at = conversation.resolved_at
    return (conversation.status == "resolved" and resolved_at is not None
            and clock.now() - resolved_at <= timedelta(seconds=UNDO_SECONDS))


def pop_all() -> list[Notice]:
    """The pending notices of this session, worded now; each is shown once."""
    from inbox.conversations.models import Conversation, Message
    from inbox.extensions import db

    notices = []
    org_id = getattr(g, "org_id", None)
    for message_id in session.pop("reply_notices", []):
        message = db.session.get(Message, message_id)
        if message is not None and message.organization_id == org_id:
            notices.append(_delivery_notice(message))
    undo = session.pop("undo", None)
    if undo and undo.get("kind") == "resolve":
        conversation = db.session.get(Conversation, undo.get("conversation_id"))
        if conversation is not None and conversation.organization_id == org_id and undo_possible(conversation):
            notices.append(Notice("info", "Versehentlich erledigt? Das lässt sich kurz zurücknehmen.",
                                  {"conversation_id": conversation.id, "seconds": UNDO_SECONDS}))
    return notices


def _delivery_notice(message) -> Notice:
    state = message.delivery_state
    if state in ("sent", "delivered", "read"):
        return Notice("success", "Antwort gesendet.")
    if state == "failed":
        reason = message.delivery_error or "ohne Angabe eines Grundes"
        return Notice("error", f"Antwort fehlgeschlagen: {reason}. Die Person hat sie nicht erhalten; "
                               "Sie können sie erneut senden.")
    if state == "retrying":
        reason = f" ({message.delivery_error})" if message.delivery_error else ""
        return Notice("warning", f"Antwort noch nicht gesendet{reason}: ein neuer Versuch ist geplant.")
    return Notice("info", "Antwort gespeichert, wird gesendet.")
