"""The production server's /live/stream: on uvicorn's event loop, with Flask behind it on a few threads."""

from __future__ import annotations

import re
import socket
import threading

import pytest
import requests

from inbox.asgi import front
from inbox.extensions import db
from inbox.live import fanout
from inbox.live.operations import publish
from tests.conftest import PASSWORD
from tests.live.conftest import parse
from tests.waiting import wait_for

pytestmark = pytest.mark.redis
THREADS = 2


@pytest.fixture
def served(rq_app):
    """inbox.asgi's front for the test app (Flask on THREADS threads), served by uvicorn; yields its URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(front(rq_app, threads=THREADS), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started, 10)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    fanout.hub(rq_app).close_streams()
    server.should_exit = True
    thread.join(15)


def logged_in(url: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = session.post(f"{url}/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                          timeout=10)
    assert "/login" not in answer.url, answer.url
    return session


class Stream:
    def __init__(self, session: requests.Session, url: str):
        self.response = session.get(f"{url}/live/stream", stream=True, timeout=30)
        self.events, self.text = [], ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for chunk in self.response.iter_content(chunk_size=None):
                self.text += chunk.decode()
                self.events += parse(chunk.decode())
        except requests.RequestException:
            pass


def test_many_open_streams_hold_no_flask_thread_and_all_get_the_event(served, rq_app, town):
    session = logged_in(served, town.editor.email)
    streams = [Stream(session, served) for _ in range(THREADS * 4)]
    assert all(s.response.status_code == 200 for s in streams)
    assert all(s.response.headers["Content-Type"].startswith("text/event-stream") for s in streams)
    assert wait_for(lambda: fanout.hub(rq_app).stream_count(town.org.id) == len(streams), 10)
    # Flask still answers pages: the streams are on the loop, not on its two threads.
    assert session.get(f"{served}/inbox", timeout=10).status_code == 200

    publish(town.org.id, "conversation.assigned", conversation_id=5, team_id=None)
    db.session.commit()
    assert wait_for(lambda: all(("conversation.assigned", 5) in [(e["kind"], e["conversation"]) for e in s.events]
                                for s in streams), 10)
    assert all(s.text.startswith("retry: ") for s in streams)


def test_the_stream_catches_up_after_last_event_id_and_keeps_organizations_apart(served, rq_app, town):
    publish(town.org.id, "conversation.resolved", conversation_id=7)
    publish(town.other.id, "conversation.resolved", conversation_id=8)
    db.session.commit()
    session = logged_in(served, town.editor.email)
    session.headers["Last-Event-ID"] = "0"
    stream = Stream(session, served)
    assert wait_for(lambda: stream.events, 10)
    assert [(e["kind"], e["conversation"]) for e in stream.events] == [("conversation.resolved", 7)]


def test_the_stream_wants_a_staff_login(served, town):
    assert requests.get(f"{served}/live/stream", timeout=10).status_code == 401
    officer = logged_in(served, town.officer.email)
    assert officer.get(f"{served}/live/stream", timeout=10).status_code == 403

