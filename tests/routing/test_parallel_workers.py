"""Two real RQ workers route the same conversations at once: each is assigned exactly once."""

import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inbox.audit.models import AuditEvent
from inbox.channels.adapters.base import InboundMessage
from inbox.conversations import operations
from inbox.conversations.models import Conversation
from inbox.core import clock
from inbox.extensions import db
from inbox.rota.models import ShiftTemplateRow

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("MITREDEN_TEST_REDIS", "redis://127.0.0.1:6379/0")


def test_two_workers_assign_each_conversation_once(app, team_setup, publish, database_url):
    from rq import Queue

    from inbox import jobs
    from inbox.rota import operations as rota_ops
    from inbox.routing.tasks import route_conversation

    s = team_setup
    clock.start_at(None)  # the worker processes run on the real clock, so this test does too
    # The workers use the real clock: open around the clock and a 24-hour shift today and yesterday.
    today = clock.now().astimezone(clock.BERLIN).date()
    rota_ops.add_override(s.team, "crisis", today - timedelta(days=1), today + timedelta(days=1), reason="Test")
    db.session.add(ShiftTemplateRow(organization_id=s.org.id, team_id=s.team.id, code="R", name="Rund um die Uhr",
                                    start="00:00", end="00:00", day_types=["workday", "weekend", "holiday"],
                                    headcount={}, skills=[], break_minutes=60))
    db.session.commit()
    publish(s.team, [(u, d.isoformat(), "R") for u in (s.anna, s.ben, s.cem)
                     for d in (today - timedelta(days=1), today)])
    ids = []
    for n in range(40):
        message = operations.ingest(s.channel, InboundMessage(external_id=f"p-{n}", text="Frage", author_id=f"c{n}"))
        ids.append(message.conversation_id)
    db.session.commit()
    queue_name = f"test-routing-{uuid.uuid4().hex}"
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    queue = Queue(queue_name, connection=connection)
    try:
        for cid in ids * 2:  # every conversation twice, as after a redelivery
            queue.enqueue(jobs.execute, route_conversation.job_name, cid)
        env = {**os.environ, "REDIS_URL": REDIS_URL, "MITREDEN_QUEUE": queue_name, "DATABASE_URL": database_url,
               "SECRET_KEY": app.config["SECRET_KEY"], "MITREDEN_ENCRYPTION_KEY": app.config["ENCRYPTION_KEY"],
               "MITREDEN_DATA_DIR": app.config["DATA_DIR"], "PYTHONPATH": str(ROOT)}
        cmd = [os.path.join(os.path.dirname(sys.executable), "mitreden"), "worker", "--burst"]
        workers = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
        outputs = [w.communicate(timeout=180)[0].decode() for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
    finally:
        queue.delete(delete_jobs=True)
    db.session.expire_all()
    per_conversation = dict(db.session.execute(
        select(AuditEvent.conversation_id, func.count()).where(AuditEvent.action == "conversation.assigned")
        .group_by(AuditEvent.conversation_id)).all())
    assert per_conversation == {cid: 1 for cid in ids}
    owners = db.session.execute(select(Conversation.assignee_id, func.count()).group_by(Conversation.assignee_id))
    assert sorted(n for _, n in owners) == [13, 13, 14]  # least load spreads them evenly


@pytest.mark.postgres_only
def test_parallel_routing_jobs_of_one_team_do_not_deadlock(app, team_setup, publish, sim, monkeypatch):
    """Both jobs get past their first write before either locks the team: neither may die of a lock cycle.

    A write that references the team (the SLA row) takes a key-share lock on the team's row; two jobs
    each holding one and then asking for the team's row lock are a deadlock, and PostgreSQL aborts one.
    """
    from inbox.routing import operations as routing
    from inbox.sla import operations as sla

    s = team_setup
    publish(s.team, [(s.anna, "2026-10-22", "F"), (s.ben, "2026-10-22", "F")])
    sim.at("2026-10-22 10:00")
    ids = [operations.ingest(s.channel, InboundMessage(external_id=f"d-{n}", text="Frage", author_id=f"d{n}"))
           .conversation_id for n in range(2)]
    db.session.commit()
    db.session.info.pop("ready", None)  # route them below, in two threads, not in-process
    barrier, start, outcomes = threading.Barrier(2, timeout=3), sla.start, {}

    def start_then_wait(conversation):
        row = start(conversation)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other job is waiting for the team's lock: go on alone
        return row

    def route(cid):
        with app.app_context():
            try:
                outcomes[cid] = routing.route(cid)
                db.session.commit()
            except Exception as exc:
                outcomes[cid] = repr(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    monkeypatch.setattr(sla, "start", start_then_wait)
    threads = [threading.Thread(target=route, args=(cid,)) for cid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes == {cid: "assigned" for cid in ids}
    assert sorted(sim.owner(cid) for cid in ids) == ["Anna", "Ben"]  # the second decision saw the first one's load


@pytest.mark.postgres_only
def test_a_conversation_moved_while_its_job_waited_is_routed_in_its_new_team(app, team_setup, create_user, publish,
                                                                               sim, monkeypatch):
    from sqlalchemy import update

    from inbox import jobs
    from inbox.orgs.operations import create_team
    from inbox.routing import operations as routing
    from inbox.routing.state import TeamState

    s = team_setup
    library = create_team(s.org, "bibliothek", "Stadtbibliothek")
    db.session.commit()
    lena = create_user(s.org, "editor", name="Lena", email="lena@example.org", team=library)
    publish(s.team, [(s.anna, "2026-10-22", "F")])
    publish(library, [(lena, "2026-10-22", "F")])
    sim.at("2026-10-22 10:00")
    cid = operations.ingest(s.channel, InboundMessage(external_id="m-1", text="Buch verlängern?",
                                                      author_id="c1")).conversation_id
    db.session.commit()
    db.session.info.pop("ready", None)
    decide = TeamState.for_decision.__func__

    def moved_meanwhile(cls, team, now):  # an editor moves it to the library while the job waits for the lock
        with db.engine.begin() as other:
            other.execute(update(Conversation).where(Conversation.id == cid).values(team_id=library.id))
        monkeypatch.setattr(TeamState, "for_decision", classmethod(decide))
        return decide(cls, team, now)

    monkeypatch.setattr(TeamState, "for_decision", classmethod(moved_meanwhile))
    assert routing.route(cid) == "moved"
    db.session.commit()
    jobs.run_ready()
    assert sim.owner(cid) == "Lena"
