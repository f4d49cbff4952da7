"""Seeding the fictional city of Rheinfeld (NRW): people, departments, one channel of every kind, conversations.

Conversations take the product's own paths: messages are ingested as a platform's would be (at
the time the citizen wrote), routed by the routing job, answered with replies that the delivery
job sends to the stand-ins, forwarded to a department whose press office is notified by mail.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from inbox.accounts.models import User
from inbox.accounts.operations import create_user, grant
from inbox.channels.adapters.base import InboundMessage
from inbox.channels.models import Channel
from inbox.channels.operations import create_channel
from inbox.conversations import operations as conv
from inbox.conversations.hooks import conversation_received
from inbox.conversations.models import Conversation
from inbox.core import clock
from inbox.demo.content import CHANNELS, CONVERSATIONS, Seeded
from inbox.demo.staffing import ON_SHIFT, ORG_SLUG, demo_team
from inbox.extensions import db
from inbox.orgs.models import Department, Organization
from inbox.orgs.operations import create_department, create_organization, create_team
from inbox.rota import adapter
from inbox.sla import operations as sla

DEMO_PASSWORD = "mitreden-demo"
PEOPLE = [
    ("redaktion@example.org", "Jana Redakteurin", "editor", "redaktion"),
    ("tim@example.org", "Tim Schulte", "editor", "redaktion"),
    ("aylin@example.org", "Aylin Demir", "editor", "redaktion"),
    ("leitung@example.org", "Petra Leitung", "lead", "redaktion"),
    ("feuerwehr@example.org", "Marco Brandt", "editor", "feuerwehr"),
    ("admin@example.org", "Alex Admin", "admin", None),
]
DEPARTMENTS = [("Ordnungsamt", "32", "presse.ordnungsamt@example.org", "Olaf Ordnung"),
               ("Amt für Straßen und Verkehr", "66", "presse.verkehr@example.org", "Vera Verkehr")]


def seed(channel_settings=None) -> bool:
    """Create the city, its people and channels once; returns False when it is already there.

    channel_settings(kind) gives the settings that point a channel at its stand-in.
    """
    if db.session.scalar(select(Organization).where(Organization.slug == ORG_SLUG)):
        return False
    org = create_organization(ORG_SLUG, "Stadt Rheinfeld", "NW")
    teams = {"redaktion": create_team(org, "redaktion", "Social-Media-Redaktion"),
             "feuerwehr": create_team(org, "feuerwehr", "Feuerwehr Rheinfeld")}
    for email, name, role, team in PEOPLE:
        grant(create_user(email, name, DEMO_PASSWORD), org.id, role, team_id=teams[team].id if team else None)
    for name, short, press, officer in DEPARTMENTS:
        department = create_department(org, name, short, press)
        grant(create_user(press, officer, DEMO_PASSWORD), org.id, "press_officer", department_id=department.id)
    for kind, name, slug, settings, credentials in CHANNELS:
        if kind == "webform":
            credentials = {"secret": secrets.token_hex(32)}
        extra = channel_settings(kind) if channel_settings else {}
        create_channel(org, teams["redaktion"], kind, name, slug=slug, credentials=credentials,
                       settings={**settings, **extra})
    return True


def point_channels(channel_settings) -> int:
    """Point the demo's channels at the stand-ins running now (their ports change with every start)."""
    org_id = db.session.scalar(select(Organization.id).where(Organization.slug == ORG_SLUG))
    count = 0
    for channel in db.session.scalars(select(Channel).where(Channel.organization_id == org_id)):
        wanted = channel_settings(channel.kind)
        if wanted and any((channel.settings or {}).get(k) != v for k, v in wanted.items()):
            channel.settings = {**(channel.settings or {}), **wanted}
            count += 1
    db.session.flush()
    return count


