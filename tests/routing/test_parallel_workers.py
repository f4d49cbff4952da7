"""Two real RQ workers route the same conversations at once: each is assigned exactly once."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

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
