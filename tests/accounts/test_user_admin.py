"""User administration: admins within their organization, leads for their team's editors; invitations and
password resets by a single-use link; deactivation ends sessions at once; every change in the audit trail."""

import re
from datetime import timedelta

from sqlalchemy import select

from inbox.accounts.models import Membership, User
from inbox.audit.models import AuditEvent
from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.operations import create_team
from tests.conftest import AuthActions, default_team

NEW_PASSWORD = "Kastanie Fahrrad Leuchtturm"


def _actions(org) -> list[str]:
    return db.session.scalars(select(AuditEvent.action).where(AuditEvent.organization_id == org.id)).all()


def _link(smtp) -> str:
    _to, mail = smtp.deliveries[-1]
    return re.search(r"http://mitreden\.test(/login/set-password/\S+)", mail.get_content()).group(1)


def test_admins_list_and_search_their_users_with_last_login(client, auth, create_org, create_user):
    org, other = create_org(), create_org()
    admin = create_user(org, "admin", name="Ada Admin")
    create_user(org, "editor", name="Bert Redakteur", email="bert@stadt.example")
    create_user(other, "editor", name="Fremder Redakteur")
    auth.login(admin)
    page = client.get("/admin/users/").get_data(as_text=True)
    assert "Bert Redakteur" in page and "Ada Admin" in page and "Fremder Redakteur" not in page
    assert "noch nie" in page  # Bert never logged in; Ada just did
    found = client.get("/admin/users/", query_string={"q": "BERT@"}).get_data(as_text=True)
    assert "Bert Redakteur" in found and "Ada Admin" not in found.split('id="users"')[1]


def test_an_admin_cannot_see_or_change_users_of_another_organization(client, auth, create_org, create_user):
    org, other = create_org(), create_org()
    admin = create_user(org, "admin")
    stranger = create_user(other, "editor")
    membership = stranger.memberships[0]
    auth.login(admin)
    assert client.get(f"/admin/users/{stranger.id}").status_code == 404
    assert client.post_form(f"/admin/users/{stranger.id}/deactivate").status_code == 404
    assert client.post_form(f"/admin/users/{stranger.id}/roles", {"role": "admin", "team": 0}).status_code == 404
    assert client.post_form(f"/admin/users/{stranger.id}/roles/{membership.id}/remove").status_code == 404
    assert client.post_form(f"/admin/users/{stranger.id}/reset-password").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, stranger.id).active and db.session.get(Membership, membership.id) is not None


def test_a_user_of_two_organizations_keeps_the_other_organizations_roles(client, auth, create_org, create_user):
    org, other = create_org(), create_org()
    admin = create_user(org, "admin")
    both = create_user(org, "editor", email="beide@example.org")
    create_user(other, "lead", email="beide@example.org")
    here = next(m for m in both.memberships if m.organization_id == org.id)
    auth.login(admin)
    page = client.get(f"/admin/users/{both.id}").get_data(as_text=True)
    assert "Redaktion" in page and "Teamleitung" not in page.split('id="roles"')[1].split("</table>")[0]
    refused = client.post_form(f"/admin/users/{both.id}/deactivate", follow_redirects=True)
    assert "auch für eine andere Organisation" in refused.get_data(as_text=True)
    client.post_form(f"/admin/users/{both.id}/roles/{here.id}/remove")
    db.session.expire_all()
    left = db.session.scalars(select(Membership).where(Membership.user_id == both.id)).all()
    assert [(m.organization_id, m.role) for m in left] == [(other.id, "lead")]
    assert db.session.get(User, both.id).active
    assert "membership.revoked" in _actions(org) and "membership.revoked" not in _actions(other)


def test_roles_per_team_are_granted_and_audited(client, auth, create_org, create_user):
    org = create_org()
    museum = create_team(org, "museum", "Museum")
    db.session.commit()
    admin = create_user(org, "admin")
    editor = create_user(org, "editor")
    auth.login(admin)
    client.post_form(f"/admin/users/{editor.id}/roles", {"role": "lead", "team": museum.id, "department": 0})
    db.session.expire_all()
    assert ("lead", museum.id) in {(m.role, m.team_id) for m in db.session.get(User, editor.id).memberships}
    assert "membership.granted" in _actions(org)
    # A team of another organization cannot be named.
    other_team = create_org().teams[0]
    response = client.post_form(f"/admin/users/{editor.id}/roles", {"role": "lead", "team": other_team.id},
                                follow_redirects=True)
    assert other_team.id not in {m.team_id for m in db.session.get(User, editor.id).memberships}
    assert response.status_code in (200, 400)


