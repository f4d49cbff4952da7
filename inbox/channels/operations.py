"""Creating and changing channels."""

from __future__ import annotations

import secrets

from inbox.audit.operations import record
from inbox.channels.adapters import ADAPTERS, kinds
from inbox.channels.models import Channel
from inbox.extensions import db
from inbox.orgs.operations import _check_slug


def create_channel(org, team, kind: str, name: str, *, slug: str | None = None, credentials: dict | None = None,
                   settings: dict | None = None) -> Channel:
    kinds()  # loads the adapters
    if kind not in ADAPTERS:
        raise ValueError(f"unknown channel type {kind!r}; known: {', '.join(sorted(ADAPTERS))}")
    if team is None or team.organization_id != org.id:
        raise ValueError("a channel belongs to a team of its organization")
    channel = Channel(organization_id=org.id, team_id=team.id, kind=kind, name=name,
                      slug=_check_slug(slug) if slug else f"{kind}-{secrets.token_hex(6)}",
                      settings=settings or {}, cursor={})
    channel.credentials = credentials or {}
    db.session.add(channel)
    db.session.flush()
    record(org.id, "channel.created", channel, kind=kind, name=name)
    return channel


def set_enabled(channel: Channel, enabled: bool) -> None:
    channel.enabled = enabled
    db.session.flush()
    record(channel.organization_id, "channel.enabled" if enabled else "channel.disabled", channel)
