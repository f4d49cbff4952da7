"""Waiting in tests for what other threads or processes do."""

import time


def wait_for(condition, seconds: float = 5.0) -> bool:
    """True as soon as condition() is true; False if it is not within seconds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
