"""Changes to conversations. Each function flushes; the request or job commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inbox.audit.operations import record
from inbox.channels.adapters.base import InboundMessage
from inbox.channels.models import Channel
from inbox.conversations import delivery
from inbox.conversations.fitting import fitted_message
from inbox.conversations.models import PREVIEW_LENGTH, Contact, Conversation, ConversationRead, Message, Note
from inbox.core import clock
from inbox.core.safetext import fit
from inbox.extensions import db
from inbox.reports.mood import classify


def ingest(channel: Channel, inbound: InboundMessage, raw_event_id: int | None = None,
           received_at: datetime | None = None) -> Message | None:
    """Store one inbound message in its conversation; None if it was stored before.

    received_at is when the raw event reached us: the message's time when the payload has none
    (a re-processed event must not look as if the citizen had just written).
    """
    inbound = fitted_message(inbound)
    if inbound.event != "message":
        return _apply_change(channel, inbound)
    for _attempt in range(2):
        if _existing(channel.id, inbound.external_id):
            return None
        try:
            with db.session.begin_nested():
                return _store(channel, inbound, raw_event_id, received_at)
        except IntegrityError:
            continue  # a parallel worker stored the message or contact first; look again
    return None


def _existing(channel_id: int, external_id: str) -> Message | None:
    return db.session.scalar(select(Message).where(Message.channel_id == channel_id,
                                                    Message.external_id == external_id))


def _store(channel: Channel, inbound: InboundMessage, raw_event_id: int | None,
           received_at: datetime | None) -> Message:
    contact = upsert_contact(channel, inbound)
    conversation = thread_for(channel, contact, inbound)
    now = clock.now()
    message = Message(
        organization_id=channel.organization_id, conversation_id=conversation.id, channel_id=channel.id,
        external_id=inbound.external_id, direction="in", text=inbound.text, html=inbound.html,
        attachments=inbound.attachments, is_public=inbound.is_public,
        parent_external_id=inbound.parent_external_id, sent_at=inbound.sent_at or received_at or now,
        raw_event_id=raw_event_id, mood=classify(inbound.text).label,
    )
    db.session.add(message)
    conversation.last_activity_at = conversation.last_inbound_at = now
    conversation.is_public = message.is_public
    show_in_list(conversation, message)
    db.session.flush()
    record(channel.organization_id, "message.received", message, conversation_id=conversation.id)
    return message


def upsert_contact(channel: Channel, inbound: InboundMessage) -> Contact:
    contact = db.session.scalar(select(Contact).where(Contact.channel_id == channel.id,
                                                      Contact.external_id == inbound.author_id))
    if contact is None:
        contact = Contact(organization_id=channel.organization_id, channel_id=channel.id,
                          external_id=inbound.author_id)
        db.session.add(contact)
    contact.handle = inbound.author_handle or contact.handle
    contact.name = inbound.author_name or contact.name
    contact.email = inbound.author_email or contact.email
    db.session.flush()
    return contact


def thread_for(channel: Channel, contact: Contact, inbound: InboundMessage) -> Conversation:
    """The latest conversation of this contact and thread, reopened if resolved, or a new one."""
    conversation = db.session.scalar(
        select(Conversation)
        .where(Conversation.contact_id == contact.id, Conversation.channel_id == channel.id,
               Conversation.thread_key == inbound.thread_key)
        .order_by(Conversation.id.desc()).limit(1)
    )
    if conversation is None:
        return _open_conversation(channel, contact, inbound)
    if conversation.status == "resolved":
        reopen(conversation, reason="new_message")
    return conversation


def _open_conversation(channel: Channel, contact: Contact, inbound: InboundMessage) -> Conversation:
    subject = inbound.subject or inbound.text.split("\n", 1)[0][:120]
    conversation = Conversation(organization_id=channel.organization_id, team_id=channel.team_id,
                                channel_id=channel.id, contact_id=contact.id, thread_key=inbound.thread_key,
                                subject=fit(subject, Conversation.subject), status="open", last_activity_at=clock.now())
    db.session.add(conversation)
    db.session.flush()
    record(channel.organization_id, "conversation.opened", conversation, conversation_id=conversation.id)
    return conversation


def _apply_change(channel: Channel, inbound: InboundMessage) -> Message | None:
    """A platform's edit or deletion of a message we already hold."""
    message = _existing(channel.id, inbound.external_id)
    if message is None:
        return None
    if inbound.event == "edit":
        message.text, message.edited_at = inbound.text, clock.now()
        message.mood = classify(inbound.text).label
    elif inbound.event == "delete":
        # The citizen withdrew it; keep no copy of the content, nor a judgement of it.
        message.text, message.html, message.deleted_at = "", "", clock.now()
        message.mood = message.mood_corrected = None
    _refresh_preview(db.session.get(Conversation, message.conversation_id))
    db.session.flush()
    action = {"edit": "message.edited", "delete": "message.deleted"}[inbound.event]
    record(channel.organization_id, action, message, conversation_id=message.conversation_id)
    return message


