"""Small helpers the platform adapters share: JSON bodies, API calls with a token, times."""

from __future__ import annotations

import json
from datetime import UTC, datetime

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
    """ISO 8601 as Meta writes it ('2024-08-07T10:33:16+0000') or with a colon in the offset."""
    if not isinstance(value, str):
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except ValueError:
            continue
    return None


def api_base(channel, default: str) -> str:
    return ((channel.settings or {}).get("api_base") or default).rstrip("/")


def token(channel, key: str = "access_token") -> str:
    value = channel.credentials.get(key, "")
    if not value:
        raise DeliveryError(f"Kein Zugangsschlüssel ({key}) für diesen Kanal eingetragen", permanent=True)
    return value


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
