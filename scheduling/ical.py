"""iCalendar export of a rota, importable by Outlook and Thunderbird."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from icalendar import Calendar, Event

from .hours import UTC
from .shifts import Assignment, EditorId, Rota

PRODID = "-//Mitreden//Dienstplan//DE"


def rota_to_ical(rota: Rota, name: str = "Dienstplan", editor_id: EditorId | None = None,
                 editor_names: Mapping[EditorId, str] | None = None, domain: str = "mitreden.local",
                 stamp: dt.datetime | None = None) -> bytes:
    """Export a rota, or one editor's shifts, as an iCalendar file.

    Times are written in UTC (``...Z``) so no VTIMEZONE block is needed and every
    client shows them in its own zone.

    Args:
        rota: The plan.
        name: Calendar name (``X-WR-CALNAME``).
        editor_id: Only this editor's shifts; ``None`` exports everyone.
        editor_names: Names appended to the summary in a team export.
        domain: Right-hand side of the stable UIDs.
        stamp: ``DTSTAMP`` value; defaults to now.

    Returns:
        The ``.ics`` file content.
    """
    cal = Calendar()
    for key, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                       ("method", "PUBLISH"), ("x-wr-calname", name)):
        cal.add(key, value)
    stamp = (stamp or dt.datetime.now(UTC)).astimezone(UTC)
    for a in rota.assignments:
        if editor_id is None or a.editor_id == editor_id:
            cal.add_component(_event(rota, a, stamp, domain, editor_names if editor_id is None else None))
    return cal.to_ical()


def _event(rota: Rota, a: Assignment, stamp: dt.datetime, domain: str,
           names: Mapping[EditorId, str] | None) -> Event:
    template = rota.templates[a.template]
    start, end = rota.interval(a)
    summary = template.name if not names else f"{template.name}: {names.get(a.editor_id, a.editor_id)}"
    event = Event()
    # Same editor, date and template always give the same UID, so re-imports update instead of duplicating.
    event.add("uid", f"{a.date:%Y%m%d}-{a.template}-{a.editor_id}@{domain}")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", f"{template.name} {template.hours_text}, Pause {template.pause_minutes} min")
    event.add("transp", "OPAQUE")
    return event
