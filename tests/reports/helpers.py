"""Building known histories for the report tests: messages at given local times, replies, forwards."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db


def at(text: str) -> datetime:
    """'2026-11-13 21:30' Berlin time."""
    return datetime.fromisoformat(text).replace(tzinfo=clock.BERLIN)


def citizen_writes(post_webhook, citizen_message, channel, when: str, **fields) -> Conversation:
    clock.set_time(at(when))
    fields.setdefault("email", f"{uuid.uuid4().hex[:8]}@example.net")  # one citizen, one conversation
    payload = citizen_message(**fields)
    assert post_webhook(channel, payload).status_code == 200
    message = db.session.scalar(select(Message).where(Message.external_id == payload["external_id"]))
    return db.session.get(Conversation, message.conversation_id)


def editor_replies(conversation: Conversation, editor, when: str, text: str = "Danke, wir kümmern uns.") -> None:
    from inbox.conversations import operations

    clock.set_time(at(when))
    operations.reply(db.session.get(Conversation, conversation.id), editor.id, text)
    db.session.info.pop("jobs", None)  # delivering the reply is not what these tests look at
    db.session.commit()


def roll_up(after: str) -> None:
    """Let the rollup pass run once the events have settled."""
    from inbox.reports import rollup

    clock.set_time(at(after) + timedelta(minutes=5))
    rollup.run()
    db.session.commit()