def reply(conversation: Conversation, author_id: int, text: str) -> Message:
    now = clock.now()
    message = Message(organization_id=conversation.organization_id, conversation_id=conversation.id,
                      channel_id=conversation.channel_id, direction="out", author_id=author_id, text=text,
                      is_public=_last_inbound_public(conversation), sent_at=now)
    db.session.add(message)
    conversation.last_activity_at = now
    show_in_list(conversation, message)
    if conversation.first_response_at is None:
        conversation.first_response_at = now
    db.session.flush()
    record(conversation.organization_id, "message.replied", message, conversation_id=conversation.id)
    delivery.queue(message)
    return message


def show_in_list(conversation: Conversation, message: Message | None) -> None:
    """The inbox row shows the start of this message (the citizen's or an editor's) on one line."""
    text = " ".join((message.text or "").split()) if message else ""
    conversation.last_message_preview = text[:PREVIEW_LENGTH]
    conversation.last_message_direction = message.direction if message else ""


def _refresh_preview(conversation: Conversation) -> None:
    """After an edit or deletion: the preview follows the latest message, so a withdrawn text is not kept."""
    latest = db.session.scalar(
        select(Message).where(Message.conversation_id == conversation.id,
                              (Message.direction == "in") | Message.author_id.is_not(None))
        .order_by(Message.id.desc()).limit(1))
    show_in_list(conversation, latest)


def mark_read(conversation: Conversation, user_id: int) -> None:
    """The editor has seen the conversation as it is now; a later citizen message makes it unread again."""
    query = select(ConversationRead).where(ConversationRead.conversation_id == conversation.id,
                                           ConversationRead.user_id == user_id)
    row = db.session.scalar(query)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(ConversationRead(organization_id=conversation.organization_id,
                                                conversation_id=conversation.id, user_id=user_id,
                                                read_at=clock.now()))
            return
        except IntegrityError:
            row = db.session.scalar(query)  # opened in another tab at the same moment
    row.read_at = clock.now()
    db.session.flush()


def _last_inbound_public(conversation: Conversation) -> bool:
    return bool(db.session.scalar(
        select(Message.is_public).where(Message.conversation_id == conversation.id, Message.direction == "in")
        .order_by(Message.id.desc()).limit(1)
    ))


RETRYABLE = ("failed", "unclear")


def retry_delivery(message: Message) -> None:
    """Send a failed reply again, or an unclear one the editor found missing on the platform."""
    if message.delivery_state not in RETRYABLE:
        raise ValueError("only a failed or unclear reply can be sent again")
    previous = message.delivery_state
    delivery.queue(message)
    record(message.organization_id, "message.retry", message, conversation_id=message.conversation_id,
           previous=previous)


def add_note(conversation: Conversation, author_id: int, text: str) -> Note:
    note = Note(organization_id=conversation.organization_id, conversation_id=conversation.id,
                author_id=author_id, text=text)
    db.session.add(note)
    db.session.flush()
    record(conversation.organization_id, "note.added", note, conversation_id=conversation.id)
    return note


def assign(conversation: Conversation, assignee_id: int | None, *, reason: str = "manual") -> None:
    previous = conversation.assignee_id
    if previous == assignee_id:
        return
    conversation.assignee_id = assignee_id
    db.session.flush()
    record(conversation.organization_id, "conversation.assigned", conversation, conversation_id=conversation.id,
           assignee_id=assignee_id, previous_id=previous, reason=reason)


def resolve(conversation: Conversation) -> None:
    if conversation.status == "resolved":
        return
    conversation.status, conversation.resolved_at = "resolved", clock.now()
    db.session.flush()
    record(conversation.organization_id, "conversation.resolved", conversation, conversation_id=conversation.id)
    from inbox.conversations.hooks import conversation_resolved

    conversation_resolved(conversation.id)


def reopen(conversation: Conversation, *, reason: str = "manual") -> None:
    if conversation.status != "resolved":
        return
    conversation.status, conversation.resolved_at = "open", None
    conversation.last_activity_at = clock.now()
    db.session.flush()
    record(conversation.organization_id, "conversation.reopened", conversation, conversation_id=conversation.id,
           reason=reason)


def move_to_team(conversation: Conversation, team_id: int) -> None:
    previous = conversation.team_id
    if previous == team_id:
        return
    conversation.team_id, conversation.assignee_id = team_id, None
    db.session.flush()
    record(conversation.organization_id, "conversation.moved", conversation, conversation_id=conversation.id,
           team_id=team_id, previous_team_id=previous)
