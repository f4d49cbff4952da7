"""Honest flashes and the guards of the workspace: what the editor is told and asked, without JavaScript."""

from sqlalchemy import select

from inbox.conversations.models import Conversation
from inbox.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def test_failed_reply_is_flashed_as_failed_not_as_handed_over(client, auth, create_org, create_user,
                                                              create_conversation):
    org = create_org()
    conversation = create_conversation(org)
    auth.login(create_user(org))
    page = html(client.post_form(f"/conversations/{conversation.id}/reply", {"text": "Antwort"},
                                 follow_redirects=True))
    flashes = page[page.index('id="flashes"'):page.index('id="workspace"')]
    assert "Antwort fehlgeschlagen: Kein SMTP-Server" in flashes
    assert "kern-alert--danger" in flashes and "zum Versand übergeben" not in page


def test_resolving_after_a_failed_reply_asks_first(client, auth, create_org, create_user, create_conversation):
    org = create_org()
    conversation = create_conversation(org)
    auth.login(create_user(org))
    cid = conversation.id
    client.post_form(f"/conversations/{cid}/reply", {"text": "Antwort"})
    asked = client.post_form(f"/conversations/{cid}/resolve", {}, follow_redirects=True)
    assert "Trotzdem als erledigt markieren?" in html(asked) and "nicht erhalten" in html(asked)
    assert db.session.get(Conversation, cid).status == "open"
    done = client.post_form(f"/conversations/{cid}/resolve", {"confirmed": "1"}, follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Conversation, cid).status == "resolved"
    assert "Rückgängig" in html(done)


def test_resolving_without_a_pending_reply_does_not_ask_and_can_be_undone(client, auth, create_org, create_user,
                                                                          create_conversation):
    org = create_org()
    conversation = create_conversation(org)
    auth.login(create_user(org))
    cid = conversation.id
    page = html(client.post_form(f"/conversations/{cid}/resolve", {}, follow_redirects=True))
    assert "Als erledigt markiert." in page and "Rückgängig" in page
    db.session.expire_all()
    assert db.session.get(Conversation, cid).status == "resolved"
    client.post_form(f"/conversations/{cid}/reopen", {"undo": "1"})
    db.session.expire_all()
    assert db.session.get(Conversation, cid).status == "open"


def test_hand_over_to_the_same_team_is_refused_and_another_team_asks_first(client, auth, create_org, create_user,
                                                                           create_conversation):
    from inbox.orgs.operations import create_team

    org = create_org()
    fire = create_team(org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    conversation = create_conversation(org)
    cid, own_team = conversation.id, conversation.team_id
    auth.login(create_user(org, "admin"))
    same = html(client.post_form(f"/conversations/{cid}/move", {"team": str(own_team)}, follow_redirects=True))
    assert "ist schon beim Team" in same
    asked = html(client.post_form(f"/conversations/{cid}/move", {"team": str(fire.id)}, follow_redirects=True))
    assert "An „Feuerwehr“ übergeben?" in asked
    db.session.expire_all()
    assert db.session.scalar(select(Conversation.team_id).where(Conversation.id == cid)) == own_team


def test_htmx_gets_only_the_pane_it_asks_for(client, auth, create_org, create_user, create_conversation):
    org = create_org()
    conversation = create_conversation(org, subject="Sperrmüll")
    auth.login(create_user(org))
    pane = html(client.get(f"/conversations/{conversation.id}", headers={"HX-Request": "true",
                                                                          "HX-Target": "conv-pane"}))
    assert 'id="conversation"' in pane and "<html" not in pane and 'hx-swap-oob="true"' in pane
    listing = html(client.get("/inbox", headers={"HX-Request": "true", "HX-Target": "list-pane"}))
    assert 'id="conv-list"' in listing and "<html" not in listing and f'id="conv-{conversation.id}"' in listing
    full = html(client.get(f"/conversations/{conversation.id}"))
    assert "<html" in full and 'id="conv-list"' in full and 'id="conversation"' in full
