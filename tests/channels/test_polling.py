"""The polling machinery: due channels, claims, locks, backoff, and the periodic wiring (RQ cron, demo thread)."""

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox.channels import polling
from inbox.channels.schedule import run_sweep_once, start_in_process
from inbox.core import clock
from inbox.extensions import db
from inbox.jobs import run_ready
from tests.channels.polltools import fresh, inbound, poll
from tests.channels.test_mastodon import NOTIFICATIONS, mention
from tests.fakeapi import Reply

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def org(create_org):
    return create_org()


@pytest.fixture
def mastodon(create_channel, org, fake_api):
    def make(interval=60, api_base=None, **kwargs):
        settings = {"api_base": api_base or fake_api.url, "poll_interval_seconds": str(interval)}
        return create_channel(org, "mastodon", settings=settings, credentials={"access_token": "t"}, **kwargs)

    return make


def sweep() -> int:
    started = polling.poll_due_channels()
    db.session.commit()
    run_ready()
    db.session.expire_all()
    return started


def test_rate_limit_pauses_the_channel_for_retry_after(mastodon, fake_api):
    channel = mastodon()
    fake_api.route("GET", NOTIFICATIONS, Reply(429, {"error": "Too many requests"}, {"Retry-After": "300"}),
                   [mention("1", "101")])
    with clock.frozen(T0):
        poll(channel)
        cursor = fresh(channel).cursor
        assert cursor["backoff_until"] == (T0 + timedelta(seconds=300)).isoformat()
        assert cursor["failures"] == 1 and "429" in cursor["last_error"]
        clock.advance(timedelta(seconds=299))
        poll(channel)
        assert sweep() == 0
        assert len(fake_api.received("GET", NOTIFICATIONS)) == 1
        clock.advance(timedelta(seconds=2))
        assert sweep() == 1
    assert len(fake_api.received("GET", NOTIFICATIONS)) == 2
    assert [m.external_id for m in inbound(channel)] == ["101"]
    assert fresh(channel).cursor == {"since_id": "1"}  # success clears the pause and the error


def test_repeated_failures_double_the_pause(mastodon, fake_api):
    channel = mastodon(interval=60)
    fake_api.route("GET", NOTIFICATIONS, Reply(503, {"error": "down"}))
    pauses = []
    with clock.frozen(T0):
        for _ in range(4):
            poll(channel)
            until = datetime.fromisoformat(fresh(channel).cursor["backoff_until"])
            pauses.append((until - clock.now()).total_seconds())
            clock.set_time(until)
    assert pauses == [60, 120, 240, 480]
    assert fresh(channel).cursor["failures"] == 4


def test_the_pause_is_capped(mastodon, fake_api):
    channel = mastodon(interval=600)
    channel.cursor = {"failures": 12}
    db.session.commit()
    fake_api.route("GET", NOTIFICATIONS, Reply(502, {"error": "bad gateway"}))
    with clock.frozen(T0):
        poll(channel)
        assert fresh(channel).cursor["backoff_until"] == (T0 + timedelta(seconds=polling.MAX_BACKOFF)).isoformat()


def test_one_broken_channel_does_not_stop_the_others(mastodon, fake_api, create_channel, org):
    broken = mastodon(api_base="http://127.0.0.1:9", name="kaputt")
    healthy = mastodon(name="gesund")
    fake_api.route("GET", NOTIFICATIONS, [mention("5", "105")])
    assert sweep() == 2
    assert "Netzwerkfehler" in fresh(broken).cursor["last_error"]
    assert [m.external_id for m in inbound(healthy)] == ["105"]


def test_an_adapter_bug_is_contained_and_paused(mastodon, fake_api):
    channel = mastodon()
    fake_api.route("GET", NOTIFICATIONS, Reply(200, {"unexpected": "object"}))
    poll(channel)
    cursor = fresh(channel).cursor
    assert cursor["failures"] == 1 and cursor["backoff_until"]


