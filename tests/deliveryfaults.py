"""Helpers for the tests of replies whose send never reported back: a worker killed mid-send, a held answer.

Kept out of a conftest.py because tests/channels/ and tests/conversations/ are shared with other work.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.channels.adapters.base import InboundMessage
from inbox.conversations import delivery, operations
from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db


def conversation_on(channel, **fields) -> Conversation:
    """A citizen's message on channel (InboundMessage fields), stored as ingest would."""
    fields.setdefault("external_id", "in-1")
    fields.setdefault("text", "Ist das Freibad offen?")
    fields.setdefault("author_id", "citizen-7")
    message = operations.ingest(channel, InboundMessage(**fields))
    db.session.commit()
    db.session.info.pop("ready", None)  # routing is not what these tests are about
    return db.session.get(Conversation, message.conversation_id)


def queued_reply(conversation: Conversation, author, text: str) -> Message:
    """An editor's reply, stored and queued; its delivery job is left to the test."""
    message = operations.reply(conversation, author.id, text)
    db.session.commit()
    db.session.info.pop("ready", None)
    return message


def left_sending(conversation: Conversation, author, text: str) -> Message:
    """What a worker killed during the platform call leaves behind: the reply claimed, nothing after."""
    message = queued_reply(conversation, author, text)
    assert delivery.claim(message.id)
    db.session.commit()
    return message


def past_the_deadline() -> None:
    clock.advance(delivery.check_after() + timedelta(seconds=1))


def periodic_pass() -> dict[str, int]:
    """One periodic pass as the demo's thread runs it, then the jobs it queued (in-process)."""
    from inbox.jobs import run_ready
    from inbox.periodic import run_all

    totals = run_all()
    db.session.commit()
    run_ready()
    db.session.expire_all()
    return totals


def fresh(message: Message) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message.id)


def actions(message: Message) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "message", AuditEvent.object_id == message.id).order_by(AuditEvent.id)))


class Held:
    """Fake platform answers held back until the test ends, so the caller's read timeout fires (or its
    worker is killed) while the platform has the request."""

    def __init__(self):
        self.release = threading.Event()

    def __call__(self, answer):
        def respond(request):
            self.release.wait(60)
            return answer

        return respond


class FakeMastodon:
    """Mastodon's statuses API on a FakeAPI: a POST with a known Idempotency-Key returns the status it made
    before and posts nothing; GET .../context lists the answers to the citizen's status (parent)."""

    OWN = {"id": "1", "acct": "stadt", "username": "stadt"}

    def __init__(self, api, parent: str, hold: Held | None = None, *, lose_first: bool = False):
        self.api, self.parent, self.statuses, self.keys = api, parent, {}, {}
        self.hold = hold  # the first POST's answer is held back until the test ends
        self.lose_first = lose_first  # the first POST never reaches the timeline (the platform dropped it)
        self.posts = 0
        self.others: list[dict] = []  # statuses in the context that are not from this fake's POSTs
        api.route("POST", "/api/v1/statuses", self._post)
        api.route("GET", "/api/v1/accounts/verify_credentials", {**self.OWN})
        api.route("GET", f"/api/v1/statuses/{parent}/context", self._context)

    def _context(self, request):
        from tests.fakeapi import Reply

        return Reply(body={"ancestors": [], "descendants": self.others + list(self.statuses.values())})

    def _post(self, request):
        from tests.fakeapi import Reply

        self.posts += 1
        first = self.posts == 1
        answer = self._create(request, lost=first and self.lose_first)
        if first and self.hold:
            self.hold.release.wait(60)
        return answer or Reply(504, {"error": "Zeitüberschreitung"})

    def _create(self, request, *, lost: bool):
        from tests.fakeapi import Reply

        key = request.headers.get("Idempotency-Key", "")
        if key in self.keys:
            return Reply(body=self.statuses[self.keys[key]])
        if lost:
            return None
        body = request.json
        status_id = str(9000 + len(self.statuses))
        self.statuses[status_id] = status = self.status(status_id, body["status"], body.get("in_reply_to_id"))
        self.keys[key] = status_id
        return Reply(body=status)

    def status(self, status_id: str, text: str, in_reply_to_id, account=None, created_at=None) -> dict:
        from html import escape

        moment = created_at or clock.now()
        return {"id": status_id, "in_reply_to_id": in_reply_to_id, "account": account or self.OWN,
                "created_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "content": f"<p>{escape(text)}</p>", "visibility": "public"}

    def posted(self) -> list[dict]:
        return list(self.statuses.values())
