import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("MITREDEN_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def rq_app(app):
    """The test app sending its jobs to the real Redis, on a queue of its own."""
    from rq import Queue

    from inbox import jobs

    app.config["REDIS_URL"] = REDIS_URL
    app.config["RQ_QUEUE"] = f"mitreden-test-{uuid.uuid4().hex}"
    yield app
    queue = jobs.get_queue()
    queue.empty()
    Queue(queue.name, connection=queue.connection).delete(delete_jobs=True)


@pytest.fixture
def run_worker(rq_app, database_url):
    """Run real `mitreden worker --burst` processes against the test database and queue."""

    def run(count: int = 1, timeout: int = 120) -> list[subprocess.CompletedProcess]:
        env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
                   MITREDEN_QUEUE=rq_app.config["RQ_QUEUE"], SECRET_KEY=rq_app.config["SECRET_KEY"],
                   PYTHONPATH=str(ROOT))
        command = [str(Path(sys.executable).parent / "mitreden"), "worker", "--burst"]
        procs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(count)]
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(command, proc.returncode, out))
        return results

    return run
