"""The inbox list page's server time with a large PostgreSQL database (seeded here with COPY).

Every list view, in both sorts, p50/p95 per view, 100,000 conversations and 500,000 messages by default:

    .venv/bin/python bench/inbox_page.py [--conversations 100000] [--messages 500000] [--runs 200] [--explain]
"""

from __future__ import annotations

import io
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import SECRET_KEY, summary  # noqa: E402

EDITORS = 20
CONTACTS = 20_000


def _copy(conn, table: str, columns: str, rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def _base(app) -> tuple[int, int, list[int], list[int]]:
    from inbox.accounts.operations import create_user, grant
    from inbox.channels.operations import create_channel
    from inbox.extensions import db
    from inbox.orgs.operations import create_organization, create_team

    org = create_organization("gross", "Großstadt")
    team = create_team(org, "redaktion", "Redaktion")
    editors = []
    for n in range(EDITORS):
        user = create_user(f"editor{n}@example.org", f"Redakteur {n}", "bench-password")
        grant(user, org.id, "editor", team_id=team.id)
        editors.append(user.id)
    channels = [create_channel(org, team, "webform", f"Formular {n}", credentials={"secret": "x"}).id
                for n in range(3)]
    db.session.commit()
    return org.id, team.id, editors, channels


def seed(app, url: str, conversations: int, messages: int) -> None:
    import psycopg

    with app.app_context():
        org, team, editors, channels = _base(app)
    rnd, now = random.Random(7), datetime.now(UTC)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        _copy(conn, "contact", "id, organization_id, channel_id, external_id, handle, name, email, created_at",
              ((i, org, channels[i % 3], f"c{i}@example.net", "", f"Person {i}", f"c{i}@example.net", _naive(now))
               for i in range(1, CONTACTS + 1)))
        rows = [_conversation(rnd, now, i, editors) for i in range(1, conversations + 1)]
        _copy(conn, "conversation", "id, organization_id, created_at, team_id, channel_id, contact_id, thread_key, "
              "subject, status, priority, assignee_id, last_activity_at, last_inbound_at, last_message_preview, "
              "last_message_direction, is_public, urgency_tier, urgency_at",
              ((r["id"], org, _naive(r["last"]), team, channels[r["id"] % 3], (r["id"] % CONTACTS) + 1, "",
                f"Anliegen Nummer {r['id']}", r["status"], "normal", r["assignee"], _naive(r["last"]),
                _naive(r["last"]), f"Text der Nachricht {r['id'] * (messages // conversations)}", "in",
                "t" if r["id"] % 4 == 0 else "f", r["tier"], _naive(r["at"])) for r in rows))
        _copy(conn, "conversation_sla", "id, organization_id, conversation_id, team_id, kind, awaiting_since, due_at, "
              "paused_at, remaining_minutes",
              ((n, org, r["id"], team, "first", _naive(r["last"]), _naive(r["due"]), _naive(r["paused"]),
                30 if r["paused"] else None) for n, r in enumerate((r for r in rows if r["sla"]), start=1)))
        # editor0 has opened half of the conversations (the unread markers of the list are read per row).
        _copy(conn, "conversation_read", "id, organization_id, conversation_id, user_id, read_at",
              ((n, org, r["id"], editors[0], _naive(now)) for n, r in enumerate(rows[::2], start=1)))
        per = messages // conversations
        _copy(conn, "message", "id, organization_id, created_at, conversation_id, channel_id, external_id, direction, "
              "text, html, attachments, is_public, parent_external_id, delivery_state, delivery_error, "
              "delivery_attempts",
              ((m, org, _naive(now), (m - 1) // per + 1, channels[((m - 1) // per + 1) % 3], f"m{m}", "in",
                f"Text der Nachricht {m}", "", "[]", "f", "", "", "", 0)
               for m in range(1, conversations * per + 1)))
        for table in ("contact", "conversation", "conversation_sla", "conversation_read", "message"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.execute("ANALYZE")


def _naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def _conversation(rnd: random.Random, now: datetime, i: int, editors: list[int]) -> dict:
    """A fifth unresolved; of those most have a running SLA clock (a third of them overdue), some are
    waiting on a department, some answered. The urgency key is the app's own (inbox/conversations/urgency.py)."""
    from inbox.conversations.urgency import key

    last = now - timedelta(minutes=rnd.randrange(525_600))
    status = "resolved"
    due = paused = None
    if rnd.random() < 0.2:
        status = "waiting" if rnd.random() < 0.1 else "open"
        last = now - timedelta(minutes=rnd.randrange(4320))
        if status == "waiting":
            paused = last + timedelta(minutes=5)
        elif rnd.random() < 0.8:
            due = now + timedelta(minutes=rnd.randrange(-1440, 2880))
    assignee = editors[i % len(editors)] if rnd.random() < 0.7 else None
    tier, at = key(status, assignee, last, last, due, paused, last if status == "resolved" else None)
    return {"id": i, "last": last, "status": status, "assignee": assignee, "due": due, "paused": paused,
            "sla": status != "resolved", "tier": tier, "at": at}


VIEWS = (("default", "/inbox"),
         ("all open, urgency", "/inbox?sort=urgency"), ("all open, recent", "/inbox?sort=recent"),
         ("mine, urgency", "/inbox?view=mine&sort=urgency"), ("mine, recent", "/inbox?view=mine&sort=recent"),
         ("unassigned, urgency", "/inbox?view=unassigned&sort=urgency"),
         ("unassigned, recent", "/inbox?view=unassigned&sort=recent"),
         ("resolved", "/inbox?view=resolved&sort=recent"),
         ("channel, urgency", "/inbox?channel=2&sort=urgency"), ("channel, recent", "/inbox?channel=2&sort=recent"),
         ("page 40, urgency", "/inbox?page=40&sort=urgency"), ("page 40, recent", "/inbox?page=40&sort=recent"))


def measure_inbox_page(url: str, conversations: int, messages: int, runs: int = 200, explain: bool = False) -> None:
    from inbox import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "WTF_CSRF_ENABLED": False})
    started = time.perf_counter()
    seed(app, url, conversations, messages)
    print(f"\nseeded {conversations} conversations and {messages} messages in {time.perf_counter() - started:.0f} s")
    client = app.test_client()
    response = client.post("/login", data={"email": "editor0@example.org", "password": "bench-password"})
    assert response.status_code == 302, response.status_code
    print(f"inbox list server time, {runs} requests per view (test client, whole request incl. rendering):")
    for label, path in VIEWS:
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        print(f"  {label:<22} {summary(timings)}")
    if explain:
        for label, path in VIEWS:
            print(f"\nEXPLAIN ANALYZE, {label} ({path}):\n{_plan(app, client, path)}")


def _plan(app, client, path: str) -> str:
    """The plan of the list query a request runs (the statement that pages conversations)."""
    from sqlalchemy import event

    from inbox.extensions import db

    seen = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM conversation" in statement and "LIMIT" in statement and "ORDER BY" in statement:
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = seen[0]
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        rows = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
    return "\n".join(r[0] for r in rows)


def main() -> None:
    import argparse

    from bench._support import scratch_database

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=200, help="requests per view")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each view's list query")
    args = parser.parse_args()
    with scratch_database("mitreden_bench_inbox") as url:
        measure_inbox_page(url, args.conversations, args.messages, args.runs, args.explain)


if __name__ == "__main__":
    main()