def test_sweep_starts_only_due_enabled_polling_channels(mastodon, fake_api, create_channel, org):
    from inbox.channels.operations import set_enabled

    fake_api.route("GET", NOTIFICATIONS, [])
    due = mastodon(interval=60)
    recent = mastodon(interval=60)
    disabled = mastodon(interval=60)
    create_channel(org, "webform")
    set_enabled(disabled, False)
    with clock.frozen(T0):
        recent.last_polled_at = T0 - timedelta(seconds=30)
        due.last_polled_at = T0 - timedelta(seconds=61)
        db.session.commit()
        assert sweep() == 1
        assert fresh(due).last_polled_at == T0
        assert sweep() == 0  # claimed: a second sweep right after starts nothing
        clock.advance(timedelta(seconds=31))
        assert sweep() == 1  # now "recent" is due
    assert len(fake_api.received("GET", NOTIFICATIONS)) == 2


def test_a_channel_being_polled_is_not_polled_again(mastodon, fake_api):
    channel = mastodon()
    fake_api.route("GET", NOTIFICATIONS, [mention("1", "101")])
    lock = polling._local_locks.setdefault(channel.id, __import__("threading").Lock())
    with lock:
        poll(channel)
    assert fake_api.received("GET", NOTIFICATIONS) == []
    poll(channel)
    assert len(fake_api.received("GET", NOTIFICATIONS)) == 1


def test_demo_thread_polls_in_process(mastodon, fake_api, app):
    channel_id = mastodon(interval=1).id
    fake_api.route("GET", NOTIFICATIONS, [mention("7", "107")], [])
    thread = start_in_process(app, every=1)
    try:
        _wait_for(lambda: len(inbound(channel_id)) == 1)
    finally:
        thread.stop_event.set()
        thread.join(timeout=10)
    assert [m.external_id for m in inbound(channel_id)] == ["107"]


def test_run_sweep_once_survives_errors(app, monkeypatch):
    def boom():
        raise RuntimeError("database away")

    monkeypatch.setattr(polling, "poll_due_channels", boom)
    run_sweep_once(app)  # logged, not raised: the demo thread keeps running


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.remove()
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def redis_queue():
    from redis import Redis

    name = f"mitreden-test-{uuid.uuid4().hex}"
    connection = Redis.from_url("redis://127.0.0.1:6379/0")
    yield name, connection
    for key in connection.scan_iter(match=f"*{name}*"):
        connection.delete(key)


def _start_worker(app, database_url, queue, tmp_path, log_name):
    config = tmp_path / "worker.toml"
    config.write_text(f'[redis]\nqueue = "{queue}"\n\n[polling]\nsweep_seconds = 1\n')
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:6379/0",
           "SECRET_KEY": app.config["SECRET_KEY"], "MITREDEN_CONFIG": str(config),
           "MITREDEN_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / log_name, "w")
    return subprocess.Popen([sys.executable, "-c", "from inbox.cli import main; main()", "worker"], env=env,
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT), log


def _stop(process, log):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def test_two_real_rq_workers_poll_periodically_and_only_once(app, database_url, mastodon, fake_api, redis_queue,
                                                             tmp_path):
    """`mitreden worker` runs the sweep on RQ's cron; two workers still poll a channel once per interval."""
    queue, connection = redis_queue
    channel_id = mastodon(interval=3600).id
    fake_api.route("GET", NOTIFICATIONS, [mention("9", "109")], [])
    workers = [_start_worker(app, database_url, queue, tmp_path, f"worker{i}.log") for i in range(2)]
    try:
        _wait_for(lambda: len(inbound(channel_id)) == 1)
        history = f"rq:cron_job:{polling.__name__}.poll_due_channels:{queue}:jobs"
        # Let both workers' cron loops run several more sweeps.
        _wait_for(lambda: connection.zcard(history) >= 6)
    finally:
        for process, log in workers:
            _stop(process, log)
    assert len(fake_api.received("GET", NOTIFICATIONS)) == 1, (tmp_path / "worker0.log").read_text()[-3000:]
    assert fresh(channel_id).cursor == {"since_id": "9"}
