"""A real RQ worker is killed (kill -9) while the platform holds its reply's request open.

The test runs its own redis-server on a free port and real `mitreden worker --burst` processes. After
the kill the reply is left "sending"; past its deadline the periodic pass takes it up and a second worker
resolves it: the reply ends sent exactly once at the fake platform, or "unklar" where the platform
cannot tell whether it arrived.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from inbox.conversations import operations
from inbox.core import clock
from inbox.extensions import db
from tests.conftest import ROOT
from tests.deliveryfaults import FakeMastodon, Held, conversation_on, fresh
from tests.fakeapi import Reply
from tests.test_cli import free_port
from tests.waiting import wait_for

pytestmark = pytest.mark.redis
MITREDEN = str(Path(sys.executable).parent / "mitreden")
TEXT = "Die Ampel wird morgen repariert."


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test alone, on a free port; stopped at the end."""
    from redis import Redis

    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        try:
            return Redis.from_url(url, socket_timeout=1).ping()
        except OSError:
            return False
        except Exception:  # noqa: BLE001  (redis.ConnectionError while it starts)
            return False

    assert wait_for(answers, 30), "redis-server did not start"
    yield url
    server.terminate()
    server.wait(30)


@pytest.fixture
def worker_app(app, own_redis):
    app.config.update(REDIS_URL=own_redis, RQ_QUEUE="mitreden-fault")
    yield app
    app.extensions.pop("mitreden_redis", None)


@pytest.fixture
def held(fake_api):
    hold = Held()
    yield hold
    hold.release.set()  # before the fake platform stops: it waits for its open requests


def start_worker(app, database_url: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=app.config["REDIS_URL"],
               MITREDEN_QUEUE=app.config["RQ_QUEUE"], SECRET_KEY=app.config["SECRET_KEY"], PYTHONPATH=str(ROOT))
    with log.open("a") as out:
        return subprocess.Popen([MITREDEN, "worker", "--burst"], env=env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT)


def platform(case: str, org, create_channel, fake_api, held):
    """The channel, the citizen's conversation on it and the path replies are POSTed to."""
    if case == "x":
        channel = create_channel(org, "x", settings={"api_base": fake_api.url, "user_id": "4337"},
                                 credentials={"access_token": "user-token", "consumer_secret": "s"})
        fake_api.route("POST", "/2/tweets", held(Reply(body={"data": {"id": "x-1"}})))
        conversation = conversation_on(channel, external_id="1050", thread_key="mentions", author_id="3001",
                                       is_public=True)
        return conversation, "/2/tweets", None
    channel = create_channel(org, "mastodon", settings={"api_base": fake_api.url},
                             credentials={"access_token": "tok"})
    conversation = conversation_on(channel, external_id="1001", author_handle="karin@norden.social",
                                   is_public=True)
    # "arrived": Mastodon posted it, the answer never left; "lost": the request never reached the timeline.
    mastodon = FakeMastodon(fake_api, "1001", held, lose_first=case == "mastodon-lost")
    return conversation, "/api/v1/statuses", mastodon


@pytest.mark.parametrize("case", ["mastodon-arrived", "mastodon-lost", "x"])
def test_reply_of_a_worker_killed_mid_request_ends_sent_once_or_unclear(case, worker_app, database_url, tmp_path,
                                                                       create_org, create_channel, create_user,
                                                                       fake_api, held):
    from inbox.periodic import run_all

    org = create_org()
    conversation, path, mastodon = platform(case, org, create_channel, fake_api, held)
    message = operations.reply(conversation, create_user(org, "editor").id, TEXT)
    db.session.commit()  # the delivery job goes to this test's Redis

    log = tmp_path / "workers.log"
    worker = start_worker(worker_app, database_url, log)
    try:
        assert wait_for(lambda: len(fake_api.received("POST", path)) == 1, 120), log.read_text()
    finally:
        worker.send_signal(signal.SIGKILL)  # kill -9 while the platform holds the request open
        worker.wait(30)
    assert worker.returncode == -signal.SIGKILL
    stuck = fresh(message)
    assert stuck.delivery_state == "sending"

    clock.set_time(stuck.delivery_deadline + timedelta(seconds=1))
    assert run_all()["replies_checked"] == 1
    db.session.commit()  # the check job goes to Redis; a second worker runs it
    second = start_worker(worker_app, database_url, log)
    assert second.wait(120) == 0, log.read_text()

    final = fresh(message)
    posts = fake_api.received("POST", path)
    if mastodon is None:
        assert final.delivery_state == "unclear" and len(posts) == 1  # X cannot dedupe: never sent blindly
        assert "X lässt nicht nachsehen" in final.delivery_error
        return
    [status] = mastodon.posted()
    assert final.delivery_state == "sent" and final.external_id == status["id"]
    assert len(posts) == (1 if case == "mastodon-arrived" else 2)
    assert {p.headers["Idempotency-Key"] for p in posts} == {f"mitreden-reply-{message.id}"}