def seed_conversations() -> int:
    """Citizens' conversations on every channel, as they stand now; runs the jobs they start. Commits."""
    from inbox.jobs import run_ready

    team, now = demo_team(), clock.now()
    channels = {c.kind: c for c in db.session.scalars(select(Channel).where(Channel.team_id == team.id))}
    editors = list(db.session.scalars(select(User.id).where(User.email.in_(ON_SHIFT)).order_by(User.id)))
    calendar = adapter.calendar_for(team)
    seeded = []
    for index, spec in enumerate(CONVERSATIONS):
        channel = channels[spec.kind]
        if spec.answered:
            received = now - timedelta(hours=spec.hours_ago)
        else:
            minutes = sla.target_minutes(SimpleNamespace(channel=channel, priority=spec.priority), "first")
            received = received_for_due(calendar, minutes, now + timedelta(minutes=spec.due))
        with clock.frozen(received):
            message = conv.ingest(channel, inbound(spec, index, received))
        conversation = db.session.get(Conversation, message.conversation_id)
        conversation.priority = spec.priority
        if spec.answered:
            _answer(conversation, spec, editors[index % len(editors)], received)
        else:
            conversation_received(conversation.id)  # the routing job, as after a webhook
        seeded.append((conversation.id, spec))
    db.session.commit()
    run_ready()
    _forward([(cid, s) for cid, s in seeded if s.forward])
    db.session.commit()
    run_ready()
    return len(seeded)


def received_for_due(calendar, minutes: int, due: datetime) -> datetime:
    """The latest time a citizen may have written for the SLA clock (business time) to run out at due."""
    low, high = 0, 14 * 24 * 60  # minutes before due; two weeks is beyond any closed stretch
    while low < high:
        middle = (low + high) // 2
        if calendar.add_business_minutes(due - timedelta(minutes=middle), minutes) <= due:
            high = middle
        else:
            low = middle + 1
    return due - timedelta(minutes=low)


def inbound(spec: Seeded, index: int, received: datetime) -> InboundMessage:
    """The message as the platform's adapter would have parsed it, with ids in the platform's shape."""
    external_id, thread = _ids(spec, index)
    email = spec.author if spec.kind in ("email", "webform") else ""
    return InboundMessage(external_id=external_id, text=spec.text, author_id=spec.author,
                          author_handle=spec.handle, author_name=spec.name, author_email=email,
                          thread_key=thread, subject=spec.subject, is_public=spec.public, sent_at=received)


def _ids(spec: Seeded, index: int) -> tuple[str, str]:
    token = secrets.token_hex(4)
    kind = spec.kind
    if kind == "email":
        external_id = f"<demo-{index}.{token}@example.net>"
        return external_id, external_id
    external_id = {
        "webform": f"demo-{index}",
        "facebook": (f"{spec.thread.removeprefix('post:').split('_')[-1]}_{_digits(16)}" if spec.public
                     else f"m_{secrets.token_urlsafe(36)}"),
        "instagram": "18" + _digits(15) if spec.public else f"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj{token}",
        "x": _digits(19),
        "mastodon": _digits(18),
        "bluesky": f"at://{spec.author}/app.bsky.feed.post/3l{token}{index:03d}",
        "threads": "18" + _digits(15),
        "youtube": f"Ugz{secrets.token_urlsafe(16)[:18]}4AaABAg",
        "whatsapp": f"wamid.HBgN{spec.author}FQIAEhgU{token.upper()}{index:04d}AA==",
    }[kind]
    # Mastodon, Bluesky and YouTube thread on the post (or comment) that started it.
    return external_id, spec.thread or external_id


def _digits(count: int) -> str:
    return str(secrets.randbelow(9 * 10 ** (count - 1)) + 10 ** (count - 1))


def _answer(conversation: Conversation, spec: Seeded, editor_id: int, received: datetime) -> None:
    with clock.frozen(received + timedelta(minutes=7)):
        conv.assign(conversation, editor_id, reason="demo")
    with clock.frozen(received + timedelta(minutes=24)):
        conv.reply(conversation, editor_id, spec.answered)  # the delivery job sends it to the stand-in
        if spec.resolved:
            conv.resolve(conversation)


def _forward(items: list[tuple[int, Seeded]]) -> None:
    from inbox.forwarding.operations import create_forward

    for conversation_id, spec in items:
        conversation = db.session.get(Conversation, conversation_id)
        department = db.session.scalar(select(Department).where(
            Department.organization_id == conversation.organization_id, Department.short_name == spec.forward[0]))
        author = conversation.assignee_id or db.session.scalar(select(User.id).where(User.email == ON_SHIFT[0]))
        create_forward(conversation, department, author, spec.forward[1])
