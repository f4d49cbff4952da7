"""Jobs for tests/jobs/test_worker_outage.py, imported by the real worker (files signal between it and the test)."""

import time
from pathlib import Path


def hold_until(release: str, started: str) -> None:
    """Say it has started, then run until the test releases it (at most two minutes)."""
    Path(started).touch()
    deadline = time.monotonic() + 120
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def touch(path: str) -> None:
    Path(path).touch()
