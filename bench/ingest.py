"""Ingest benchmark: signed web-form webhooks into gunicorn + PostgreSQL + Redis on 127.0.0.1.

Prints, per concurrency level, accepted messages per second and latency percentiles, the
machine's raw single-row INSERT+COMMIT rate through psycopg at the same concurrency, and
their ratio (measured in alternating turns, see closed_levels); then p99 at a fixed 200
requests/s; then counts messages after the RQ workers drained the queue (none lost, none
duplicated); then the inbox list page's p95 server time with 100,000 conversations and
500,000 messages.

    .venv/bin/python bench/ingest.py [--levels 1,4,16,32] [--requests 3000] [--rounds 6] [--skip-inbox]

gunicorn runs with config/gunicorn.conf.py (uvicorn workers, one per two cores, serving inbox.asgi). The RQ
workers run at nice 10, as the README advises where web and workers share a machine: they take
the CPU the web processes leave. They are paused while the closed-loop levels and the raw
inserts run, so that the ratio compares the two on an otherwise idle machine (as if the workers
ran elsewhere); they work during the fixed-rate run and then drain the queue. Requests come from
bench/httpload.py (raw sockets, built once), so that the load generator takes little of the two
cores; per request, the CPU used by the web processes, PostgreSQL, Redis, the RQ workers and the
generator is printed as well.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import (  # noqa: E402
    BIN,
    REDIS_URL,
    ROOT,
    SECRET_KEY,
    free_port,
    process_cpu,
    run_together,
    scratch_database,
    summary,
    wait_for_port,
)
from bench.httpload import build, closed_loop, fixed_rate  # noqa: E402
from bench.inbox_page import measure_inbox_page  # noqa: E402
from inbox.core.crypto import hmac_sha256_hex  # noqa: E402

SECRET = "bench-webhook-secret"


def make_channel(url: str) -> str:
    from inbox import create_app
    from inbox.channels.operations import create_channel
    from inbox.extensions import db
    from inbox.orgs.operations import create_organization, create_team

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        org = create_organization("bench", "Stadt Benchmark")
        channel = create_channel(org, create_team(org, "redaktion", "Redaktion"), "webform", "Formular",
                                 slug="bench-form", credentials={"secret": SECRET})
        db.session.commit()
        db.engine.dispose()
        return channel.slug


def signed(path: str, n: int, run: str) -> bytes:
    """One signed web-form webhook as the bytes of an HTTP request."""
    body = json.dumps({"external_id": f"{run}-{n}", "name": "Bürgerin", "email": f"b{n % 5000}@example.net",
                       "subject": "Frage", "text": f"Wann ist das Bürgerbüro geöffnet? ({n})"}).encode()
    headers = {"Content-Type": "application/json", "X-Mitreden-Signature": "sha256=" + hmac_sha256_hex(SECRET, body)}
    return build(path, body, headers)


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the processes of each part of the benchmark (from /proc)."""
    totals = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            used = process_cpu(pid)
        except OSError:
            continue
        part = ("load generator" if int(pid) == os.getpid() else "gunicorn" if "gunicorn" in command
                else "rq workers" if "worker" in command and "mitreden" in command else "postgres"
                if "postgres" in command else "redis" if "redis" in command else None)
        if part:
            totals[part] = totals.get(part, 0.0) + used
    return totals


def cpu_per_request(before: dict, after: dict, count: int) -> str:
    return ", ".join(f"{part} {(after[part] - before.get(part, 0.0)) / count * 1e6:.0f}" for part in sorted(after))


