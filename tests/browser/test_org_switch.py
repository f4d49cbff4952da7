"""Someone working for two cities switches between them in the header, with and without JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def two_cities(create_org, create_user, create_channel, post_webhook, citizen_message):
    first, second = create_org(name="Stadt Eins"), create_org(name="Stadt Zwei")
    post_webhook(create_channel(first), citizen_message(subject="Frage an Eins"))
    post_webhook(create_channel(second), citizen_message(subject="Frage an Zwei"))
    create_user(second, "editor", email="beide@example.org")
    return create_user(first, "editor", email="beide@example.org")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_header_switches_the_organization(browser, live_server, two_cities, javascript):
    context = browser.new_context(base_url=live_server, locale="de-DE", java_script_enabled=javascript)
    page = context.new_page()
    browser_login(page, two_cities)
    page.wait_for_url("**/inbox")
    expect(page.locator("#conv-list")).to_contain_text("Frage an Eins")
    button = page.get_by_role("button", name="Wechseln")
    # With JavaScript the choice alone switches; without it, the button does.
    expect(button).to_be_hidden() if javascript else expect(button).to_be_visible()
    page.select_option("#org-select", label="Stadt Zwei")
    if not javascript:
        button.click()
    expect(page.locator("#conv-list")).to_contain_text("Frage an Zwei")
    expect(page.locator("#conv-list")).not_to_contain_text("Frage an Eins")
    expect(page.locator("#org-select option:checked")).to_have_text("Stadt Zwei")
    context.close()
