"""Ingest benchmark: signed web-form webhooks into gunicorn + PostgreSQL + Redis on 127.0.0.1.

Prints, per concurrency level, accepted messages per second and latency percentiles, the
machine's raw single-row INSERT+COMMIT rate through psycopg at the same concurrency, and
their ratio; then p99 at a fixed 200 requests/s; then counts messages after the RQ workers
drained the queue (none lost, none duplicated); then the inbox list page's p95 server time
with 100,000 conversations and 500,000 messages.

    .venv/bin/python bench/ingest.py [--levels 1,4,16,32] [--requests 1500] [--skip-inbox]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import BIN, REDIS_URL, ROOT, free_port, scratch_database, summary, wait_for_port  # noqa: E402
from bench.inbox_page import measure_inbox_page  # noqa: E402
from inbox.core.crypto import hmac_sha256_hex  # noqa: E402

SECRET = "bench-webhook-secret"


def make_channel(url: str) -> str:
    from inbox import create_app
    from inbox.channels.operations import create_channel
    from inbox.extensions import db
    from inbox.orgs.operations import create_organization, create_team

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        org = create_organization("bench", "Stadt Benchmark")
        channel = create_channel(org, create_team(org, "redaktion", "Redaktion"), "webform", "Formular",
                                 slug="bench-form", credentials={"secret": SECRET})
        db.session.commit()
        db.engine.dispose()
        return channel.slug


def signed(n: int, run: str) -> tuple[bytes, dict]:
    body = json.dumps({"external_id": f"{run}-{n}", "name": "Bürgerin", "email": f"b{n % 5000}@example.net",
                       "subject": "Frage", "text": f"Wann ist das Bürgerbüro geöffnet? ({n})"}).encode()
    return body, {"Content-Type": "application/json", "X-Mitreden-Signature": "sha256=" + hmac_sha256_hex(SECRET, body)}


def closed_loop(port: int, path: str, bodies: list, concurrency: int) -> tuple[float, list[float], int]:
    """Each of `concurrency` clients sends its share back to back; returns (seconds, latencies, errors)."""
    latencies, errors, lock = [], [0], threading.Lock()
    shares = [bodies[i::concurrency] for i in range(concurrency)]

    def client(share):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for body, headers in share:
            start = time.perf_counter()
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, errors[0]


def fixed_rate(port: int, path: str, bodies: list, rate: float) -> tuple[list[float], int]:
    """Open loop: request i is due at i/rate; latency counts from when it was due (no coordinated omission)."""
    import queue

    due_queue, latencies, errors, lock = queue.Queue(), [], [0], threading.Lock()

    def sender():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (item := due_queue.get()) is not None:
            due, (body, headers) = item
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            with lock:
                latencies.append(time.perf_counter() - due)
                errors[0] += response.status != 200

    senders = [threading.Thread(target=sender) for _ in range(24)]
    for t in senders:
        t.start()
    begin = time.perf_counter()
    for i, item in enumerate(bodies):
        due = begin + i / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        due_queue.put((due, item))
    for _ in senders:
        due_queue.put(None)
    for t in senders:
        t.join()
    return latencies, errors[0]


def raw_inserts(url: str, count: int, concurrency: int) -> float:
    """Single-row INSERT+COMMIT per request through psycopg: the machine's ceiling for durable writes."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, body bytea, at timestamptz "
                     "DEFAULT now())")
    payload = b"x" * 300

    def worker(n):
        with psycopg.connect(dsn) as conn:
            for _ in range(n):
                conn.execute("INSERT INTO bench_raw (body) VALUES (%s)", (payload,))
                conn.commit()

    threads = [threading.Thread(target=worker, args=(count // concurrency,)) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (count // concurrency * concurrency) / (time.perf_counter() - started)


def start_services(url: str, queue: str, port: int, rq_workers: int):
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS_URL, MITREDEN_QUEUE=queue, SECRET_KEY="bench",
               PYTHONPATH=str(ROOT))
    web = subprocess.Popen([str(BIN / "gunicorn"), "-w", "4", "-k", "gthread", "--threads", "4", "-b",
                            f"127.0.0.1:{port}", "--log-level", "warning", "inbox:create_app()"],
                           env=env, cwd=ROOT)
    workers = [subprocess.Popen([str(BIN / "mitreden"), "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for _ in range(rq_workers)]
    wait_for_port(port)
    return [web, *workers]


def drain(queue_name: str, timeout: float = 300) -> None:
    from redis import Redis
    from rq import Queue

    queue = Queue(queue_name, connection=Redis.from_url(REDIS_URL))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if queue.count == 0 and queue.started_job_registry.count == 0:
            return
        time.sleep(0.5)
    raise RuntimeError("the RQ workers did not drain the queue in time")


def count_messages(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        # Inbound only: out of service hours routing adds one acknowledgement per conversation.
        total = conn.execute("SELECT count(*) FROM message WHERE direction = 'in'").fetchone()[0]
        distinct = conn.execute("SELECT count(DISTINCT external_id) FROM message WHERE direction = 'in'").fetchone()[0]
    return total, distinct


def ingest_run(url: str, levels: list[int], per_level: int) -> None:
    slug, queue, port = make_channel(url), f"bench-{uuid.uuid4().hex[:8]}", free_port()
    procs = start_services(url, queue, port, rq_workers=2)
    path, run, sent = f"/webhooks/{slug}", uuid.uuid4().hex[:6], 0
    try:
        closed_loop(port, path, [signed(i, "warm" + run) for i in range(200)], 8)
        sent += 200
        print(f"{'conc':>5} {'msg/s':>8} {'raw ins/s':>10} {'ratio':>6}  latency")
        for level in levels:
            bodies = [signed(sent + i, run) for i in range(per_level)]
            seconds, latencies, errors = closed_loop(port, path, bodies, level)
            sent += per_level
            rate, raw = per_level / seconds, raw_inserts(url, per_level, level)
            print(f"{level:>5} {rate:>8.0f} {raw:>10.0f} {rate / raw:>6.2f}  {summary(latencies)}"
                  + (f"  ERRORS {errors}" if errors else ""))
        bodies = [signed(sent + i, run) for i in range(2000)]
        latencies, errors = fixed_rate(port, path, bodies, 200.0)
        sent += 2000
        print(f"fixed 200 req/s for 10 s: {summary(latencies)}, errors {errors}")
        dupes = [signed(i, run) for i in range(200, 2200, 10)]  # all delivered before
        closed_loop(port, path, dupes, 8)
        print(f"re-sent {len(dupes)} already delivered webhooks (platform retries)")
        drain(queue)
        total, distinct = count_messages(url)
        print(f"messages stored: {total} (distinct external ids {distinct}); webhooks accepted: {sent} unique "
              f"-> {'OK: none lost, none duplicated' if total == distinct == sent else 'MISMATCH'}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,4,16,32")
    parser.add_argument("--requests", type=int, default=1500, help="requests per concurrency level")
    parser.add_argument("--skip-inbox", action="store_true")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=500_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; gunicorn 4 workers x 4 threads; 2 RQ workers; PostgreSQL; Redis")
    with scratch_database("mitreden_bench_ingest") as url:
        ingest_run(url, [int(x) for x in args.levels.split(",")], args.requests)
    if not args.skip_inbox:
        with scratch_database("mitreden_bench_inbox") as url:
            measure_inbox_page(url, args.conversations, args.messages)


if __name__ == "__main__":
    main()
