"""Helpers for the polled channels' tests: run a poll like the worker does, reply like an editor.

Kept out of a conftest.py because tests/channels/ is shared with the other channel work.
"""

from __future__ import annotations

from sqlalchemy import func, select

from inbox.channels.models import Channel, RawEvent
from inbox.conversations.models import Conversation, Message
from inbox.extensions import db


def poll(channel) -> None:
    """One poll of the channel, then the processing jobs it queued (as the worker would run them)."""
    from inbox.channels.polling import poll_channel
    from inbox.jobs import run_ready

    poll_channel(channel.id)
    db.session.commit()
    run_ready()
    db.session.expire_all()


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def _id(channel_or_id) -> int:
    return channel_or_id if isinstance(channel_or_id, int) else channel_or_id.id


def inbound(channel) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.channel_id == _id(channel),
                                                         Message.direction == "in").order_by(Message.id)))


def conversations(channel) -> list[Conversation]:
    return list(db.session.scalars(select(Conversation).where(Conversation.channel_id == channel.id)
                                   .order_by(Conversation.id)))


def raw_events(channel) -> list[RawEvent]:
    return list(db.session.scalars(select(RawEvent).where(RawEvent.channel_id == channel.id).order_by(RawEvent.id)))


def fresh(channel) -> Channel:
    channel_id = _id(channel)
    db.session.expire_all()
    return db.session.get(Channel, channel_id)


def editor_replies(client, auth, create_user, org, conversation, text: str) -> Message:
    """An editor logs in and answers on the conversation page; returns the stored reply."""
    editor = create_user(org, "editor")
    auth.login(editor)
    page = client.get(f"/conversations/{conversation.id}")
    assert page.status_code == 200
    response = client.post_form(f"/conversations/{conversation.id}/reply", {"text": text})
    assert response.status_code == 303
    db.session.expire_all()
    return db.session.scalar(select(Message).where(Message.conversation_id == conversation.id,
                                                   Message.direction == "out").order_by(Message.id.desc()))


def poll_in_new_process(app, channel_id: int) -> None:
    """Poll from a freshly built app (as after a restart): nothing but the database carries over."""
    from inbox import create_app
    from inbox.channels.polling import poll_channel
    from inbox.jobs import run_ready

    db.session.remove()
    restarted = create_app({key: app.config[key] for key in ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY",
                                                              "JOBS_RAISE", "DATA_DIR")})
    with restarted.app_context():
        poll_channel(channel_id)
        db.session.commit()
        run_ready()
        db.session.remove()
        db.engine.dispose()