def test_the_last_admin_cannot_be_removed(client, auth, create_org, create_user):
    org = create_org()
    admin = create_user(org, "admin")
    auth.login(admin)
    membership = admin.memberships[0]
    response = client.post_form(f"/admin/users/{admin.id}/roles/{membership.id}/remove", follow_redirects=True)
    assert "letzte Admin" in response.get_data(as_text=True)
    assert db.session.get(Membership, membership.id) is not None


def test_leads_manage_only_their_teams_editors(client, auth, create_org, create_user):
    org = create_org()
    museum = create_team(org, "museum", "Museum")
    db.session.commit()
    lead = create_user(org, "lead", name="Lea Leitung")
    mine = create_user(org, "editor", name="Eigene Redakteurin")
    theirs = create_user(org, "editor", name="Museums-Redakteur", team=museum)
    auth.login(lead)
    page = client.get("/admin/users/").get_data(as_text=True)
    assert "Eigene Redakteurin" in page and "Museums-Redakteur" not in page
    assert client.get(f"/admin/users/{theirs.id}").status_code == 404
    # Editor in their own team: yes; lead or admin, or another team: no.
    client.post_form(f"/admin/users/{mine.id}/roles", {"role": "admin", "team": 0})
    client.post_form(f"/admin/users/{mine.id}/roles", {"role": "lead", "team": default_team(org).id})
    client.post_form(f"/admin/users/{mine.id}/roles", {"role": "editor", "team": museum.id})
    roles = {(m.role, m.team_id) for m in db.session.scalars(select(Membership).where(Membership.user_id == mine.id))}
    assert roles == {("editor", default_team(org).id)}
    assert client.post_form(f"/admin/users/{mine.id}/deactivate").status_code == 403
    own = mine.memberships[0]
    assert client.post_form(f"/admin/users/{mine.id}/roles/{own.id}/remove").status_code == 303
    assert db.session.get(Membership, own.id) is None


