"""Routing benchmark: decisions per second in memory, DB-backed routing of one conversation, webhook to
assignment end to end with a real RQ worker (PostgreSQL + Redis).

    PYTHONPATH=$PWD /work/main/.venv/bin/python bench/routing.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--redis redis://127.0.0.1:6379/0] [--messages 60]

Needs PostgreSQL and Redis; creates and drops its own database and uses its own queue name.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EDITORS, OPEN_CONVERSATIONS = 50, 10_000


def bench_decisions(n: int = 200_000) -> float:
    from inbox.routing.decide import Candidate, choose

    rng = random.Random(7)
    candidates = [Candidate(i, 0, 400, frozenset({"de"} | ({"en"} if i % 5 == 0 else set())),
                            frozenset({"facebook"}) if i % 10 == 0 else frozenset()) for i in range(EDITORS)]
    for _ in range(OPEN_CONVERSATIONS):
        candidates[rng.randrange(EDITORS)].load += 1
    kinds = ["webform", "facebook", "instagram", "email"]
    work = [(rng.choice(kinds), frozenset({"en"}) if rng.random() < 0.1 else frozenset(),
             rng.randrange(EDITORS) if rng.random() < 0.3 else None) for _ in range(n)]
    started = time.perf_counter()
    for kind, needs, sticky in work:
        chosen = choose(candidates, kind=kind, needs=needs, sticky=sticky)
        chosen.load += 1
        if chosen.load > 350:  # keep the state realistic: resolved conversations free capacity
            chosen.load -= 50
    return n / (time.perf_counter() - started)


def make_database(admin_url: str) -> str:
    name = f"mitreden_bench_{secrets.token_hex(4)}"
    with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name


def drop_database(admin_url: str, name: str) -> None:
    with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seed(app) -> dict:
    """One org, 50 editors on a 24-hour shift (crisis mode: open around the clock), 10,000 open conversations."""
    from inbox.accounts.operations import create_user, grant
    from inbox.channels.operations import create_channel
    from inbox.conversations.models import Contact, Conversation
    from inbox.core import clock
    from inbox.extensions import db
    from inbox.orgs.operations import create_organization, create_team
    from inbox.rota import operations as rota_ops
    from inbox.rota.models import ShiftTemplateRow

    org = create_organization("bench", "Bench-Stadt", "NW")
    team = create_team(org, "redaktion", "Redaktion")
    users = []
    for i in range(EDITORS):
        user = create_user(f"e{i}@bench.example", f"Editor {i}", "bench-editor-password")
        grant(user, org.id, "editor", team_id=team.id)
        users.append(user)
    channel = create_channel(org, team, "webform", "Formular", slug="bench", credentials={"secret": "s3cr3t"})
    today = clock.now().astimezone(clock.BERLIN).date()
    rota_ops.add_override(team, "crisis", today - timedelta(days=1), today + timedelta(days=2), reason="Bench")
    db.session.add(ShiftTemplateRow(organization_id=org.id, team_id=team.id, code="R", name="Rund um die Uhr",
                                    start="00:00", end="00:00", day_types=["workday", "weekend", "holiday"],
                                    headcount={}, skills=[], break_minutes=60))
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        rota = rota_ops.rota_for(team, day.year, day.month)
        rota_ops.save_cells(rota, {(u.id, day): "R" for u in users})
    for rota in {rota_ops.rota_for(team, d.year, d.month) for d in (today - timedelta(days=1), today)}:
        rota_ops.publish(rota)
    now = clock.now()
    db.session.execute(insert(Contact), [dict(organization_id=org.id, channel_id=channel.id, external_id=f"b{i}",
                                              handle="", name="", email="", created_at=now)
                                         for i in range(OPEN_CONVERSATIONS)])
    contacts = db.session.scalars(select(Contact.id).where(Contact.channel_id == channel.id)).all()
    db.session.execute(insert(Conversation), [dict(
        organization_id=org.id, team_id=team.id, channel_id=channel.id, contact_id=cid, thread_key="", subject="",
        status="open", priority="normal", assignee_id=users[i % EDITORS].id, last_activity_at=now,
        last_inbound_at=now, created_at=now) for i, cid in enumerate(contacts)])
    db.session.commit()
    return {"org": org.id, "team": team.id, "channel": channel.id}


def bench_db_route(app, ids: dict, n: int = 100) -> float:
    """Seconds per DB-backed routing of one fresh conversation (ingest not counted)."""
    from inbox.channels.adapters.base import InboundMessage
    from inbox.channels.models import Channel
    from inbox.conversations import operations
    from inbox.extensions import db
    from inbox.routing.operations import route

    channel = db.session.get(Channel, ids["channel"])
    timings = []
    for i in range(n):
        message = operations.ingest(channel, InboundMessage(external_id=f"db-{i}", text="Frage", author_id=f"n{i}"))
        db.session.commit()
        started = time.perf_counter()
        route(message.conversation_id)
        db.session.commit()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bench_end_to_end(app, ids: dict, env: dict, count: int) -> list[float]:
    from inbox.channels.models import Channel
    from inbox.conversations.models import Conversation, Message
    from inbox.core.crypto import hmac_sha256_hex
    from inbox.extensions import db

    worker = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "mitreden"), "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = app.test_client()
    slug = db.session.get(Channel, ids["channel"]).slug
    latencies = []
    try:
        time.sleep(3)  # the worker imports the app before it takes jobs
        for i in range(count):
            body = json.dumps({"external_id": f"e2e-{i}", "name": "Bürger", "email": f"e2e{i}@example.net",
                               "subject": "Frage", "text": "Wann?"}).encode()
            started = time.perf_counter()
            response = client.post(f"/webhooks/{slug}", data=body, content_type="application/json",
                                   headers={"X-Mitreden-Signature": "sha256=" + hmac_sha256_hex("s3cr3t", body)})
            assert response.status_code == 200, response.data
            while True:
                db.session.rollback()
                owner = db.session.scalar(select(Conversation.assignee_id).join(
                    Message, Message.conversation_id == Conversation.id).where(Message.external_id == f"e2e-{i}"))
                if owner:
                    break
                if time.perf_counter() - started > 30:
                    raise RuntimeError("no assignment within 30 s")
                time.sleep(0.002)
            latencies.append(time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(10)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--messages", type=int, default=60)
    args = parser.parse_args()
    print(f"decision function: {bench_decisions():,.0f} decisions/s "
          f"({EDITORS} editors on shift, {OPEN_CONVERSATIONS:,} open conversations)")
    name = make_database(args.pg)
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    queue = f"bench-routing-{secrets.token_hex(4)}"
    secret = secrets.token_hex(32)
    config = Path(f"/tmp/{queue}.toml")
    # Realistic state holds 200 open conversations per editor; a capacity above that keeps everyone eligible.
    config.write_text("[routing]\ncapacity = 1000\n")
    env = {**os.environ, "MITREDEN_CONFIG": str(config), "DATABASE_URL": url, "REDIS_URL": args.redis,
           "MITREDEN_QUEUE": queue, "SECRET_KEY": secret, "PYTHONPATH": str(ROOT)}
    os.environ.update({k: env[k] for k in ("MITREDEN_CONFIG", "DATABASE_URL", "REDIS_URL", "MITREDEN_QUEUE",
                                                     "SECRET_KEY")})
    try:
        from flask_migrate import upgrade

        from inbox import create_app

        app = create_app()
        with app.app_context():
            upgrade()
            app.config["REDIS_URL"] = ""  # seeding and the DB-backed figure run in-process
            ids = seed(app)
            per_route = bench_db_route(app, ids)
            print(f"DB-backed routing of one conversation (PostgreSQL, 10,000 open): {per_route * 1000:.1f} ms median "
                  f"= {1 / per_route:,.0f} conversations/s per process")
            app.config["REDIS_URL"] = args.redis
            lat = sorted(bench_end_to_end(app, ids, env, args.messages))
            p50, p95 = lat[len(lat) // 2], lat[int(len(lat) * 0.95) - 1]
            print(f"webhook to assignment with a real RQ worker: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
                  f"({len(lat)} messages)")
            from inbox.extensions import db

            db.session.remove()
            db.engine.dispose()
            from redis import Redis
            from rq import Queue

            Queue(queue, connection=Redis.from_url(args.redis)).delete(delete_jobs=True)
    finally:
        drop_database(args.pg, name)
        config.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
