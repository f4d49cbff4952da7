"""The editor workspace: inbox views, the conversation page and its actions."""

from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.conversations.models import Message
from inbox.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def test_inbox_lists_conversations_newest_first(client, auth, create_org, create_user, create_channel,
                                                create_conversation):
    org = create_org()
    channel = create_channel(org)
    create_conversation(org, channel=channel, subject="Ältere Frage", email="a@example.net")
    create_conversation(org, channel=channel, subject="Neuere Frage", email="b@example.net")
    auth.login(create_user(org))
    # In service hours the default is the urgency sort (tests/conversations/test_triage.py); asked for, newest first.
    page = html(client.get("/inbox?sort=recent"))
    assert page.index("Neuere Frage") < page.index("Ältere Frage")


def test_views_mine_unassigned_open_resolved(client, auth, create_org, create_user, create_channel,
                                             create_conversation):
    from inbox.conversations import operations

    org = create_org()
    editor = create_user(org)
    channel = create_channel(org)
    mine = create_conversation(org, channel=channel, subject="Meine Frage", email="a@example.net")
    create_conversation(org, channel=channel, subject="Freie Frage", email="b@example.net")
    done = create_conversation(org, channel=channel, subject="Erledigte Frage", email="c@example.net")
    operations.assign(mine, editor.id)
    operations.resolve(done)
    db.session.commit()
    auth.login(editor)
    assert "Meine Frage" in html(client.get("/inbox?view=mine"))
    assert "Freie Frage" not in html(client.get("/inbox?view=mine"))
    unassigned = html(client.get("/inbox?view=unassigned"))
    assert "Freie Frage" in unassigned and "Meine Frage" not in unassigned
    resolved = html(client.get("/inbox?view=resolved"))
    assert "Erledigte Frage" in resolved and "Freie Frage" not in resolved
    assert "Erledigte Frage" not in html(client.get("/inbox?view=open"))
    assert client.get("/inbox?view=bogus").status_code == 400


def test_filter_by_channel(client, auth, create_org, create_user, create_channel, create_conversation):
    org = create_org()
    first, second = create_channel(org, name="Formular A"), create_channel(org, name="Formular B")
    create_conversation(org, channel=first, subject="Über A")
    create_conversation(org, channel=second, subject="Über B")
    auth.login(create_user(org))
    page = html(client.get(f"/inbox?channel={second.id}"))
    assert "Über B" in page and "Über A" not in page


def test_inbox_is_paged(app, client, auth, create_org, create_user, create_channel, create_conversation):
    app.config["SETTINGS"]["app"]["page_size"] = 2
    org = create_org()
    channel = create_channel(org)
    for n in range(3):
        create_conversation(org, channel=channel, subject=f"Frage {n}", email=f"p{n}@example.net")
    auth.login(create_user(org))
    first = html(client.get("/inbox?sort=recent"))
    assert "Frage 2" in first and "Frage 1" in first and "Frage 0" not in first and 'rel="next"' in first
    second = html(client.get("/inbox?sort=recent&page=2"))
    assert "Frage 0" in second and 'rel="next"' not in second


def test_citizen_content_is_escaped(client, auth, create_org, create_user, create_conversation):
    org = create_org()
    conversation = create_conversation(org, subject="<script>alert(1)</script>", name="<b>Mallory</b>",
                                       text="<img src=x onerror=alert(1)>")
    auth.login(create_user(org))
    for page in (html(client.get("/inbox")), html(client.get(f"/conversations/{conversation.id}"))):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img src=x" not in page and "<b>Mallory</b>" not in page


def test_reply_is_stored_and_shown_in_history(client, auth, create_org, create_user, create_conversation):
    org = create_org()
    conversation = create_conversation(org, text="Wann ist das Bürgerbüro offen?")
    editor = create_user(org, name="Jana Redakteurin")
    auth.login(editor)
    response = client.post_form(f"/conversations/{conversation.id}/reply",
                                {"text": "Montags bis freitags von 8 bis 18 Uhr."}, follow_redirects=True)
    page = html(response)
    page = page[page.index('id="history"'):]  # the list beside it previews the reply too
    assert page.index("Wann ist das Bürgerbüro offen?") < page.index("Montags bis freitags von 8 bis 18 Uhr.")
    reply = db.session.scalar(select(Message).where(Message.direction == "out"))
    assert reply.author_id == editor.id
    db.session.refresh(conversation)
    assert conversation.first_response_at is not None
    assert conversation.assignee_id == editor.id


