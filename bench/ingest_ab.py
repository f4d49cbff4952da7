"""A/B of the webhook intake: this checkout against another one (a `git worktree` of another revision).

Both run behind gunicorn with their own config/gunicorn.conf.py and their own migrated database on
the same PostgreSQL and Redis, and take turns: a turn of webhooks to A, one to B (the order swaps
every turn), then a turn of raw INSERT+COMMITs. On this shared machine the speed drifts by half
within a minute, so two separate runs of bench/ingest.py cannot tell a change of a few percent;
turns of one run can. Prints webhooks per second, the ratio to the raw rate, and the web
processes' CPU per request for each side.

    git worktree add /tmp/before <revision>
    .venv/bin/python bench/ingest_ab.py /tmp/before [--concurrency 1] [--turns 30] [--per-turn 500]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import ROOT, free_port, process_cpu, scratch_database, summary  # noqa: E402
from bench.httpload import closed_loop  # noqa: E402
from bench.ingest import drop_queue, make_channel, raw_insert_seconds, signed, start_services  # noqa: E402


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a gunicorn master and its workers."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return sum(process_cpu(process) for process in [pid, *found])


def serve(root: Path, url: str, queue: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    (web,) = start_services(url, queue, port, rq_workers=0, root=root)
    return web, port


def compare(sides: dict[str, Path], concurrency: int, turns: int, per_turn: int) -> None:
    queue = f"bench-ab-{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        urls = {name: stack.enter_context(scratch_database(f"mitreden_bench_ab_{name}", root))
                for name, root in sides.items()}
        servers = {}
        try:
            for name, root in sides.items():
                slug = make_channel(urls[name])
                servers[name] = serve(root, urls[name], queue)
            path = f"/webhooks/{slug}"
            totals = run_turns(servers, urls, path, concurrency, turns, per_turn)
        finally:
            for web, _port in servers.values():
                web.terminate()
                web.wait(timeout=30)
            drop_queue(queue)
    report(totals, turns * per_turn, concurrency)


def run_turns(servers: dict, urls: dict, path: str, concurrency: int, turns: int, per_turn: int) -> dict:
    totals = {name: {"seconds": 0.0, "cpu": 0.0, "latencies": []} for name in servers}
    totals["raw"] = {"seconds": 0.0}
    for _web, port in servers.values():
        closed_loop(port, [signed(path, i, "warm") for i in range(300)], concurrency)
    sent = 0
    for turn in range(turns):
        for name in (list(servers) if turn % 2 == 0 else list(servers)[::-1]):
            web, port = servers[name]
            requests = [signed(path, sent + i, "ab") for i in range(per_turn)]
            sent += per_turn
            before = tree_cpu(web.pid)
            seconds, latencies, errors = closed_loop(port, requests, concurrency)
            if errors:
                raise RuntimeError(f"{name}: {errors} webhooks not answered 200")
            side = totals[name]
            side["seconds"], side["cpu"] = side["seconds"] + seconds, side["cpu"] + tree_cpu(web.pid) - before
            side["latencies"] += latencies
        totals["raw"]["seconds"] += raw_insert_seconds(next(iter(urls.values())), per_turn, concurrency)
    return totals


def report(totals: dict, count: int, concurrency: int) -> None:
    raw_rate = count / totals.pop("raw")["seconds"]
    print(f"concurrency {concurrency}, {count} webhooks a side; raw INSERT+COMMIT {raw_rate:.0f}/s")
    for name, side in totals.items():
        rate = count / side["seconds"]
        print(f"{name:>8}: {rate:6.0f}/s  ratio {rate / raw_rate:.2f}  web CPU per request "
              f"{side['cpu'] / count * 1e6:4.0f} µs  {summary(side['latencies'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, help="the other checkout (compared as 'other' against 'this')")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--per-turn", type=int, default=500)
    args = parser.parse_args()
    compare({"other": args.other.resolve(), "this": ROOT}, args.concurrency, args.turns, args.per_turn)


if __name__ == "__main__":
    main()
