"""Creating and changing channels."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import select

from inbox.audit.operations import record
from inbox.channels.adapters import ADAPTERS, kinds
from inbox.channels.models import Channel
from inbox.extensions import db
from inbox.orgs.operations import _check_slug

log = logging.getLogger(__name__)
# Processed events are done; the others may be sent through parsing again.
REPROCESSABLE = ("failed", "ignored", "pending")


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


def update_channel(channel: Channel, *, name: str, team, settings: dict[str, str],
                   new_credentials: dict[str, str]) -> None:
    """Change name, team and the given settings; a credential changes only when a new value is given.

    An empty setting value removes that setting; settings not named here are kept.
    """
    if team is None or team.organization_id != channel.organization_id:
        raise ValueError("a channel belongs to a team of its organization")
    changed = [field for field, old, new in (("name", channel.name, name), ("team", channel.team_id, team.id))
               if old != new]
    channel.name, channel.team_id = name, team.id
    changed += _merge_settings(channel, settings)
    replaced = sorted(key for key, value in new_credentials.items() if value)
    if replaced:
        channel.credentials = {**channel.credentials, **{key: new_credentials[key] for key in replaced}}
    db.session.flush()
    # Names of what changed only: credential values must never reach the audit trail.
    record(channel.organization_id, "channel.updated", channel, fields=changed, credentials_replaced=replaced)


def _merge_settings(channel: Channel, settings: dict[str, str]) -> list[str]:
    merged = dict(channel.settings or {})
    for key, value in settings.items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    changed = sorted(key for key in set(merged) | set(channel.settings or {})
                     if merged.get(key) != (channel.settings or {}).get(key))
    channel.settings = merged  # a new dict, so the JSON column sees the change
    return changed


def check_connection(channel: Channel) -> tuple[bool, str]:
    """Run the adapter's test_connection: (ok, message). Errors become the message, stored secrets blanked out."""
    kinds()
    adapter = ADAPTERS.get(channel.kind)
    if adapter is None:
        return False, f"Unbekannter Kanaltyp {channel.kind!r}."
    # Error texts may quote a request URL with its access token; the admin must not see the secret again.
    stored = [str(v) for v in channel.credentials.values() if v and len(str(v)) >= 4]
    try:
        ok, message = True, str(adapter.test_connection(channel))
    except Exception as exc:  # noqa: BLE001  (an adapter's failure must reach the admin as a message)
        log.warning("connection test of channel %s failed", channel.id, exc_info=True)
        db.session.rollback()
        ok, message = False, f"Fehler: {exc or exc.__class__.__name__}"
    for value in stored:
        message = message.replace(value, "***")
    return ok, message[:500]


def record_test(channel: Channel, ok: bool) -> None:
    record(channel.organization_id, "channel.tested", channel, ok=ok)


def reprocess_events(channel: Channel, event_ids: list[int]) -> int:
    """Send raw events of channel through parsing again (after an adapter fix); returns how many."""
    from inbox.channels.models import RawEvent
    from inbox.channels.tasks import queue_events

    events = list(db.session.scalars(select(RawEvent).where(
        RawEvent.id.in_(event_ids), RawEvent.channel_id == channel.id,
        RawEvent.organization_id == channel.organization_id, RawEvent.status.in_(REPROCESSABLE))))
    for event in events:
        event.status, event.error = "pending", ""
    queue_events([e.id for e in events])
    db.session.flush()
    if events:
        record(channel.organization_id, "channel.events_reprocessed", channel, count=len(events),
               event_ids=[e.id for e in events][:100])
    return len(events)
