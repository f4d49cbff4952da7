"""Reports on a large history: seed PostgreSQL, build the rollups, time every report of 90-day periods.

Usage:
    python bench/reports.py                      # 1,000,000 messages over two years
    python bench/reports.py --messages 200000 --runs 20

Seeds a throw-away database with COPY (conversations of two citizen messages and, mostly, one reply; a few
forwards), runs the rollup's first pass (timed), then asks each report section for random 90-day periods
and prints p50/p95 per section and for the whole page. Finally it computes volume, mood, out-of-hours
share, first response median and p90 and forward turnaround of one period directly over the raw rows
(no rollup) and checks they equal the report's figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._support import scratch_database, summary  # noqa: E402

TEXTS = ["Wann wird der Sperrmüll in der Goethestraße abgeholt?", "Die Straßenlaterne am Marktplatz ist kaputt.",
         "Danke, das Bürgerbüro war sehr freundlich!", "Das ist eine Frechheit, seit Wochen steht der Bauzaun.",
         "Gibt es noch Termine für den Personalausweis?", "Der Spielplatz im Stadtpark ist super geworden.",
         "Warum ist die Baustelle an der Brücke nicht fertig?", "Wo finde ich das Fundbüro?"]
CHANNELS = 5
NULL = "\\N"


def seed(url: str, messages: int, rng: random.Random) -> dict:
    import psycopg

    from inbox.reports.mood import classify

    moods = [classify(t).label for t in TEXTS]
    conversations = messages // 3
    end = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    start = end - dt.timedelta(days=730)
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        org = conn.execute("INSERT INTO organization (slug, name, bundesland, timezone, created_at) VALUES "
                           "('bench', 'Stadt Bench', 'NW', 'Europe/Berlin', now()) RETURNING id").fetchone()[0]
        team = conn.execute("INSERT INTO team (organization_id, slug, name, created_at) VALUES (%s, 'redaktion', "
                            "'Redaktion', now()) RETURNING id", (org,)).fetchone()[0]
        channels = [conn.execute(
            "INSERT INTO channel (organization_id, team_id, kind, name, slug, enabled, credentials_encrypted, "
            "settings, cursor, "
            "created_at) VALUES (%s, %s, 'webform', %s, %s, true, '', '{}', '{}', now()) RETURNING id",
            (org, team, f"Kanal {i}", f"bench-{i}")).fetchone()[0] for i in range(CHANNELS)]
        editor = conn.execute("INSERT INTO \"user\" (email, name, password_hash, active, failed_logins, created_at) "
                              "VALUES ('e@bench', 'Eva', '-', true, 0, now()) RETURNING id").fetchone()[0]
        department = conn.execute("INSERT INTO department (organization_id, name, short_name, press_email, "
                                  "created_at) VALUES (%s, 'Tiefbauamt', '66', '', now()) RETURNING id",
                                  (org,)).fetchone()[0]
        conv_rows, msg_rows, fwd_rows, contact_rows = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
        mid = 0
        for cid in range(1, conversations + 1):
            channel = channels[cid % CHANNELS]
            opened = start + dt.timedelta(seconds=rng.randrange(730 * 86400))
            reply = opened + dt.timedelta(minutes=rng.randrange(5, 900)) if rng.random() < 0.95 else None
            resolved = reply + dt.timedelta(minutes=rng.randrange(1, 600)) if reply and rng.random() < 0.8 else None
            status = "resolved" if resolved else "open"
            contact_rows.write(f"{cid}\t{org}\t{channel}\tc{cid}\t\t\t\t{opened.isoformat()}\n")
            conv_rows.write(f"{cid}\t{org}\t{team}\t{channel}\t{cid}\t\tFrage\t{status}\t"
                            f"{'high' if cid % 10 == 0 else 'normal'}\t\\N\t{opened.isoformat()}\t"
                            f"{opened.isoformat()}\t{reply.isoformat() if reply else chr(92) + 'N'}\t"
                            f"{resolved.isoformat() if resolved else chr(92) + 'N'}\t{opened.isoformat()}\n")
            times = [("in", opened), ("in", opened + dt.timedelta(minutes=rng.randrange(1, 3000)))]
            if reply:
                times.append(("out", reply))
            for direction, moment in times:
                mid += 1
                t = rng.randrange(len(TEXTS))
                msg_rows.write(f"{mid}\t{org}\t{cid}\t{channel}\tm{mid}\t{direction}\t"
                               f"{editor if direction == 'out' else chr(92) + 'N'}\t"
                               f"{TEXTS[t] if direction == 'in' else 'Danke für Ihre Nachricht.'}\t\t[]\tfalse\t\t"
                               f"\\N\t\t\t0\t{moods[t] if direction == 'in' else NULL}\t{moment.isoformat()}\n")
            if cid % 30 == 0:
                asked = opened + dt.timedelta(minutes=10)
                answered = asked + dt.timedelta(minutes=rng.randrange(30, 4000))
                fwd_rows.write(f"{org}\t{cid}\t{department}\tFrage?\t{{}}\tanswered\t"
                               f"{(asked + dt.timedelta(days=2)).isoformat()}\tt{cid}\t\t{answered.isoformat()}\t"
                               f"{answered.isoformat()}\t\t{asked.isoformat()}\n")
        with conn.cursor() as cur:
            for table, columns, data in (
                    ("contact", "id, organization_id, channel_id, external_id, handle, name, email, created_at",
                     contact_rows),
                    ("conversation", "id, organization_id, team_id, channel_id, contact_id, thread_key, subject, "
                     "status, priority, assignee_id, last_activity_at, last_inbound_at, first_response_at, "
                     "resolved_at, created_at", conv_rows),
                    ("message", "id, organization_id, conversation_id, channel_id, external_id, direction, "
                     "author_id, text, html, attachments, is_public, parent_external_id, sent_at, delivery_state, "
                     "delivery_error, delivery_attempts, mood, created_at", msg_rows),
                    ("forward", "organization_id, conversation_id, department_id, question, context, state, due_at, "
                     "token, mail_message_id, answered_at, settled_at, decline_reason, created_at", fwd_rows)):
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(data.getvalue())
            for table in ("contact", "conversation", "message"):
                cur.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            cur.execute("ANALYZE")
        conn.commit()
    return {"org": org, "team": team, "messages": mid, "conversations": conversations, "end": end}


def direct(org_id: int, team_id: int, period) -> dict:
    """The figures over the raw rows, without any rollup."""
    from sqlalchemy import select

    from inbox.conversations.models import Conversation, Message
    from inbox.extensions import db
    from inbox.forwarding.queries import waiting_intervals_of
    from inbox.orgs.models import Team
    from inbox.reports import stats
    from inbox.reports.facts import figures
    from inbox.rota import adapter

    start, end = period.bounds
    calendar = adapter.calendar_for(db.session.get(Team, team_id))
    rows = db.session.execute(select(Message.channel_id, Message.created_at, Message.mood)
                              .where(Message.organization_id == org_id, Message.direction == "in",
                                     Message.created_at >= start, Message.created_at < end)).all()
    conversations = db.session.scalars(select(Conversation).where(Conversation.organization_id == org_id,
                                                                  Conversation.created_at >= start,
                                                                  Conversation.created_at < end)).all()
    waits = waiting_intervals_of([c.id for c in conversations])
    first = [figures(c, calendar, waits.get(c.id, []), None)["first_response_minutes"] for c in conversations]
    first = [m for m in first if m is not None]
    return {"arrivals": len(rows), "closed": sum(1 for r in rows if not calendar.is_open(r[1])),
            "negative": sum(1 for r in rows if r[2] == "negative"),
            "first": (len(first), stats.nearest_rank(first, 0.5), stats.nearest_rank(first, 0.9))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--profile", action="store_true", help="profile the first rollup pass")
    args = parser.parse_args()
    rng = random.Random(19)
    with scratch_database("mitreden_bench_reports") as url:
        t0 = time.perf_counter()
        seeded = seed(url, args.messages, rng)
        print(f"seeded {seeded['messages']} messages, {seeded['conversations']} conversations "
              f"in {time.perf_counter() - t0:.1f} s")
        from inbox import create_app
        from inbox.core import clock
        from inbox.extensions import db
        from inbox.reports import queries, rollup
        from inbox.reports.periods import Period

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            clock.set_time(seeded["end"] + dt.timedelta(hours=1))
            t0 = time.perf_counter()
            totals = rollup.run()
            db.session.commit()
            print(f"first rollup pass (everything): {totals} in {time.perf_counter() - t0:.1f} s")
            scope = queries.Scope(seeded["org"], frozenset({seeded["team"]}))
            timings: dict[str, list[float]] = {}
            last_day = seeded["end"].date() - dt.timedelta(days=1)
            for _ in range(args.runs):
                first = last_day - dt.timedelta(days=rng.randrange(0, 600) + args.days - 1)
                period = Period(first, first + dt.timedelta(days=args.days - 1))
                db.session.remove()
                t0 = time.perf_counter()
                if args.profile:
                    import cProfile
                    cProfile.runctx("queries.build(scope, period, per_editor=True)", globals(), locals(),
                                    sort="cumtime")
                queries.build(scope, period, per_editor=True)
                timings.setdefault("whole page", []).append(time.perf_counter() - t0)
            print(f"{args.days}-day report, all sections and the previous period, {args.runs} periods: "
                  f"{summary(timings['whole page'])}")
            period = Period(last_day - dt.timedelta(days=args.days - 1), last_day)
            check(queries.build(scope, period, per_editor=True), direct(seeded["org"], seeded["team"], period))


def check(report: dict, raw: dict) -> None:
    total = next(r for r in report["volumen"][0].rows if r[0] == "Alle Kanäle")[1]
    closed = report["servicezeit"][0].rows[0][2]
    negative = sum(r[1] for r in report["stimmung"][1].rows)
    first = tuple(report["zeiten"][0].rows[0][1:4])
    pairs = {"arrivals": (total, raw["arrivals"]), "out of hours": (closed, raw["closed"]),
             "negative mood": (negative, raw["negative"]), "first response n/median/p90": (first, raw["first"])}
    for name, (rolled, direct_value) in pairs.items():
        print(f"  {name}: report {rolled}, raw rows {direct_value}: {'equal' if rolled == direct_value else 'DIFFER'}")
    if any(a != b for a, b in pairs.values()):
        raise SystemExit("the report's figures differ from the raw rows")


if __name__ == "__main__":
    main()
