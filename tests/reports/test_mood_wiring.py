"""Each inbound message gets its mood when it arrives; editors correct it, the correction is kept and audited."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from inbox.audit.models import AuditEvent
from inbox.conversations.models import Message
from inbox.extensions import db
from tests.conftest import _migrate, new_database


def html(response) -> str:
    return response.get_data(as_text=True)


def inbound(conversation) -> Message:
    return db.session.scalars(select(Message).where(Message.conversation_id == conversation.id,
                                                    Message.direction == "in")).one()


def test_an_arriving_message_gets_its_mood_and_the_page_shows_it(client, auth, create_org, create_user,
                                                                 create_conversation):
    org = create_org()
    conversation = create_conversation(org, text="Ich bin sehr enttäuscht, seit drei Wochen passiert nichts.")
    assert inbound(conversation).mood == "negative"
    auth.login(create_user(org))
    page = html(client.get(f"/conversations/{conversation.id}"))
    assert "Stimmung: <strong>negativ</strong> (automatische Analyse)" in page


def test_an_edit_by_the_citizen_is_judged_again(app, create_org, create_channel, post_webhook, citizen_message,
                                                 create_conversation):
    from inbox.channels.adapters.base import InboundMessage
    from inbox.conversations.operations import ingest

    org = create_org()
    channel = create_channel(org)
    conversation = create_conversation(org, channel=channel, external_id="m-1", text="Danke, das war super!")
    assert inbound(conversation).mood == "positive"
    ingest(channel, InboundMessage(external_id="m-1", author_id="x", text="Das ist eine Frechheit.", event="edit"))
    db.session.commit()
    assert inbound(conversation).mood == "negative"


def test_an_editor_corrects_the_mood_and_the_correction_is_kept_and_audited(client, auth, create_org, create_user,
                                                                             create_conversation):
    org = create_org()
    editor = create_user(org, name="Eva Editor")
    conversation = create_conversation(org, text="Wann kommt der Sperrmüll?")
    message = inbound(conversation)
    assert message.mood == "neutral"
    auth.login(editor)
    response = client.post_form(f"/nachrichten/{message.id}/stimmung", {"mood": "negative"})
    assert response.status_code == 303
    page = html(client.get(f"/conversations/{conversation.id}"))
    assert "Stimmung: <strong>negativ</strong> (korrigiert am" in page and "Analyse: neutral" in page
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert (message.mood, message.mood_corrected, message.effective_mood) == ("neutral", "negative", "negative")
    assert message.mood_corrected_by_id == editor.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "message.mood_corrected")).one()
    assert (event.actor_id, event.detail["mood"], event.detail["previous"]) == (editor.id, "negative", "neutral")


def test_a_mood_outside_the_three_labels_is_refused(client, auth, create_org, create_user, create_conversation):
    org = create_org()
    conversation = create_conversation(org)
    auth.login(create_user(org))
    response = client.post_form(f"/nachrichten/{inbound(conversation).id}/stimmung", {"mood": "wütend"})
    assert response.status_code == 400
    assert inbound(conversation).mood_corrected is None


def test_no_one_corrects_another_teams_or_organizations_messages(client, auth, create_org, create_user,
                                                                  create_conversation):
    from inbox.orgs.operations import create_team

    org, other_org = create_org(), create_org()
    other_team = create_team(org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    message_id = inbound(create_conversation(org)).id
    for user in (create_user(org, team=other_team), create_user(other_org)):
        auth.login(user)
        assert client.post_form(f"/nachrichten/{message_id}/stimmung", {"mood": "positive"}).status_code == 404
        auth.logout()
    assert db.session.get(Message, message_id).mood_corrected is None


class TestBackfill:
    @pytest.fixture
    def database_url(self, db_backend, tmp_path):
        with new_database(db_backend, tmp_path) as url:
            _migrate(url)
            yield url

    def test_the_migration_gives_messages_stored_before_it_their_mood(self, app, create_org, create_conversation):
        conversation_id = create_conversation(create_org(), text="Vielen Dank, das Bürgerbüro war sehr freundlich!").id
        db.session.execute(update(Message).values(mood=None))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0008_forward_mail_check")
        upgrade()
        assert db.session.scalars(select(Message.mood).where(Message.conversation_id == conversation_id)).one() \
            == "positive"
