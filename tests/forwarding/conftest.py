"""Factories for the forwarding tests: a city with an editor, a lead, two departments, a citizen question."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from inbox.extensions import db
from tests.mailservers import Dovecot, SMTPCapture


@pytest.fixture
def smtp(app):
    server = SMTPCapture()
    app.config["SETTINGS"]["mail"].update(smtp_host="127.0.0.1", smtp_port=server.port,
                                          from_address="presse@rheinfeld.example", base_url="http://mitreden.test")
    yield server
    server.stop()


@pytest.fixture
def imap(app, monkeypatch):
    server = Dovecot(user="presse", password="imap-secret")
    app.config["SETTINGS"]["mail"].update(imap_host="127.0.0.1", imap_port=server.port, imap_user=server.user)
    monkeypatch.setenv("MITREDEN_IMAP_PASSWORD", server.password)
    yield server
    server.stop()


@pytest.fixture
def city(create_org, create_user, create_channel, post_webhook, citizen_message):
    """An organization with a conversation from Karin Vogel and two departments with press officers."""
    from inbox.conversations.models import Conversation
    from inbox.orgs.operations import create_department

    org = create_org()
    editor = create_user(org, "editor", name="Jana Redakteurin")
    lead = create_user(org, "lead", name="Petra Leitung")
    ordnung = create_department(org, "Ordnungsamt", "32", "presse.ordnung@rheinfeld.example")
    verkehr = create_department(org, "Amt für Verkehr", "66", "presse.verkehr@rheinfeld.example")
    db.session.commit()
    officer = create_user(org, "press_officer", name="Olaf Ordnung", department=ordnung)
    colleague = create_user(org, "press_officer", name="Clara Kollegin", department=ordnung)
    deputy = create_user(org, "press_officer", name="Dieter Vertreter", department=ordnung)
    other_officer = create_user(org, "press_officer", name="Vera Verkehr", department=verkehr)
    ordnung.deputy_id = deputy.id
    db.session.commit()
    channel = create_channel(org)
    post_webhook(channel, citizen_message(name="Karin Vogel", email="k.vogel@example.net",
                                          text="Warum ist die Musik am Marktplatz nachts so laut?"))
    conversation = db.session.scalar(select(Conversation))
    return SimpleNamespace(org=org, editor=editor, lead=lead, ordnung=ordnung, verkehr=verkehr, officer=officer,
                           colleague=colleague, deputy=deputy, other_officer=other_officer, channel=channel,
                           conversation=conversation)


@pytest.fixture
def make_forward(city):
    """A forward made through the operations layer (the HTTP path has its own tests)."""
    from inbox.forwarding.operations import create_forward

    def make(department=None, question="Gibt es eine Genehmigung für Musik am Marktplatz?", **kwargs):
        forward = create_forward(city.conversation, department or city.ordnung, city.editor.id, question, **kwargs)
        db.session.commit()
        return forward

    return make


def link_in(mail) -> str:
    """The single-use portal link in a notification e-mail, as a local path."""
    body = mail.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://mitreden\.test(/portal/link/\S+)", body).group(1)
