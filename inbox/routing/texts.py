"""Wording of out-of-hours acknowledgements, in the channel's language (German unless it says English)."""

from __future__ import annotations

from datetime import datetime, timedelta

from inbox.core import clock

WEEKDAYS = {"de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
DEFAULT_ACK = {
    "de": ("Vielen Dank für Ihre Nachricht! Unser Social-Media-Team ist gerade nicht im Dienst. "
           "Wir sind {opening} wieder für Sie da."),
    "en": ("Thank you for your message! Our social media team is not on duty right now. "
           "We will be back {opening}."),
}
# Citizens must know a machine answered (Meta's policy asks it of German automated replies in particular).
AUTOMATIC = {"de": "Dies ist eine automatische Antwort.", "en": "This is an automatic reply."}


def language_of(channel_settings: dict) -> str:
    """The channel's language for automatic answers: "en" when set to English, else German."""
    return "en" if str((channel_settings or {}).get("language") or "").lower().startswith("en") else "de"


def opening_phrase(opening: datetime, now: datetime, language: str = "de") -> str:
    """"heute ab 17:00 Uhr", "morgen ab 07:00 Uhr", "ab Montag, 07:00 Uhr" or, further ahead, with the date."""
    local, today = opening.astimezone(clock.zone()), now.astimezone(clock.zone()).date()
    days = (local.date() - today).days
    if language == "en":
        return _opening_en(local, days)
    clock_text = f"{local:%H:%M} Uhr"
    if days == 0:
        return f"heute ab {clock_text}"
    if days == 1:
        return f"morgen ab {clock_text}"
    weekday = WEEKDAYS["de"][local.weekday()]
    if days < 7:
        return f"ab {weekday}, {clock_text}"
    return f"ab {weekday}, {local:%d.%m.}, {clock_text}"


def _opening_en(local: datetime, days: int) -> str:
    """"today from 17:00", "tomorrow from 07:00", "on Monday from 07:00", "on Monday, 10 March, from 07:00"."""
    clock_text = f"{local:%H:%M}"
    if days == 0:
        return f"today from {clock_text}"
    if days == 1:
        return f"tomorrow from {clock_text}"
    weekday = WEEKDAYS["en"][local.weekday()]
    if days < 7:
        return f"on {weekday} from {clock_text}"
    return f"on {weekday}, {local.day} {MONTHS_EN[local.month - 1]}, from {clock_text}"


def ack_text(channel_settings: dict, opening: datetime, now: datetime) -> str:
    """The acknowledgement, opened by the notice that it is automatic (unless the lead's own text says so)."""
    language = language_of(channel_settings)
    template = (channel_settings or {}).get("ack_text") or DEFAULT_ACK[language]
    phrase = opening_phrase(opening, now, language)
    try:
        body = template.format(opening=phrase)
    except (KeyError, IndexError, ValueError):
        # A lead's text with stray braces must not stop the answer; append the time instead.
        body = f"{template} ({phrase})"
    notice = AUTOMATIC[language]
    return body if notice.rstrip(".").lower() in body.lower() else f"{notice} {body}"


def within(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def local(moment: datetime) -> str:
    return clock.local_text(moment)
