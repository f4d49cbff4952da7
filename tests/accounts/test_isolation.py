"""Organizations are strictly isolated: another organization's things do not exist for you."""

from sqlalchemy import select

from inbox.conversations.models import Message
from inbox.extensions import db


def test_other_organizations_conversation_is_404(client, auth, create_org, create_user, create_channel,
                                                 post_webhook, citizen_message):
    essen, hamburg = create_org(name="Stadt Essen"), create_org(name="Hamburg")
    post_webhook(create_channel(hamburg), citizen_message(subject="Hamburger Geheimnis"))
    theirs = db.session.scalar(select(Message))
    auth.login(create_user(essen))
    assert client.get(f"/conversations/{theirs.conversation_id}").status_code == 404
    for action in ("reply", "note", "assign", "resolve", "reopen", "move"):
        assert client.post_form(f"/conversations/{theirs.conversation_id}/{action}", {"text": "x"}).status_code == 404
    assert "Hamburger Geheimnis" not in client.get("/inbox").get_data(as_text=True)
    assert "Hamburger Geheimnis" not in client.get(f"/inbox?channel={theirs.channel_id}").get_data(as_text=True)


def test_other_teams_conversation_is_404_for_team_editors(client, auth, create_org, create_user, create_channel,
                                                          post_webhook, citizen_message):
    from inbox.orgs.operations import create_team

    org = create_org()
    fire = create_team(org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    post_webhook(create_channel(org, team=fire), citizen_message(subject="Rauchmelder"))
    message = db.session.scalar(select(Message))
    auth.login(create_user(org, "editor"))  # in the central team only
    assert client.get(f"/conversations/{message.conversation_id}").status_code == 404
    assert "Rauchmelder" not in client.get("/inbox").get_data(as_text=True)


def test_user_in_two_organizations_switches_between_them(client, auth, create_org, create_user, create_channel,
                                                         post_webhook, citizen_message):
    first, second = create_org(name="Stadt Eins"), create_org(name="Stadt Zwei")
    post_webhook(create_channel(second), citizen_message(subject="Frage an Zwei"))
    user = create_user(first, "editor", email="both@example.org")
    create_user(second, "editor", email="both@example.org")
    auth.login(user)
    assert "Frage an Zwei" not in client.get("/inbox").get_data(as_text=True)
    client.post_form(f"/org/{second.id}")
    assert "Frage an Zwei" in client.get("/inbox").get_data(as_text=True)
    third = create_org(name="Fremde Stadt")
    assert client.post_form(f"/org/{third.id}").status_code == 404