def raw_insert_seconds(url: str, count: int, concurrency: int) -> float:
    """Seconds for count single-row INSERT+COMMITs through psycopg: the machine's ceiling for durable writes."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, body bytea, at timestamptz "
                     "DEFAULT now())")
    payload = b"x" * 300

    def worker(n, ready):
        with psycopg.connect(dsn) as conn:
            ready.wait()
            for _ in range(n):
                conn.execute("INSERT INTO bench_raw (body) VALUES (%s)", (payload,))
                conn.commit()

    return run_together([functools.partial(worker, count // concurrency) for _ in range(concurrency)])


def start_services(url: str, queue: str, port: int, rq_workers: int, root: Path = ROOT) -> list[subprocess.Popen]:
    """gunicorn (per root's config/gunicorn.conf.py) and rq_workers RQ workers at nice 10, running root's code."""
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS_URL, MITREDEN_QUEUE=queue, SECRET_KEY=SECRET_KEY,
               PYTHONPATH=str(root), MITREDEN_BIND=f"127.0.0.1:{port}")
    web = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(root / "config" / "gunicorn.conf.py"), "--log-level",
                            "warning"], env=env, cwd=root)
    workers = [subprocess.Popen(["nice", "-n", "10", str(BIN / "mitreden"), "worker"], env=env, cwd=root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(rq_workers)]
    wait_for_port(port)
    return [web, *workers]


def wait_until_processed(url: str, timeout: float = 900) -> None:
    """Until the workers have turned every stored webhook into its message (routing jobs may still follow)."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM raw_event WHERE status = 'pending'").fetchone()[0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the RQ workers did not process the stored webhooks in time")
            time.sleep(0.5)


def count_messages(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        # Inbound only: out of service hours routing adds one acknowledgement per conversation.
        total = conn.execute("SELECT count(*) FROM message WHERE direction = 'in'").fetchone()[0]
        distinct = conn.execute("SELECT count(DISTINCT external_id) FROM message WHERE direction = 'in'").fetchone()[0]
    return total, distinct


def ingest_run(url: str, levels: list[int], per_level: int, rounds: int) -> None:
    slug, queue, port = make_channel(url), f"bench-{uuid.uuid4().hex[:8]}", free_port()
    procs = start_services(url, queue, port, rq_workers=2)
    path, run = f"/webhooks/{slug}", uuid.uuid4().hex[:6]
    try:
        closed_loop(port, [signed(path, i, "warm" + run) for i in range(300)], 8)
        for worker in procs[1:]:  # the ratio compares ingest and raw inserts on an otherwise idle machine
            worker.send_signal(signal.SIGSTOP)
        try:
            sent = 300 + closed_levels(url, port, path, run, levels, per_level, rounds)
        finally:
            for worker in procs[1:]:
                worker.send_signal(signal.SIGCONT)
        fixed = [signed(path, sent + i, run) for i in range(2000)]
        latencies, errors = fixed_rate(port, fixed, 200.0)
        sent += len(fixed)
        print(f"fixed 200 req/s for 10 s: {summary(latencies)}, errors {errors}")
        dupes = [signed(path, i, run) for i in range(0, 2000, 10)]  # all delivered before
        closed_loop(port, dupes, 8)
        print(f"re-sent {len(dupes)} already delivered webhooks (platform retries)")
        started = time.perf_counter()
        wait_until_processed(url)
        total, distinct = count_messages(url)
        print(f"all raw events processed {time.perf_counter() - started:.0f} s after the last webhook")
        print(f"messages stored: {total} (distinct external ids {distinct}); webhooks accepted: {sent} unique "
              f"-> {'OK: none lost, none duplicated' if total == distinct == sent else 'MISMATCH'}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        drop_queue(queue)


def drop_queue(queue: str) -> None:
    """Remove what the run left in Redis (Redis is shared): the queue's keys and every job they name."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    keys, jobs = list(connection.scan_iter(f"rq:*{queue}*")), set()
    for key in keys:
        kind = connection.type(key)
        jobs.update(connection.lrange(key, 0, -1) if kind == b"list" else
                    connection.zrange(key, 0, -1) if kind == b"zset" else [])
    names = [*keys, *(b"rq:job:" + j for j in jobs), *(b"rq:results:" + j for j in jobs)]
    for start in range(0, len(names), 1000):
        connection.delete(*names[start:start + 1000])


def closed_levels(url: str, port: int, path: str, run: str, levels: list[int], per_level: int, rounds: int) -> int:
    """Closed-loop runs at each concurrency against the raw INSERT+COMMIT rate; returns the requests sent.

    This machine's speed drifts by half within a minute, so a level is not measured as one block of
    webhooks and then one of raw inserts: it alternates `rounds` shares of each, in turns (which goes
    first swaps every turn), and compares the totals. CPU per request counts the webhook shares only.
    """
    sent, share = 0, per_level // rounds
    print(f"{'conc':>5} {'msg/s':>8} {'raw ins/s':>10} {'ratio':>6}  {'per round':>11}  latency")
    for level in levels:
        ours = raw = 0.0
        latencies, errors, ratios, used = [], 0, [], {}
        for turn in range(rounds):
            requests = [signed(path, sent + i, run) for i in range(share)]
            sent += share
            raw_before = raw_insert_seconds(url, share, level) if turn % 2 else 0.0
            seconds, turn_latencies, turn_errors = webhook_turn(port, requests, level, used)
            raw_seconds = raw_before if turn % 2 else raw_insert_seconds(url, share, level)
            ours, raw, errors = ours + seconds, raw + raw_seconds, errors + turn_errors
            latencies += turn_latencies
            ratios.append(raw_seconds / seconds)
        rate, raw_rate = share * rounds / ours, share * rounds / raw
        print(f"{level:>5} {rate:>8.0f} {raw_rate:>10.0f} {rate / raw_rate:>6.2f}  {min(ratios):.2f}-{max(ratios):.2f}"
              f"  {summary(latencies)}" + (f"  ERRORS {errors}" if errors else ""))
        print(f"{'':>32}CPU µs per request: {cpu_per_request({}, used, share * rounds)}")
    return sent


def webhook_turn(port: int, requests: list[bytes], level: int, used: dict[str, float]):
    """One closed-loop turn; adds the CPU each part used meanwhile to `used`."""
    before = cpu_seconds()
    result = closed_loop(port, requests, level)
    for part, value in cpu_seconds().items():
        used[part] = used.get(part, 0.0) + value - before.get(part, 0.0)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,4,16,32")
    parser.add_argument("--requests", type=int, default=3000, help="requests per concurrency level")
    parser.add_argument("--rounds", type=int, default=6, help="turns of webhooks and raw inserts per level")
    parser.add_argument("--skip-inbox", action="store_true")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=500_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; gunicorn per config/gunicorn.conf.py; 2 RQ workers (nice 10); "
          "PostgreSQL; Redis")
    with scratch_database("mitreden_bench_ingest") as url:
        ingest_run(url, [int(x) for x in args.levels.split(",")], args.requests, args.rounds)
    if not args.skip_inbox:
        with scratch_database("mitreden_bench_inbox") as url:
            measure_inbox_page(url, args.conversations, args.messages)


if __name__ == "__main__":
    main()
