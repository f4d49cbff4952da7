"""Several processes: a change committed in one (a web process, an RQ worker) reaches the streams of another."""

from __future__ import annotations

import threading

import pytest

from inbox.extensions import db
from inbox.live import fanout
from inbox.live.operations import publish
from tests.conftest import REDIS_URL, AuthActions
from tests.live.conftest import parse
from tests.waiting import wait_for

pytestmark = pytest.mark.redis


@pytest.fixture
def other_process(rq_app, database_url, tmp_path):
    """A second app instance on the same database and Redis: what another web process would be."""
    from inbox import create_app

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS_URL,
                        "DATA_DIR": str(tmp_path / "other"), "SECRET_KEY": rq_app.config["SECRET_KEY"]})
    other.test_client_class = rq_app.test_client_class
    # Without the fan-out it would take a heartbeat to notice: far longer than the test waits.
    other.config["SETTINGS"]["live"]["heartbeat_seconds"] = 300
    yield other
    fanout.hub(other).close_streams()
    fanout.hub(other).stop()
    with other.app_context():
        db.engine.dispose()


class StreamReader:
    """GET /live/stream on app as user, read in a thread (a browser's open page in that process)."""

    def __init__(self, app, user):
        # The e-mail address read here: the user object belongs to the test thread's session.
        self.app, self.email, self.events = app, user.email, []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        with self.app.app_context():
            client = self.app.test_client()
            AuthActions(client).login(self.email)
            response = client.get("/live/stream", buffered=False)
            try:
                for chunk in response.response:
                    self.events += parse(chunk.decode() if isinstance(chunk, bytes) else chunk)
            finally:
                response.close()

    def ready(self, org_id) -> bool:
        hub = fanout.hub(self.app)
        return hub.relay_ready.is_set() and hub.stream_count(org_id) == 1

    def kinds(self):
        return [(e["kind"], e.get("conversation")) for e in self.events]


def test_an_event_committed_in_one_process_reaches_a_stream_in_another(rq_app, other_process, town):
    reader = StreamReader(other_process, town.editor)
    assert wait_for(lambda: reader.ready(town.org.id), 10)
    publish(town.org.id, "conversation.resolved", conversation_id=42)
    db.session.commit()
    assert wait_for(lambda: ("conversation.resolved", 42) in reader.kinds(), 10), reader.events


def test_a_webhook_processed_by_an_rq_worker_reaches_a_web_process(rq_app, other_process, town, run_worker,
                                                                   post_webhook, citizen_message):
    reader = StreamReader(other_process, town.editor)
    assert wait_for(lambda: reader.ready(town.org.id), 10)
    assert post_webhook(town.channel, citizen_message(subject="Über den Worker")).status_code == 200
    [result] = run_worker()
    assert result.returncode == 0, result.stdout
    assert wait_for(lambda: "message.received" in {k for k, _ in reader.kinds()}, 10), reader.events


def test_a_transient_event_crosses_processes_but_not_organizations(rq_app, other_process, town):
    reader = StreamReader(other_process, town.editor)
    stranger = StreamReader(other_process, town.stranger)
    assert wait_for(lambda: reader.ready(town.org.id) and fanout.hub(other_process).stream_count() == 2, 10)
    fanout.announce(rq_app, town.org.id, {"kind": "presence", "conversation": 7, "team": None, "user": 999,
                                          "name": "Tim Schulte", "state": "viewing"})
    assert wait_for(lambda: ("presence", 7) in reader.kinds(), 10), reader.events
    assert stranger.events == []
