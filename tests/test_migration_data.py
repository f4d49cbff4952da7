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
