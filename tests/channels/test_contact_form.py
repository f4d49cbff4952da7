"""The public contact form validates like its form class, shows the errors, and is rate-limited per client."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from inbox.channels.models import RawEvent
from inbox.conversations.models import Message
from inbox.core import clock
from inbox.routing.models import Acknowledgement
from tests.channels.conftest import count

SUNDAY_NIGHT = datetime(2026, 11, 22, 23, 30, tzinfo=clock.BERLIN)  # out of hours: valid posts are acknowledged


def fields(number: int = 1, **changes) -> dict:
    data = {"submission_id": f"form-{number}", "name": "Dirk Hansen", "email": "d.hansen@example.net",
            "subject": "Baustelle", "text": "Wie lange dauert die Baustelle noch?"}
    data.update(changes)
    return data


@pytest.fixture
def channel(create_org, create_channel, client):
    channel = create_channel(create_org())
    client.get(f"/kontakt/{channel.slug}")
    return channel


def test_an_invalid_address_is_refused_on_the_page_and_nothing_is_queued(client, channel):
    clock.set_time(SUNDAY_NIGHT)
    response = client.post_form(f"/webhooks/{channel.slug}", fields(email="a@", name="<b>Dirk</b>"))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ihre Nachricht konnte nicht angenommen werden" in page
    assert "Das ist keine gültige E-Mail-Adresse." in page
    assert 'value="a@"' in page and "Wie lange dauert die Baustelle noch?" in page  # nothing typed is lost
    assert "&lt;b&gt;Dirk&lt;/b&gt;" in page and "<b>Dirk</b>" not in page
    assert count(RawEvent) == 0 and count(Message) == 0 and count(Acknowledgement) == 0

    valid = client.post_form(f"/webhooks/{channel.slug}", fields(2))
    assert valid.status_code == 303 and count(Acknowledgement) == 1


def test_missing_and_too_long_fields_are_shown_per_field(client, channel):
    response = client.post_form(f"/webhooks/{channel.slug}", fields(email="", text="", subject="x" * 300))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in ("Bitte geben Sie Ihre E-Mail-Adresse an", "Bitte schreiben Sie Ihre Nachricht.",
                    "Bitte höchstens 255 Zeichen."):
        assert message in page
    assert count(RawEvent) == 0


def test_too_many_posts_from_one_client_get_429_with_a_clear_page(app, client, channel):
    app.config["SETTINGS"]["security"].update(contact_form_posts=3, contact_form_window_minutes=10)
    url = f"/webhooks/{channel.slug}"
    answers = [client.post_form(url, fields(number)).status_code for number in range(2)]
    answers.append(client.post_form(url, fields(3, email="a@")).status_code)  # invalid posts count as well

    refused = client.post_form(url, fields(4))

    assert answers == [303, 303, 400]
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    page = refused.get_data(as_text=True)
    assert "zu viele Nachrichten gesendet" in page and "in 10 Minuten noch einmal" in page
    assert "Wie lange dauert die Baustelle noch?" in page
    assert count(RawEvent) == 2

    other_client = client.post_form(url, fields(6), environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert other_client.status_code == 303
    clock.advance(timedelta(minutes=10, seconds=1))
    assert client.post_form(url, fields(7)).status_code == 303
    assert count(RawEvent) == 4
