"""Live-update benchmark: webhook POST -> the new row visible in each of 20 editors' open inbox pages.

A real production set-up on 127.0.0.1: gunicorn per config/gunicorn.conf.py (uvicorn workers
serving inbox.asgi; two worker processes, so that the fan-out crosses processes through Redis),
RQ workers at nice 10 (--rq-workers, 2 as in bench/ingest.py), PostgreSQL and Redis. One Debian
Chromium (Playwright) holds `--pages` pages, each in its own context logged in as another editor,
on "Alle offenen". Signed web-form webhooks are POSTed at a steady rate; a MutationObserver in
every page notes when the row with the webhook's subject enters the list. Latency = that moment
minus the moment the POST was sent (both on this machine's clock). Prints p50/p95/p99 over all
pages and webhooks, any row that never appeared, the CPU each part used, and how much of the
latency is the ingest before the live event is written.

    .venv/bin/python bench/live.py [--pages 20] [--webhooks 60] [--rate 1.0] [--rq-workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import SECRET_KEY, free_port, scratch_database, summary  # noqa: E402
from bench.ingest import drop_queue, start_services  # noqa: E402
from inbox.core.crypto import hmac_sha256_hex  # noqa: E402

SECRET = "bench-webhook-secret"
PASSWORD = "bench-password-not-common"
# Noted in every page before its scripts run (Playwright's init script is not subject to the page's CSP).
OBSERVER = """
window.__seen = {};
new MutationObserver((changes) => {
  const at = performance.timeOrigin + performance.now();
  for (const change of changes) for (const node of change.addedNodes) {
    if (node.nodeType !== 1) continue;
    const rows = node.matches('[id^="conv-"]') ? [node] : [...node.querySelectorAll('[id^="conv-"]')];
    for (const row of rows) {
      const match = /Livebench (\\d+)/.exec(row.textContent);
      if (match && !(match[1] in window.__seen)) window.__seen[match[1]] = at;
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


def prepare(url: str, editors: int) -> tuple[str, list[str]]:
    """An organization, its team, a web-form channel and the editors; returns the channel's slug and e-mails."""
    from inbox import create_app
    from inbox.accounts.operations import create_user, grant
    from inbox.channels.operations import create_channel
    from inbox.extensions import db
    from inbox.orgs.operations import create_organization, create_team

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        org = create_organization("livebench", "Stadt Livebench")
        team = create_team(org, "redaktion", "Redaktion")
        channel = create_channel(org, team, "webform", "Formular", slug="live-form", credentials={"secret": SECRET})
        emails = []
        for n in range(editors):
            user = create_user(f"editor{n}@livebench.example", f"Redakteurin {n}", PASSWORD)
            db.session.flush()
            grant(user, org.id, "editor", team_id=team.id)
            emails.append(user.email)
        db.session.commit()
        slug = channel.slug
        db.engine.dispose()
    return slug, emails


def open_pages(browser, base: str, emails: list[str]) -> list:
    pages = []
    for email in emails:
        page = browser.new_context(base_url=base, locale="de-DE").new_page()
        page.add_init_script(OBSERVER)
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url("**/inbox")
        page.wait_for_selector("html[data-live=verbunden]")
        pages.append(page)
    return pages


def post(port: int, slug: str, n: int) -> float:
    """POST one signed webhook; returns the epoch time it was sent."""
    import http.client

    body = json.dumps({"external_id": f"live-{uuid.uuid4().hex}", "name": f"Bürgerin {n}",
                       "email": f"b{n}@example.net", "subject": f"Livebench {n}",
                       "text": f"Frage Nummer {n} an die Stadt"}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = time.time()
    connection.request("POST", f"/webhooks/{slug}", body=body, headers={
        "Content-Type": "application/json", "X-Mitreden-Signature": "sha256=" + hmac_sha256_hex(SECRET, body)})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    if answer.status != 200:
        raise RuntimeError(f"webhook {n} answered {answer.status}")
    return sent


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the parts of the set-up, Chromium included (from /proc)."""
    from bench._support import process_cpu

    totals: dict[str, float] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            used = process_cpu(pid)
        except OSError:
            continue
        part = ("chromium" if "chrom" in command else "gunicorn" if "gunicorn" in command
                else "rq worker" if "worker" in command and "mitreden" in command
                else "postgres" if "postgres" in command else "redis" if "redis-server" in command else None)
        if part:
            totals[part] = totals.get(part, 0.0) + used
    return totals


def outbox_times(url: str) -> dict[str, float]:
    """Per webhook number, the epoch time its message.received live event was written."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute("SELECT c.subject, e.created_at FROM live_event e JOIN conversation c ON "
                            "c.id = e.conversation_id WHERE e.kind = 'message.received'").fetchall()
    # created_at is naive UTC (inbox.core.types.UTCDateTime)
    from datetime import UTC

    return {subject.removeprefix("Livebench "): at.replace(tzinfo=UTC).timestamp() for subject, at in rows}


def run(pages_count: int, webhooks: int, rate: float, rq_workers: int) -> None:
    from playwright.sync_api import sync_playwright

    settings = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    settings.write("[app]\nhttps = false\n")  # served over plain http on 127.0.0.1
    settings.close()
    os.environ.update(MITREDEN_CONFIG=settings.name, MITREDEN_WEB_WORKERS="2")
    with scratch_database("mitreden_bench_live") as url:
        slug, emails = prepare(url, pages_count)
        queue, port = f"bench-live-{uuid.uuid4().hex[:8]}", free_port()
        procs = start_services(url, queue, port, rq_workers=rq_workers)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                pages = open_pages(browser, f"http://127.0.0.1:{port}", emails)
                print(f"{len(pages)} pages open and connected; {webhooks} webhooks at {rate}/s")
                sent = {}
                cpu_before = cpu_seconds()
                started = time.monotonic()
                for n in range(webhooks):
                    time.sleep(max(0.0, started + n / rate - time.monotonic()))
                    sent[str(n)] = post(port, slug, n)
                    for page in pages:  # lets Playwright's event loop deliver the pages' work
                        page.evaluate("0")
                cpu_used = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_seconds().items()}
                seconds = time.monotonic() - started
                deadline = time.monotonic() + 30
                seen = []
                while time.monotonic() < deadline:
                    seen = [page.evaluate("window.__seen") for page in pages]
                    if all(len(s) == webhooks for s in seen):
                        break
                    time.sleep(0.5)
                browser.close()
            stored = outbox_times(url)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
            drop_queue(queue)
            os.unlink(settings.name)
    latencies = [(at / 1000 - sent[n]) for page_seen in seen for n, at in page_seen.items() if n in sent]
    missing = pages_count * webhooks - len(latencies)
    print(f"webhook POST -> row visible, over {len(pages)} pages x {webhooks} webhooks: {summary(latencies)}")
    print(f"rows that never appeared within 30 s after the last POST: {missing}")
    print(f"CPU while posting ({seconds:.0f} s, 2 cores = {2 * seconds:.0f} CPU-s): " +
          ", ".join(f"{k} {v:.1f} s" for k, v in sorted(cpu_used.items())))
    outbox = [stored[n] - sent[n] for n in sent if n in stored]
    print(f"of which webhook POST -> its message's live event written (RQ worker's ingest): {summary(outbox)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--webhooks", type=int, default=60)
    parser.add_argument("--rate", type=float, default=1.0, help="webhooks per second")
    parser.add_argument("--rq-workers", type=int, default=2, help="RQ workers at nice 10 (as bench/ingest.py)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; gunicorn (2 uvicorn workers), {args.rq_workers} RQ worker(s) (nice 10), "
          "PostgreSQL, Redis, Debian's Chromium")
    run(args.pages, args.webhooks, args.rate, args.rq_workers)


if __name__ == "__main__":
    main()
