"""`mitreden worker` survives Redis going away: against a Redis of its own, killed and started again."""

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from tests.conftest import _migrate
from tests.test_cli import free_port
from tests.waiting import wait_for

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def redis_server(port: int, folder: Path):
    """A throw-away redis-server on port, without persistence: a restart loses every key, as after a crash."""
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    client = Redis(port=port)
    try:
        assert wait_for(lambda: _answers(client), 30), "redis-server did not start"
        yield server
    finally:
        client.close()
        server.kill()
        server.wait(timeout=30)


def _answers(client: Redis) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


class Worker:
    """A real `mitreden worker` on its own queue of the Redis on port; its output goes to a file."""

    def __init__(self, tmp_path: Path, port: int):
        self.port, self.queue, self.log_path = port, f"mitreden-outage-{uuid.uuid4().hex}", tmp_path / "worker.log"
        database = f"sqlite:///{tmp_path / 'worker.db'}"
        _migrate(database)  # the worker's own periodic jobs run against it
        env = dict(os.environ, DATABASE_URL=database, REDIS_URL=f"redis://127.0.0.1:{port}/0",
                   MITREDEN_QUEUE=self.queue, SECRET_KEY="outage-test-key-of-at-least-32-bytes",
                   MITREDEN_DATA_DIR=str(tmp_path),
                   PYTHONPATH=str(ROOT))
        with self.log_path.open("w") as log_file:
            self.process = subprocess.Popen([str(Path(sys.executable).parent / "mitreden"), "worker"], env=env,
                                            cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def enqueue(self, function: str, *args) -> None:
        with Redis(port=self.port) as connection:
            Queue(self.queue, connection=connection).enqueue(function, *args)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit code once it has stopped by itself."""
        self.process.terminate()
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()  # a second SIGTERM would be RQ's cold shutdown: the test would not see the hang
            raise AssertionError("the worker did not stop on SIGTERM:\n" + self.log()) from None


def hold_job(worker: Worker, tmp_path: Path) -> Path:
    """Start a job that runs until the returned file exists."""
    started, release = tmp_path / "started", tmp_path / "release"
    worker.enqueue("tests.jobs.outage_jobs.hold_until", str(release), str(started))
    assert wait_for(started.exists, 60), worker.log()
    return release


def test_worker_waits_for_redis_lost_mid_job_and_works_on_after_its_restart(tmp_path):
    port, done = free_port(), tmp_path / "done"
    with redis_server(port, tmp_path) as first_redis:
        worker = Worker(tmp_path, port)
        try:
            release = hold_job(worker, tmp_path)
            first_redis.kill()  # Redis goes away while the job runs
            first_redis.wait(timeout=30)
            release.touch()  # the job ends; its end cannot be recorded
            assert wait_for(lambda: worker.process.poll() is not None or "Redis nicht erreichbar" in worker.log(),
                            60), worker.log()
            assert worker.process.poll() is None, worker.log()

            with redis_server(port, tmp_path):
                worker.enqueue("tests.jobs.outage_jobs.touch", str(done))
                assert wait_for(done.exists, 120), worker.log()
                assert worker.process.poll() is None, worker.log()  # the same process did it
                assert "Redis wieder erreichbar" in worker.log()
                assert wait_for(lambda: "Job OK" in worker.log().split("Redis wieder erreichbar")[-1], 30)
        finally:
            worker.stop()


def test_worker_told_to_stop_while_redis_is_away_stops(tmp_path):
    port = free_port()
    with redis_server(port, tmp_path) as redis:
        worker = Worker(tmp_path, port)
        hold_job(worker, tmp_path)
        redis.kill()
        redis.wait(timeout=30)
        # Mid-job: RQ notes the stop request in Redis and stops after the job. Redis being away must not turn
        # that into waiting for Redis.
        assert worker.stop() == 0, worker.log()
