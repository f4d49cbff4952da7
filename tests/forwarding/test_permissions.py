"""Who may see and do what: every portal route, links, editor-only routes, department admin, uploads."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.core import clock
from inbox.extensions import db
from inbox.forwarding import links

PORTAL_POSTS = {"answer": {"answer-text": "x"}, "ask": {"ask-text": "x"}, "handover": {"officer": 1},
                "decline": {"reason": "x", "suggested": 0}}


def _file(forward):
    from inbox.forwarding.files import store

    row = store(forward, "plan.pdf", b"%PDF-1.4 plan")
    db.session.commit()
    return row


def test_other_department_gets_404_on_every_portal_route(app, client, auth, city, make_forward):
    forward = make_forward(city.ordnung)
    row = _file(forward)
    auth.login(city.other_officer)
    assert client.get(f"/portal/forwards/{forward.id}").status_code == 404
    assert client.get(f"/portal/forwards/{forward.id}/files/{row.id}").status_code == 404
    for action, data in PORTAL_POSTS.items():
        assert client.post_form(f"/portal/forwards/{forward.id}/{action}", data).status_code == 404, action
    assert "Keine Anfragen." in client.get("/portal/").get_data(as_text=True)
    assert forward.state == "open"


def test_press_officer_cannot_reach_conversations_or_editor_actions(app, client, auth, city, make_forward):
    forward = make_forward()
    row = _file(forward)
    auth.login(city.officer)
    cid = city.conversation.id
    for url in ("/inbox", f"/conversations/{cid}", "/forwards", f"/forwards/{forward.id}/files/{row.id}",
                "/admin/departments/"):
        assert client.get(url).status_code == 403, url
    assert client.post_form(f"/conversations/{cid}/forwards", {"department": city.ordnung.id,
                                                              "question": "x"}).status_code == 403
    assert client.post_form(f"/forwards/{forward.id}/reply", {"text": "x"}).status_code == 403
    assert client.post_form(f"/conversations/{cid}/reply", {"text": "x"}).status_code == 403


def test_own_department_sees_only_what_was_sent_and_every_view_is_audited(app, client, auth, city, make_forward):
    forward = make_forward()
    auth.login(city.officer)
    assert client.get("/").headers["Location"].endswith("/portal/")
    page = client.get(f"/portal/forwards/{forward.id}").get_data(as_text=True)
    assert "Gibt es eine Genehmigung" in page
    assert "Karin Vogel" not in page and "k.vogel@example.net" not in page and "Warum ist die Musik" not in page
    viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "forward.viewed"))
    assert viewed.actor_id == city.officer.id and viewed.object_id == forward.id


def test_editor_and_anonymous_are_kept_out_of_the_portal(app, client, auth, city, make_forward):
    forward = make_forward()
    assert client.get(f"/portal/forwards/{forward.id}").status_code == 404
    assert client.get("/portal/").status_code == 302  # to the login
    auth.login(city.editor)
    assert client.get("/portal/").status_code == 403
    assert client.get(f"/portal/forwards/{forward.id}").status_code == 404


def test_press_officer_of_another_city_gets_404(app, client, auth, city, make_forward, create_org, create_user):
    from inbox.orgs.operations import create_department

    forward = make_forward()
    other_org = create_org()
    department = create_department(other_org, "Ordnungsamt", "32")
    db.session.commit()
    auth.login(create_user(other_org, "press_officer", department=department))
    assert client.get(f"/portal/forwards/{forward.id}").status_code == 404


def test_link_opens_only_its_forward_once_and_expires(app, client, city, make_forward):
    forward, other = make_forward(), make_forward()
    token = links.make_token(forward)
    assert client.get(f"/portal/link/{token}").status_code == 303
    assert client.get(f"/portal/forwards/{forward.id}").status_code == 200
    assert client.get(f"/portal/forwards/{other.id}").status_code == 404
    assert client.get("/portal/").status_code == 302
    assert client.post_form(f"/portal/forwards/{forward.id}/handover", {"officer": city.colleague.id}
                            ).status_code == 403  # a link opens the forward, not the colleague list

    reused = app.test_client().get(f"/portal/link/{token}")
    assert reused.status_code == 403 and "schon benutzt" in reused.get_data(as_text=True)
    expired_token = links.make_token(other)
    clock.set_time(clock.now() + timedelta(hours=169))
    expired = app.test_client().get(f"/portal/link/{expired_token}")
    assert expired.status_code == 403 and "abgelaufen" in expired.get_data(as_text=True)
    forged = app.test_client().get(f"/portal/link/{token[:-3]}abc")
    assert forged.status_code == 403 and "ungültig" in forged.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "forward.link_used"))


def _settle(forward, state: str) -> None:
    from inbox.forwarding import operations

    if state == "answered":
        operations.answer(forward, "Die Genehmigung liegt vor.", author_label="Link aus der E-Mail")
    elif state == "declined":
        operations.decline(forward, "Nicht zuständig.", None, author_label="Link aus der E-Mail")
    else:
        operations.close_for_conversation(forward.conversation_id)
    db.session.commit()


CITIZEN_DATA = ("Gibt es eine Genehmigung", "Karin Vogel", "k.vogel@example.net", "Warum ist die Musik", "plan.pdf")


@pytest.mark.parametrize("state", ["answered", "declined", "closed"])
def test_settled_forwards_link_no_longer_shows_the_citizens_data(app, client, auth, city, make_forward, state):
    forward = make_forward(include_messages=True, include_contact=True)
    row = _file(forward)
    unused = links.make_token(forward)
    assert client.get(f"/portal/link/{links.make_token(forward)}").status_code == 303
    page = client.get(f"/portal/forwards/{forward.id}").get_data(as_text=True)
    assert all(text in page for text in CITIZEN_DATA)  # while the department owes an answer
    _settle(forward, state)

    for response in (client.get(f"/portal/forwards/{forward.id}"), app.test_client().get(f"/portal/link/{unused}")):
        page = response.get_data(as_text=True)
        assert response.status_code == 410 and "Diese Anfrage ist abgeschlossen" in page
        assert [text for text in CITIZEN_DATA if text in page] == []
    download = client.get(f"/portal/forwards/{forward.id}/files/{row.id}")
    assert download.status_code == 410 and b"%PDF" not in download.data
    entries = len(forward.entries)
    assert client.post_form(f"/portal/forwards/{forward.id}/answer", {"answer-text": "Noch was"}).status_code == 410
    db.session.expire_all()
    assert len(forward.entries) == entries

    auth.login(city.officer)  # the department's own press officers still see what they worked on
    page = client.get(f"/portal/forwards/{forward.id}").get_data(as_text=True)
    assert "Gibt es eine Genehmigung" in page and "plan.pdf" in page


@pytest.mark.parametrize("name, body, reason", [
    ("bild.pdf", b"\x89PNG\r\n\x1a\n....", "passt nicht"),
    ("script.exe", b"MZ....", "Erlaubt sind"),
    ("gross.pdf", b"%PDF-" + b"0" * 2048, "größer"),
])
def test_uploads_are_checked(app, client, auth, city, name, body, reason):
    app.config["SETTINGS"]["forwarding"]["max_attachment_bytes"] = 1024
    auth.login(city.editor)
    client.post_form(f"/conversations/{city.conversation.id}/forwards",
                     {"department": city.ordnung.id, "question": "Frage", "files": [(io.BytesIO(body), name)]},
                     content_type="multipart/form-data")
    page = client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)
    assert reason in page and "Noch keine Weiterleitung" in page


def test_forward_needs_a_department_of_the_same_city(app, client, auth, city, create_org):
    from inbox.orgs.operations import create_department

    foreign = create_department(create_org(), "Fremdamt", "99")
    db.session.commit()
    auth.login(city.editor)
    client.post_form(f"/conversations/{city.conversation.id}/forwards", {"department": foreign.id, "question": "x"},
                     content_type="multipart/form-data")
    assert "Noch keine Weiterleitung" in client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)


def test_admin_manages_departments_in_the_ui(app, client, auth, city, create_user):
    admin = create_user(city.org, "admin")
    auth.login(city.editor)
    assert client.get("/admin/departments/").status_code == 403
    auth.logout()
    auth.login(admin)
    response = client.post_form("/admin/departments/", {"name": "Jugendamt", "short_name": "51",
                                                        "press_email": "presse.jugend@rheinfeld.example",
                                                        "deputy": city.lead.id})
    assert response.status_code == 303
    url = response.headers["Location"]
    create_user(city.org, "editor", email="neu@rheinfeld.example", name="Nina Neu")  # a member of the city
    added = client.post_form(url + "/members", {"email": "Neu@rheinfeld.example"}, follow_redirects=True)
    assert "Nina Neu gehört jetzt zur Pressestelle." in added.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Nina Neu" in page and "presse.jugend@rheinfeld.example" in page
    duplicate = client.post_form("/admin/departments/", {"name": "Doppelt", "short_name": "51", "deputy": 0})
    assert duplicate.status_code == 400 and "schon vergeben" in duplicate.get_data(as_text=True)


def test_departments_cli(app, city):
    from inbox.cli import main

    runner = app.test_cli_runner()
    result = runner.invoke(main, ["departments", "add", city.org.slug, "37", "Feuerwehr", "--email",
                                  "presse.feuerwehr@rheinfeld.example"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["departments", "add-member", city.org.slug, "37", "fw@rheinfeld.example",
                                  "--name", "Frank Feuer", "--password", "geheim geheim"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(main, ["departments", "list", city.org.slug]).output
    assert "37\tFeuerwehr\tpresse.feuerwehr@rheinfeld.example\tfw@rheinfeld.example" in listing
    assert runner.invoke(main, ["departments", "add-member", city.org.slug, "99", "x@y.de"]).exit_code != 0


def test_due_date_in_the_past_is_refused_and_a_future_one_kept(app, client, auth, city):
    from inbox.forwarding.models import Forward

    auth.login(city.editor)
    url = f"/conversations/{city.conversation.id}/forwards"
    client.post_form(url, {"department": city.ordnung.id, "question": "x", "due": "2020-01-01T10:00"},
                     content_type="multipart/form-data")
    assert "in der Vergangenheit" in client.get(f"/conversations/{city.conversation.id}").get_data(as_text=True)
    client.post_form(url, {"department": city.ordnung.id, "question": "x", "due": "2099-01-02T10:00"},
                     content_type="multipart/form-data")
    due = db.session.scalar(select(Forward.due_at))
    assert (due.year, due.month, due.day, due.hour) == (2099, 1, 2, 9)  # 10:00 Berlin is 09:00 UTC
