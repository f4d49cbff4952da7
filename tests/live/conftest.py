"""Factories for the live tests: an organization with two teams, their editors, a conversation of each."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from inbox.extensions import db


@pytest.fixture
def webform_message(create_channel, post_webhook, citizen_message):
    """A citizen writes through the channel; returns the conversation."""
    from inbox.conversations.models import Conversation, Message

    def send(channel, **fields):
        payload = citizen_message(**fields)
        assert post_webhook(channel, payload).status_code == 200
        message = db.session.scalar(select(Message).where(Message.external_id == payload["external_id"]))
        return db.session.get(Conversation, message.conversation_id)

    return send


@pytest.fixture
def town(create_org, create_user, create_channel):
    """Stadt Teststadt with the teams redaktion and feuerwehr, an editor in each, an admin, a press officer;
    and a second organization with an editor of its own."""
    from inbox.orgs.operations import create_department, create_team

    org = create_org(name="Stadt Teststadt")
    fire = create_team(org, "feuerwehr", "Feuerwehr")
    department = create_department(org, "Ordnungsamt", "32", "presse.ordnung@teststadt.example")
    db.session.commit()
    other = create_org(name="Stadt Anderswo")
    return SimpleNamespace(
        org=org, fire=fire, department=department, other=other,
        editor=create_user(org, name="Tim Schulte"),
        colleague=create_user(org, name="Erika Muster"),
        firefighter=create_user(org, name="Fritz Feuer", team=fire),
        admin=create_user(org, "admin", name="Ada Admin"),
        officer=create_user(org, "press_officer", name="Olaf Ordnung", department=department),
        stranger=create_user(other, name="Sven Fremd"),
        channel=create_channel(org),
        fire_channel=create_channel(org, name="Feuerwehr-Formular", team=fire),
        other_channel=create_channel(other),
    )


def read_stream(client, *, until, headers=None, limit: int = 50) -> list[dict]:
    """Open GET /live/stream and read its events until until(events) holds; closes the stream."""
    response = client.get("/live/stream", headers=headers or {}, buffered=False)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/event-stream"
    events: list[dict] = []
    try:
        for chunk in response.response:
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            events += parse(text)
            if until(events) or len(events) >= limit:
                break
    finally:
        response.close()
    return events


def parse(text: str) -> list[dict]:
    """The events in a piece of an SSE stream (whole events only, as our stream writes them)."""
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":")
                      and ": " in line)
        if "data" in fields:
            found.append({"id": fields.get("id"), **json.loads(fields["data"])})
    return found
