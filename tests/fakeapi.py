"""The fake platform API of the tests: the demo's loopback server (inbox/demo/loopback.py), one per test.

Routes answer with queued or fixed responses and every request is recorded, so a test can
assert what the platform received (path, headers, JSON or form body).
"""

from inbox.demo.loopback import LoopbackAPI as FakeAPI
from inbox.demo.loopback import Received, Reply

__all__ = ["FakeAPI", "Received", "Reply"]
