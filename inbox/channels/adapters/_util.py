"""Small helpers shared by the polling adapters."""

from __future__ import annotations

from datetime import datetime

from inbox.channels.adapters.base import DeliveryError
from inbox.channels.adapters.common import load_object as load_json  # noqa: F401  (one JSON reader for all)


def api_base(channel, default: str = "") -> str:
    base = ((channel.settings or {}).get("api_base") or default).strip().rstrip("/")
    if not base:
        raise DeliveryError("Keine Server-Adresse (api_base) für diesen Kanal eingetragen", permanent=True)
    return base


def credential(channel, key: str, label: str) -> str:
    value = (channel.credentials or {}).get(key, "")
    if not value:
        raise DeliveryError(f"{label} fehlt in den Zugangsdaten des Kanals", permanent=True)
    return value


def parse_time(value) -> datetime | None:
    """ISO 8601 from an API ('Z' included); None when absent or unreadable (the receive time is used then)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def id_order(value: str) -> tuple[int, str]:
    """Orders numeric string ids (Mastodon) correctly: a longer number is a larger one."""
    return len(value), value


def connection_message(fn) -> str:
    """Run a connection check; a failure becomes a German message, never an exception."""
    try:
        return fn()
    except DeliveryError as exc:
        return f"Verbindung fehlgeschlagen: {exc}"
    except (KeyError, TypeError, ValueError) as exc:
        return f"Verbindung fehlgeschlagen: unerwartete Antwort ({exc.__class__.__name__})"
