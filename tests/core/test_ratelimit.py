"""The shared rate limiter: counts per client and scope in fixed windows, atomically across connections."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from inbox.core import clock, ratelimit
from inbox.core.ratelimit import Limit, RateLimit
from inbox.core.web import within
from inbox.extensions import db

THREE_PER_MINUTE = Limit("test", 3, timedelta(minutes=1))


def test_a_client_is_refused_after_its_hits_until_the_window_is_over(app):
    verdicts = [ratelimit.hit(THREE_PER_MINUTE, "198.51.100.7") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].hits == 4 and 0 < verdicts[-1].retry_after <= 60

    clock.advance(timedelta(seconds=61))
    again = ratelimit.hit(THREE_PER_MINUTE, "198.51.100.7")
    assert (again.allowed, again.hits) == (True, 1)


def test_clients_and_scopes_are_counted_apart(app):
    for _ in range(3):
        ratelimit.hit(THREE_PER_MINUTE, "198.51.100.7")
    assert not ratelimit.hit(THREE_PER_MINUTE, "198.51.100.7").allowed
    assert ratelimit.hit(THREE_PER_MINUTE, "198.51.100.8").allowed
    assert ratelimit.hit(Limit("other", 3, timedelta(minutes=1)), "198.51.100.7").allowed


def test_parallel_hits_are_all_counted(app):
    limit, allowed = Limit("parallel", 10, timedelta(minutes=5)), []

    def attempt() -> None:
        allowed.append(within(app, lambda: ratelimit.hit(limit, "203.0.113.1").allowed))

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(allowed) == [False] * 6 + [True] * 10


def test_the_count_stays_when_the_request_rolls_back_and_no_address_is_stored(app):
    ratelimit.hit(THREE_PER_MINUTE, "198.51.100.7")
    db.session.rollback()
    [row] = db.session.scalars(select(RateLimit)).all()
    assert row.hits == 1 and "198.51.100.7" not in row.key and len(row.key) == 64


def test_purge_removes_only_windows_that_are_over(app):
    ratelimit.hit(THREE_PER_MINUTE, "old")
    clock.advance(timedelta(seconds=30))
    ratelimit.hit(Limit("test", 3, timedelta(minutes=5)), "new")
    clock.advance(timedelta(seconds=31))
    assert ratelimit.purge() == 1
    db.session.commit()
    assert [r.hits for r in db.session.scalars(select(RateLimit))] == [1]
