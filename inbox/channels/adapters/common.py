"""Small helpers every platform adapter shares: JSON bodies, credentials, API calls with a token, times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from inbox.channels import http
from inbox.channels.adapters.base import DeliveryError, PayloadError


def load_object(body: bytes) -> dict:
    """The webhook body as a JSON object, or PayloadError."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    return data


def dicts(value) -> list[dict]:
    """The dict items of a list from a payload; platforms add fields, we never trust the shape."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def text(value) -> str:
    return value if isinstance(value, str) else ""


def from_epoch(value, *, millis: bool = False) -> datetime | None:
    try:
        seconds = float(value) / (1000 if millis else 1)
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_iso(value) -> datetime | None:
    """ISO 8601 from an API ('Z', '+0000' or '+00:00'); None when absent, unreadable or without offset."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


# Our clock and the platform's differ a little; a lookup for a reply accepts posts made this much "before" it.
CLOCK_SKEW = timedelta(minutes=2)


def posted_since_written(value, reply) -> bool:
    """Whether a post's time on the platform (ISO 8601) is not before our reply was written."""
    written = reply.extra.get("created_at")
    moment = from_iso(value)
    return written is None or (moment is not None and moment >= written - CLOCK_SKEW)


def api_base(channel, default: str = "") -> str:
    base = ((channel.settings or {}).get("api_base") or default).strip().rstrip("/")
    if not base:
        raise DeliveryError("Keine Server-Adresse (api_base) für diesen Kanal eingetragen", permanent=True)
    return base


def credential(channel, key: str, label: str | None = None) -> str:
    value = (channel.credentials or {}).get(key, "")
    if not value:
        raise DeliveryError(f"{label or f'Zugangsschlüssel ({key})'} fehlt in den Zugangsdaten des Kanals",
                            permanent=True)
    return value


def token(channel, key: str = "access_token") -> str:
    return credential(channel, key)


def id_order(value: str) -> tuple[int, str]:
    """Orders numeric string ids (Mastodon) correctly: a longer number is a larger one."""
    return len(value), value


def call(method: str, url: str, bearer: str, **kwargs) -> dict:
    """One API call with a bearer token; the JSON answer (an object) or DeliveryError."""
    headers = {"Authorization": f"Bearer {bearer}", **kwargs.pop("headers", {})}
    response = http.request(method, url, headers=headers, **kwargs)
    try:
        data = response.json()
    except ValueError as exc:
        raise DeliveryError(f"Antwort der Plattform ist kein JSON (HTTP {response.status_code})") from exc
    return data if isinstance(data, dict) else {}


def connection_message(fn) -> str:
    """Run a harmless API check; any failure becomes a German message, never an exception."""
    try:
        return fn()
    except DeliveryError as exc:
        return f"Verbindung fehlgeschlagen: {exc}"
    except Exception as exc:  # noqa: BLE001 - the admin needs a message, not a 500
        return f"Verbindung fehlgeschlagen: {exc.__class__.__name__}"