def test_invitation_sets_the_password_once(client, auth, create_org, create_user, smtp):
    org = create_org()
    admin = create_user(org, "admin")
    auth.login(admin)
    response = client.post_form("/admin/users/invite", {"email": "neu@stadt.example", "name": "Nora Neu",
                                                        "role": "editor", "team": org.teams[0].id, "department": 0},
                                follow_redirects=True)
    assert "Eine E-Mail mit dem Link" in response.get_data(as_text=True)
    recipients, mail = smtp.deliveries[-1]
    assert recipients == ["neu@stadt.example"] and mail["Subject"] == "Ihre Einladung zu Mitreden"
    link = _link(smtp)
    auth.logout()

    weak = client.post_form(link, {"password": "passwort123", "repeat": "passwort123"})
    assert weak.status_code == 400 and "zu leicht zu erraten" in weak.get_data(as_text=True)
    done = client.post_form(link, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.status_code == 303
    assert auth.login("neu@stadt.example", NEW_PASSWORD).status_code == 302
    auth.logout()
    again = client.get(link)
    assert again.status_code == 410 and "schon benutzt" in again.get_data(as_text=True)
    assert client.post_form(link, {"password": "Zweites Passwort Hier", "repeat": "Zweites Passwort Hier"}
                            ).status_code == 410
    assert {"user.invited", "user.mailed", "user.password_set"} <= set(_actions(org))


def test_an_invitation_expires(client, auth, create_org, create_user, smtp):
    org = create_org()
    auth.login(create_user(org, "admin"))
    client.post_form("/admin/users/invite", {"email": "spaet@stadt.example", "name": "Sven Spät", "role": "editor",
                                             "team": org.teams[0].id})
    link = _link(smtp)
    auth.logout()
    clock.advance(timedelta(hours=73))
    response = client.get(link)
    assert response.status_code == 410 and "abgelaufen" in response.get_data(as_text=True)
    assert client.get(link[:-3] + "abc").status_code == 410


def test_without_a_mail_server_the_admin_gets_the_link(client, auth, create_org, create_user):
    org = create_org()
    auth.login(create_user(org, "admin"))
    page = client.post_form("/admin/users/invite", {"email": "ohne@stadt.example", "name": "Olga Ohne",
                                                    "role": "editor", "team": org.teams[0].id},
                            follow_redirects=True).get_data(as_text=True)
    assert "kein Mailserver eingetragen" in page and "/login/set-password/" in page


def test_deactivating_ends_the_sessions_at_once(client, auth, client_at, create_org, create_user):
    org = create_org()
    admin = create_user(org, "admin")
    create_user(org, "admin")  # not the last admin
    editor = create_user(org, "editor")
    laptop = client_at("198.51.100.7")
    AuthActions(laptop).login(editor)
    assert laptop.get("/inbox").status_code == 200
    auth.login(admin)
    response = client.post_form(f"/admin/users/{editor.id}/deactivate", follow_redirects=True)
    assert "1 offene Sitzung(en) sind beendet" in response.get_data(as_text=True)
    assert laptop.get("/inbox").status_code == 302
    assert AuthActions(laptop).login(editor).status_code == 401
    client.post_form(f"/admin/users/{editor.id}/activate")
    assert AuthActions(laptop).login(editor).status_code == 302
    assert {"user.deactivated", "user.reactivated"} <= set(_actions(org))


def test_a_password_reset_link_ends_the_old_sessions(client, auth, client_at, create_org, create_user, smtp):
    org = create_org()
    admin = create_user(org, "admin")
    editor = create_user(org, "editor")
    laptop = client_at("198.51.100.7")
    AuthActions(laptop).login(editor)
    auth.login(admin)
    client.post_form(f"/admin/users/{editor.id}/reset-password")
    assert smtp.deliveries[-1][1]["Subject"] == "Neues Passwort für Mitreden"
    link = _link(smtp)
    assert laptop.get("/inbox").status_code == 200  # the old password works until a new one is set
    anonymous = client_at("192.0.2.1")
    assert anonymous.post_form(link, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}).status_code == 303
    assert laptop.get("/inbox").status_code == 302
    assert AuthActions(anonymous).login(editor, NEW_PASSWORD).status_code == 302
    assert "user.password_reset_requested" in _actions(org)


def test_editors_cannot_open_user_administration(client, auth, create_org, create_user):
    org = create_org()
    auth.login(create_user(org, "editor"))
    assert client.get("/admin/users/").status_code == 403
    assert client.post_form("/admin/users/invite", {"email": "x@example.org", "name": "X", "role": "admin"}
                            ).status_code == 403


def test_without_a_mail_server_no_link_for_an_account_of_another_organization(client, auth, create_org,
                                                                               create_user):
    org, other = create_org(), create_org()
    auth.login(create_user(org, "admin"))
    both = create_user(org, "editor", email="beide@example.org")
    create_user(other, "admin", email="beide@example.org")
    page = client.post_form(f"/admin/users/{both.id}/reset-password", follow_redirects=True).get_data(as_text=True)
    assert "Nichts wurde gesendet" in page and "/login/set-password/" not in page


def test_an_admin_resets_a_lost_second_factor(client, auth, client_at, create_org, create_user):
    from tests.accounts.test_two_factor import enrol

    org = create_org()
    admin = create_user(org, "admin")
    editor = create_user(org, "editor")
    phone = client_at("198.51.100.7")
    AuthActions(phone).login(editor)
    enrol(phone)
    auth.login(admin)
    assert "Zwei-Faktor-Anmeldung zurücksetzen" in client.get(f"/admin/users/{editor.id}").get_data(as_text=True)
    client.post_form(f"/admin/users/{editor.id}/reset-2fa")
    assert phone.get("/inbox").status_code == 302  # its sessions ended
    assert AuthActions(phone).login(editor).status_code == 302  # the password alone again, then set it up anew
    assert phone.get("/inbox").status_code == 200
    assert "totp.disabled" in _actions(org)
