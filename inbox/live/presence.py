"""Who has a conversation open or is writing in it: "Tim Schulte hat diese Unterhaltung geöffnet / schreibt gerade".

Pages report it (POST /conversations/<id>/presence, every few seconds while open, and on each
burst of typing); it is held with an expiry, in Redis where there is one (every web process
sees it), else in the process, and fanned out to the organization's streams as a transient
event: nothing of it goes to the database, and it is gone when the page stops reporting.
"""

from __future__ import annotations

import json
import threading
import time

from flask import Flask

from inbox.live import fanout

EXTENSION = "mitreden_presence"
STATES = ("viewing", "typing", "left")


def _ttl(app: Flask) -> tuple[float, float]:
    conf = app.config["SETTINGS"]["live"]
    return float(conf["viewing_seconds"]), float(conf["typing_seconds"])


class LocalStore:
    """Presence within one process (the embedded default)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held: dict[tuple[int, int], dict[int, dict]] = {}

    def put(self, org_id: int, conversation_id: int, user_id: int, entry: dict | None, ttl: float) -> list[dict]:
        now = time.time()
        with self._lock:
            held = self._held.setdefault((org_id, conversation_id), {})
            if entry is None:
                held.pop(user_id, None)
            else:
                held[user_id] = entry
            for uid in [u for u, e in held.items() if e["viewing_until"] <= now]:
                del held[uid]
            return [e for u, e in held.items() if u != user_id]


class RedisStore:
    """Presence shared by every process: one hash per conversation, expiring with its last entry."""

    def __init__(self, url: str):
        from redis import Redis

        self._redis = Redis.from_url(url)

    def put(self, org_id: int, conversation_id: int, user_id: int, entry: dict | None, ttl: float) -> list[dict]:
        key = f"mitreden:presence:{org_id}:{conversation_id}"
        pipe = self._redis.pipeline()
        if entry is None:
            pipe.hdel(key, user_id)
        else:
            pipe.hset(key, user_id, json.dumps(entry))
            pipe.expire(key, int(ttl) + 1)
        pipe.hgetall(key)
        held = pipe.execute()[-1]
        now, others, stale = time.time(), [], []
        for uid, raw in held.items():
            found = json.loads(raw)
            if found["viewing_until"] <= now:
                stale.append(uid)
            elif int(uid) != user_id:
                others.append(found)
        if stale:
            self._redis.hdel(key, *stale)
        return others


def store(app: Flask):
    if EXTENSION not in app.extensions:
        url = app.config.get("REDIS_URL")
        app.extensions[EXTENSION] = RedisStore(url) if url else LocalStore()
    return app.extensions[EXTENSION]


def report(app: Flask, org_id: int, team_id: int, conversation_id: int, user_id: int, name: str,
           state: str) -> list[dict]:
    """Note that user views, types in or left the conversation; tell the organization's streams; returns the
    others present (each {"user", "name", "viewing", "typing"}: seconds each still holds)."""
    if state not in STATES:
        raise ValueError(state)
    viewing, typing = _ttl(app)
    now = time.time()
    entry = None if state == "left" else {
        "user": user_id, "name": name, "viewing_until": now + viewing,
        "typing_until": now + typing if state == "typing" else 0}
    others = store(app).put(org_id, conversation_id, user_id, entry, viewing)
    fanout.announce(app, org_id, {"kind": "presence", "conversation": conversation_id, "team": team_id,
                                  **public(entry or {"user": user_id, "name": name}, now)})
    return [public(e, now) for e in others]


def public(entry: dict, now: float) -> dict:
    """What a page is told: who, and for how many more seconds they view and type (0: no longer)."""
    return {"user": entry["user"], "name": entry["name"],
            "viewing": max(0.0, round(entry.get("viewing_until", 0) - now, 1)),
            "typing": max(0.0, round(entry.get("typing_until", 0) - now, 1))}
