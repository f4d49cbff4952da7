"""The inbox list page's server time with a large PostgreSQL database (seeded here with COPY)."""

from __future__ import annotations

import io
import random
import time
from datetime import UTC, datetime, timedelta

from bench._support import SECRET_KEY, summary

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
    rnd, now = random.Random(7), datetime.now(UTC).replace(tzinfo=None)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        _copy(conn, "contact", "id, organization_id, channel_id, external_id, handle, name, email, created_at",
              ((i, org, channels[i % 3], f"c{i}@example.net", "", f"Person {i}", f"c{i}@example.net", now)
               for i in range(1, CONTACTS + 1)))
        last = [now - timedelta(minutes=rnd.randrange(525_600)) for _ in range(conversations)]
        _copy(conn, "conversation", "id, organization_id, created_at, team_id, channel_id, contact_id, thread_key, "
              "subject, status, priority, assignee_id, last_activity_at",
              ((i, org, last[i - 1], team, channels[i % 3], (i % CONTACTS) + 1, "", f"Anliegen Nummer {i}",
                "open" if rnd.random() < 0.2 else "resolved", "normal",
                editors[i % EDITORS] if rnd.random() < 0.7 else None, last[i - 1])
               for i in range(1, conversations + 1)))
        per = messages // conversations
        _copy(conn, "message", "id, organization_id, created_at, conversation_id, channel_id, external_id, direction, "
              "text, html, attachments, is_public, parent_external_id, delivery_state, delivery_error, "
              "delivery_attempts",
              ((m, org, now, (m - 1) // per + 1, channels[((m - 1) // per + 1) % 3], f"m{m}", "in",
                f"Text der Nachricht {m}", "", "[]", "f", "", "", "", 0)
               for m in range(1, conversations * per + 1)))
        for table in ("contact", "conversation", "message"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.execute("ANALYZE")


def measure_inbox_page(url: str, conversations: int, messages: int, runs: int = 200) -> None:
    from inbox import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "WTF_CSRF_ENABLED": False})
    started = time.perf_counter()
    seed(app, url, conversations, messages)
    print(f"\nseeded {conversations} conversations and {messages} messages in {time.perf_counter() - started:.0f} s")
    client = app.test_client()
    response = client.post("/login", data={"email": "editor0@example.org", "password": "bench-password"})
    assert response.status_code == 302, response.status_code
    for label, path in (("all open", "/inbox"), ("mine", "/inbox?view=mine"), ("unassigned", "/inbox?view=unassigned"),
                        ("resolved", "/inbox?view=resolved"), ("channel filter", "/inbox?channel=2"),
                        ("page 40", "/inbox?page=40")):
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        print(f"inbox list, {label:<15} {summary(timings)}")
