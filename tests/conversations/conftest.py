import pytest


@pytest.fixture
def create_conversation(app, create_channel, post_webhook, citizen_message):
    """Let a citizen write through the web form; returns the conversation."""
    from sqlalchemy import select

    from inbox.conversations.models import Conversation, Message
    from inbox.extensions import db

    def make(org, *, channel=None, **fields):
        channel = channel or create_channel(org)
        payload = citizen_message(**fields)
        assert post_webhook(channel, payload).status_code == 200
        message = db.session.scalar(select(Message).where(Message.external_id == payload["external_id"]))
        return db.session.get(Conversation, message.conversation_id)

    return make
