"""Migrations that rebuild a table keep the rows already stored, on SQLite as on PostgreSQL."""

import json

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from tests.conftest import _migrate, new_database


@pytest.fixture
def database_url(db_backend, tmp_path):
    """A database of this test's own: the test migrates it down and up again."""
    with new_database(db_backend, tmp_path) as url:
        _migrate(url)
        yield url


def test_raw_event_rebuild_keeps_the_events_and_the_messages_that_point_to_them(
        app, create_org, create_channel, post_webhook, citizen_message):
    from inbox.channels.known import inbound_body
    from inbox.channels.models import RawEvent
    from inbox.conversations.models import Message
    from inbox.extensions import db

    channel = create_channel(create_org())
    sent = citizen_message("kept-1", text="Wann öffnet das Bürgerbüro?")
    assert post_webhook(channel, sent).status_code == 200
    assert inbound_body(channel, "kept-1") == json.dumps(sent).encode()
    db.session.remove()

    # 0006 drops raw_event's foreign keys: on SQLite that rebuilds the table, both ways.
    downgrade(revision="0005_raw_event_pending")
    upgrade()

    assert inbound_body(channel, "kept-1") == json.dumps(sent).encode()
    message = db.session.scalars(select(Message).where(Message.external_id == "kept-1")).one()
    assert message.raw_event_id is not None
    assert db.session.get(RawEvent, message.raw_event_id).status == "processed"


def test_triage_migration_fills_preview_and_urgency_of_stored_conversations(
        app, client, auth, create_org, create_user, create_channel, post_webhook, citizen_message):
    from inbox.conversations import urgency
    from inbox.conversations.models import Conversation
    from inbox.extensions import db
    from inbox.sla import operations as sla
    from inbox.sla.models import ConversationSLA

    org = create_org()
    channel, editor = create_channel(org), create_user(org)
    assert post_webhook(channel, citizen_message(subject="Beantwortet", email="a@example.net",
                                                 text="Wo ist\ndas Fundbüro?")).status_code == 200
    assert post_webhook(channel, citizen_message(subject="Wartet", email="b@example.net")).status_code == 200
    answered, running = db.session.scalars(select(Conversation).order_by(Conversation.id)).all()
    auth.login(editor)
    client.post_form(f"/conversations/{answered.id}/reply", {"text": "Im Rathaus, Zimmer 12."})
    sla.answered(sla.row_for(answered))  # as the sweep does after a reply
    db.session.commit()
    asked_at = db.session.get(Conversation, answered.id).last_inbound_at
    due_at = db.session.scalar(select(ConversationSLA.due_at).where(ConversationSLA.conversation_id == running.id))
    assert due_at is not None
    db.session.remove()

    # 0017 adds the columns: stored conversations get them from their messages and SLA rows.
    downgrade(revision="0008_forward_mail_check")
    upgrade()

    answered, running = db.session.scalars(select(Conversation).order_by(Conversation.id)).all()
    assert (answered.last_message_preview, answered.last_message_direction) == ("Im Rathaus, Zimmer 12.", "out")
    assert (running.last_message_preview, running.last_message_direction) == ("Wann kommt der Sperrmüll?", "in")
    assert running.is_public is False
    assert (running.urgency_tier, running.urgency_at) == (urgency.DUE, due_at)
    assert (answered.urgency_tier, answered.urgency_at) == (urgency.ASSIGNED, asked_at)
