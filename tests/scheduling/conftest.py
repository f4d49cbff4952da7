import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduling import BusinessCalendar, ShiftModel

BERLIN = ZoneInfo("Europe/Berlin")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def essen() -> BusinessCalendar:
    return BusinessCalendar.essen_default("NW")


@pytest.fixture
def shifts() -> ShiftModel:
    return ShiftModel.essen_default()
