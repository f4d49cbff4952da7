"""Organizations are strictly isolated: another organization's things do not exist for you."""

from sqlalchemy import select

from inbox.audit.models import AuditEvent
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
    client.post_form("/org", {"org": second.id})
    assert "Frage an Zwei" in client.get("/inbox").get_data(as_text=True)
    third = create_org(name="Fremde Stadt")
    assert client.post_form("/org", {"org": third.id}).status_code == 404
    assert client.post_form("/org", {"org": "zwei"}).status_code == 404


def _flashes(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index('<div class="flashes"')
    return page[start:page.index("</div>", start)]


def test_admin_cannot_add_another_organizations_user_to_a_department(client, auth, create_org, create_user):
    from inbox.accounts.models import Membership
    from inbox.accounts.operations import find_user
    from inbox.orgs.operations import create_department

    essen, hamburg = create_org(name="Stadt Essen"), create_org(name="Hamburg")
    department = create_department(essen, "Ordnungsamt", "32")
    db.session.commit()
    hanna = create_user(hamburg, "editor", name="Hanna Hamburg", email="hanna@hamburg.example")
    auth.login(create_user(essen, "admin"))
    url = f"/admin/departments/{department.id}/members"
    theirs = client.post_form(url, {"email": "hanna@hamburg.example", "name": "Neue Person",
                                    "password": "lang genug 123"})
    unknown = client.post_form(url, {"email": "niemand@essen.example", "name": "Neue Person",
                                     "password": "lang genug 123"})
    for response in (theirs, unknown):
        assert response.status_code == 400
        assert "Kein Konto dieser Organisation mit dieser Adresse" in _flashes(response)
        assert "Hanna Hamburg" not in response.get_data(as_text=True)
    # The same answer for both: the page does not tell whether the address has an account elsewhere.
    assert _flashes(theirs) == _flashes(unknown)
    assert db.session.scalar(select(Membership).where(Membership.role == "press_officer")) is None
    assert find_user("niemand@essen.example") is None
    assert "Hanna Hamburg" not in client.get(f"/admin/departments/{department.id}").get_data(as_text=True)
    # Removing someone who is not in the department says so, and the audit trail records no revocation.
    removed = client.post_form(f"/admin/departments/{department.id}/members/{hanna.id}/remove",
                               follow_redirects=True)
    assert "Diese Person gehört nicht zur Pressestelle." in _flashes(removed)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.revoked")) is None


def test_admin_cannot_reach_another_organizations_department(client, auth, create_org, create_user):
    from inbox.accounts.models import Membership
    from inbox.orgs.operations import create_department

    essen, hamburg = create_org(name="Stadt Essen"), create_org(name="Hamburg")
    theirs = create_department(hamburg, "Bezirksamt Altona", "BA")
    db.session.commit()
    officer = create_user(hamburg, "press_officer", name="Olga Altona", department=theirs)
    essen_editor = create_user(essen, "editor", email="eddi@essen.example")
    auth.login(create_user(essen, "admin"))
    base = f"/admin/departments/{theirs.id}"
    assert client.get(base).status_code == 404
    assert client.post_form(base, {"name": "Gekapert", "short_name": "X", "deputy": 0}).status_code == 404
    assert client.post_form(base + "/members", {"email": "eddi@essen.example"}).status_code == 404
    assert client.post_form(f"{base}/members/{officer.id}/remove").status_code == 404
    db.session.expire_all()
    assert theirs.name == "Bezirksamt Altona"
    assert db.session.scalar(select(Membership).where(Membership.user_id == officer.id,
                                                      Membership.department_id == theirs.id))
    assert not db.session.scalar(select(Membership).where(Membership.user_id == essen_editor.id,
                                                          Membership.role == "press_officer"))
    assert "Bezirksamt Altona" not in client.get("/admin/departments/").get_data(as_text=True)
