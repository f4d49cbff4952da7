"""A team lead opens the reports page in Chromium and downloads a CSV."""

from playwright.sync_api import expect

from tests.conftest import browser_login
from tests.reports.helpers import citizen_writes, roll_up


def test_lead_opens_reports_and_downloads_a_csv(page, app, create_org, create_user, create_channel, post_webhook,
                                                citizen_message):
    org = create_org()
    channel = create_channel(org, name="Kontaktformular")
    citizen_writes(post_webhook, citizen_message, channel, "2026-11-18 10:00", text="Wann kommt der Sperrmüll?")
    roll_up("2026-11-18 12:00")
    lead = create_user(org, "lead")
    browser_login(page, lead)
    page.get_by_role("link", name="Berichte").click()
    page.fill("#von", "2026-11-01")
    page.fill("#bis", "2026-11-30")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("heading", name="Aufkommen je Kanal und Tag")).to_be_visible()
    expect(page.locator("#chart-wochenraster")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Aufkommen je Kanal und Tag als CSV").click()
    download = info.value
    assert download.suggested_filename == "bericht-volumen-2026-11-01-2026-11-30.csv"
    body = open(download.path(), encoding="utf-8-sig").read()
    assert "Kontaktformular;1;0;neu" in body