def test_reply_without_mail_server_fails_visibly_and_can_be_retried(client, auth, create_org, create_user,
                                                                   create_conversation):
    org = create_org()
    conversation = create_conversation(org)
    auth.login(create_user(org))
    page = html(client.post_form(f"/conversations/{conversation.id}/reply", {"text": "Antwort"},
                                 follow_redirects=True))
    assert "fehlgeschlagen: Kein SMTP-Server" in page
    assert "Erneut senden" in page


def test_empty_reply_shows_an_error_and_stores_nothing(client, auth, create_org, create_user, create_conversation):
    org = create_org()
    conversation = create_conversation(org)
    auth.login(create_user(org))
    page = html(client.post_form(f"/conversations/{conversation.id}/reply", {"text": ""}, follow_redirects=True))
    assert "Die Antwort ist leer." in page
    assert db.session.scalar(select(Message).where(Message.direction == "out")) is None


def test_note_assign_resolve_reopen_are_in_history_and_audit(client, auth, create_org, create_user,
                                                              create_conversation):
    org = create_org()
    conversation = create_conversation(org)
    editor = create_user(org, name="Jana Redakteurin")
    colleague = create_user(org, name="Tim Schulte")
    auth.login(editor)
    cid = conversation.id
    client.post_form(f"/conversations/{cid}/note", {"text": "Fachamt anrufen"})
    client.post_form(f"/conversations/{cid}/assign", {"to_me": "1"})
    client.post_form(f"/conversations/{cid}/assign", {"assignee": str(colleague.id)})
    client.post_form(f"/conversations/{cid}/resolve")
    client.post_form(f"/conversations/{cid}/reopen")
    page = html(client.get(f"/conversations/{cid}"))
    assert "Fachamt anrufen" in page
    assert "hat zugewiesen an Tim Schulte" in page
    assert "hat als erledigt markiert" in page and "hat wieder geöffnet" in page
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.conversation_id == cid)
                                                    .order_by(AuditEvent.id))]
    assert actions[-5:] == ["note.added", "conversation.assigned", "conversation.assigned",
                            "conversation.resolved", "conversation.reopened"]
    assert all(e.actor_id == editor.id for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.conversation_id == cid, AuditEvent.action != "conversation.opened",
                                 AuditEvent.action != "message.received")))


def test_assigning_to_someone_outside_the_team_is_refused(client, auth, create_org, create_user,
                                                          create_conversation):
    org, other_org = create_org(), create_org()
    conversation = create_conversation(org)
    stranger = create_user(other_org)
    auth.login(create_user(org))
    response = client.post_form(f"/conversations/{conversation.id}/assign", {"assignee": str(stranger.id)})
    assert response.status_code in (302, 303, 400)
    db.session.refresh(conversation)
    assert conversation.assignee_id is None


def test_actions_need_csrf_token(client, auth, create_org, create_user, create_conversation):
    org = create_org()
    conversation = create_conversation(org)
    auth.login(create_user(org))
    assert client.post(f"/conversations/{conversation.id}/resolve").status_code == 400
    assert client.post(f"/conversations/{conversation.id}/reply", data={"text": "x"}).status_code == 400
    db.session.refresh(conversation)
    assert conversation.status == "open"


def test_move_to_another_team(client, auth, create_org, create_user, create_conversation):
    from inbox.orgs.operations import create_team

    org = create_org()
    fire = create_team(org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    conversation = create_conversation(org)
    lead = create_user(org, "admin")
    auth.login(lead)
    client.post_form(f"/conversations/{conversation.id}/move", {"team": str(fire.id), "confirmed": "1"})
    db.session.refresh(conversation)
    assert conversation.team_id == fire.id
    fire_editor = create_user(org, "editor", team=fire)
    auth.logout()
    auth.login(fire_editor)
    assert client.get(f"/conversations/{conversation.id}").status_code == 200
