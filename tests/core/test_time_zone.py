"""Every time shown or said to people goes through one zone: the configured `[app] timezone`."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from inbox.core import clock
from inbox.core.web import local_time
from inbox.routing import texts

MOMENT = datetime(2026, 12, 15, 8, 30, tzinfo=UTC)


@pytest.fixture
def lisbon(app):
    settings = copy.deepcopy(app.config["SETTINGS"])
    settings["app"]["timezone"] = "Europe/Lisbon"
    app.config["SETTINGS"] = settings
    return app


def test_the_default_zone_is_berlin(app):
    assert clock.zone().key == "Europe/Berlin"
    assert clock.local_text(MOMENT) == "15.12.2026 09:30 Uhr"
    assert local_time(MOMENT) == "15.12.2026 09:30"


def test_screens_mails_and_automatic_answers_follow_the_configured_zone(lisbon):
    assert clock.zone().key == "Europe/Lisbon"
    assert local_time(MOMENT) == "15.12.2026 08:30"
    assert texts.local(MOMENT) == "15.12.2026 08:30 Uhr"
    # 23:30 UTC is already tomorrow in Berlin, still today in Lisbon.
    late = datetime(2026, 12, 15, 23, 30, tzinfo=UTC)
    assert texts.opening_phrase(late, datetime(2026, 12, 15, 12, 0, tzinfo=UTC)) == "heute ab 23:30 Uhr"
    with clock.frozen(late):
        assert clock.today().isoformat() == "2026-12-15"
