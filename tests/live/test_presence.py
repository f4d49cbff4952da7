"""Presence: reported by the page, held with an expiry, told only to colleagues who may see the conversation."""

from __future__ import annotations

import queue
import time

from inbox.live import fanout
from inbox.live.stream import Viewer
from inbox.live.views import transient


def test_presence_is_answered_with_the_others_and_fanned_out(app, town, webform_message, client, auth):
    conversation = webform_message(town.channel)
    heard: queue.SimpleQueue = queue.SimpleQueue()
    with fanout.hub(app).subscription(town.org.id, heard.put):
        auth.login(town.colleague)
        assert client.post_form(f"/conversations/{conversation.id}/presence", {"state": "viewing"}).json == {
            "others": []}
        auth.logout()
        auth.login(town.editor)
        answer = client.post_form(f"/conversations/{conversation.id}/presence", {"state": "typing"}).json
    [other] = answer["others"]
    assert (other["name"], other["typing"]) == ("Erika Muster", 0)
    assert 0 < other["viewing"] <= 45
    messages = [heard.get_nowait() for _ in range(heard.qsize())]
    assert [(m["name"], m["typing"] > 0) for m in messages] == [("Erika Muster", False), ("Tim Schulte", True)]
    assert {m["team"] for m in messages} == {conversation.team_id}


def test_presence_expires_and_leaving_removes_it(app, town, webform_message, client, auth, monkeypatch):
    conversation = webform_message(town.channel)
    auth.login(town.colleague)
    client.post_form(f"/conversations/{conversation.id}/presence", {"state": "viewing"})
    auth.logout()
    auth.login(town.editor)
    later = time.time() + 46
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.post_form(f"/conversations/{conversation.id}/presence", {"state": "viewing"}).json == {"others": []}
    monkeypatch.undo()
    auth.logout()
    auth.login(town.colleague)
    client.post_form(f"/conversations/{conversation.id}/presence", {"state": "left"})
    auth.logout()
    auth.login(town.admin)
    others = client.post_form(f"/conversations/{conversation.id}/presence", {"state": "viewing"}).json["others"]
    assert [o["name"] for o in others] == ["Tim Schulte"]


def test_presence_is_refused_for_bad_input_and_other_teams(town, webform_message, client, auth):
    conversation = webform_message(town.fire_channel)
    auth.login(town.editor)
    assert client.post_form(f"/conversations/{conversation.id}/presence", {"state": "viewing"}).status_code == 404
    auth.logout()
    auth.login(town.firefighter)
    assert client.post_form(f"/conversations/{conversation.id}/presence", {"state": "dancing"}).status_code == 400
    assert client.post(f"/conversations/{conversation.id}/presence", data={"state": "viewing"}).status_code == 400


def test_a_stream_tells_presence_only_to_the_conversations_team_and_not_to_its_author():
    message = {"kind": "presence", "conversation": 3, "team": 1, "user": 10, "name": "Tim Schulte", "viewing": 45,
               "typing": 0}
    assert transient(Viewer(1, 11, frozenset({1})), message) is not None
    assert transient(Viewer(1, 12, None), message) is not None  # an admin: every team
    assert transient(Viewer(1, 13, frozenset({2})), message) is None
    assert transient(Viewer(1, 10, frozenset({1})), message) is None
