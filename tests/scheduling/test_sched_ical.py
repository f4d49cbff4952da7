import datetime as dt

from icalendar import Calendar

from scheduling import Assignment, Rota, ShiftModel, rota_to_ical

UTC = dt.UTC
ROTA = Rota(dt.date(2026, 3, 28), dt.date(2026, 3, 30), [
    Assignment(dt.date(2026, 3, 28), "T", 1),
    Assignment(dt.date(2026, 3, 29), "T", 1),
    Assignment(dt.date(2026, 3, 30), "S", 2),
], ShiftModel.essen_default().templates)


def parse(data: bytes) -> tuple[Calendar, list]:
    cal = Calendar.from_ical(data)
    return cal, [c for c in cal.walk() if c.name == "VEVENT"]


def test_team_calendar_round_trip():
    data = rota_to_ical(ROTA, name="Social Media Essen", editor_names={1: "Anna", 2: "Ben"})
    assert isinstance(data, bytes)
    cal, events = parse(data)
    assert str(cal["PRODID"]) and str(cal["VERSION"]) == "2.0" and str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Social Media Essen"
    assert len(events) == 3
    for event in events:
        for field in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert field in event
    sunday = next(e for e in events if e.decoded("DTSTART").date() == dt.date(2026, 3, 29))
    # 09:00 local on the day clocks go forward is 07:00 UTC.
    assert sunday.decoded("DTSTART") == dt.datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert sunday.decoded("DTEND") == dt.datetime(2026, 3, 29, 15, tzinfo=UTC)
    assert str(sunday["SUMMARY"]) == "Tagdienst: Anna"


def test_editor_calendar_and_stable_uids():
    stamp = dt.datetime(2026, 3, 1, tzinfo=UTC)
    first = rota_to_ical(ROTA, editor_id=1, stamp=stamp)
    second = rota_to_ical(ROTA, editor_id=1, stamp=stamp)
    assert first == second
    _, events = parse(first)
    assert [str(e["SUMMARY"]) for e in events] == ["Tagdienst", "Tagdienst"]
    assert len({str(e["UID"]) for e in events}) == 2
    assert b"Z\r\n" in first  # UTC times, so no VTIMEZONE is needed
