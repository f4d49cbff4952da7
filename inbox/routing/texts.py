"""German wording of out-of-hours acknowledgements."""

from __future__ import annotations

from datetime import datetime, timedelta

from inbox.core.clock import BERLIN

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
DEFAULT_ACK = ("Vielen Dank für Ihre Nachricht! Unser Social-Media-Team ist gerade nicht im Dienst. "
               "Wir sind {opening} wieder für Sie da.")


def opening_phrase(opening: datetime, now: datetime) -> str:
    """"heute ab 17:00 Uhr", "morgen ab 07:00 Uhr", "ab Montag, 07:00 Uhr" or, further ahead, with the date."""
    local, today = opening.astimezone(BERLIN), now.astimezone(BERLIN).date()
    clock_text = f"{local:%H:%M} Uhr"
    days = (local.date() - today).days
    if days == 0:
        return f"heute ab {clock_text}"
    if days == 1:
        return f"morgen ab {clock_text}"
    weekday = WEEKDAYS[local.weekday()]
    if days < 7:
        return f"ab {weekday}, {clock_text}"
    return f"ab {weekday}, {local:%d.%m.}, {clock_text}"


def ack_text(channel_settings: dict, opening: datetime, now: datetime) -> str:
    template = (channel_settings or {}).get("ack_text") or DEFAULT_ACK
    phrase = opening_phrase(opening, now)
    try:
        return template.format(opening=phrase)
    except (KeyError, IndexError, ValueError):
        # A lead's text with stray braces must not stop the answer; append the time instead.
        return f"{template} ({phrase})"


def within(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def local(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M Uhr")
